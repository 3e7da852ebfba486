import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * The argon2 binding, loaded on first use: the SDK and CLI import this package too and
 * never hash a password, so they never need the native binding.
 */
let binding: Promise<typeof import('@node-rs/argon2')> | undefined;
const argon2 = () => (binding ??= import('@node-rs/argon2'));

/**
 * Password hashing: argon2id with OWASP's parameters (19 MiB, 2 iterations, 1 lane),
 * stored in the PHC string format (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
 * Hashes made by earlier versions (`scrypt$N$r$p$salt$hash`) still verify, and
 * `needsRehash` tells the login to store a new hash with the current parameters.
 */
// algorithm 2 is Argon2id (@node-rs/argon2's Algorithm.Argon2id, a const enum).
const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}$`;

export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password, ARGON2);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2')) {
    try {
      return await (await argon2()).verify(stored, password);
    } catch {
      return false;
    }
  }
  if (stored.startsWith('scrypt$')) return verifyLegacyScrypt(password, stored);
  return false;
}

/** Whether a stored hash was made with other parameters than today's (re-hash it at the next login). */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(CURRENT_PREFIX);
}

function verifyLegacyScrypt(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6) return Promise.resolve(false);
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  return new Promise((resolve) => {
    scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 }, (err, key) =>
      resolve(!err && key.length === expected.length && timingSafeEqual(key, expected)),
    );
  });
}

/** A hash of a random password, to spend the same time on unknown users as on known ones. */
let decoy: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

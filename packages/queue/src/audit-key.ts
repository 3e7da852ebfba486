import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditSigner } from '@quorumd/store';

export interface AuditKey {
  signer: AuditSigner;
  /** SHA-256 (hex) of the public key's DER SubjectPublicKeyInfo. */
  fingerprint: string;
  /** Whether this call created the file. */
  created: boolean;
}

function fingerprintOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * The Ed25519 key checkpoints are signed with, from a PKCS#8 PEM file that never goes to
 * Redis. With `create`, a missing file is made (mode 0600; a second process racing to make
 * it reads the first one's).
 */
export function loadAuditKey(file: string, options: { create: boolean }): AuditKey {
  let pem: string;
  let created = false;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !options.create) throw new Error(`cannot read the audit key ${file} (QUORUM_AUDIT_KEY_FILE): ${(err as Error).message}`);
    const { privateKey } = generateKeyPairSync('ed25519');
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
    }
    pem = readFileSync(file, 'utf8');
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the audit key ${file} (QUORUM_AUDIT_KEY_FILE) is not an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  return {
    signer: { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), sign: (message) => sign(null, message, privateKey) },
    fingerprint: fingerprintOf(publicKey),
    created,
  };
}

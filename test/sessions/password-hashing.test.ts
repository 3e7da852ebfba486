import { hashPassword } from '@quorumd/core';
import { Harness } from '../support/harness';

/**
 * Passwords are hashed with argon2id (OWASP parameters); older hashes are replaced at the
 * next login that proves the password.
 */

describe('password hashing', () => {
  it('uses argon2id with OWASP parameters and re-hashes an older hash at the next login', async () => {
    const h = await Harness.start();
    try {
      const stored = await h.redis.hget(h.store.keys.user(1), 'pw');
      expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      // An scrypt hash from an earlier version (N = 2^15) still logs in, once, and is replaced.
      const legacy = 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + (await legacyScrypt('admin-password', 'c2FsdHNhbHRzYWx0c2FsdA'));
      await h.redis.hset(h.store.keys.user(1), 'pw', legacy);
      expect((await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'admin-password' })).status).toBe(201);
      expect(await h.redis.hget(h.store.keys.user(1), 'pw')).toMatch(/^\$argon2id\$/);
      expect((await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'admin-password' })).status).toBe(201);
      expect(await hashPassword('x')).not.toBe(await hashPassword('x'));
    } finally {
      await h.close();
    }
  });
});

async function legacyScrypt(password: string, salt: string): Promise<string> {
  const { scrypt } = await import('node:crypto');
  return new Promise((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64url'), 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key.toString('base64url')))),
  );
}

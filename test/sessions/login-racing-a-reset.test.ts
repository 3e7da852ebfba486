import { Harness, type Officer } from '../support/harness';

/**
 * A login whose password check races a password reset loses to the reset.
 */

const alive = async (h: Harness, token: string) => (await h.request('GET', '/v1/users', token)).status === 200;

async function legacyScryptHash(password: string): Promise<string> {
  const { scrypt } = await import('node:crypto');
  const salt = 'c2FsdHNhbHRzYWx0c2FsdA';
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64url'), 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, k) => (err ? reject(err) : resolve(k))),
  );
  return `scrypt$32768$8$1$${salt}$${key.toString('base64url')}`;
}

describe('a login racing a password reset does not outlive it', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  it('a session started with the leaked password before the reset works after it, and the leaked password is valid again', async () => {
    // co1's password leaked; its hash is from an earlier version (re-hashed at next login).
    await h.redis.hset(h.store.keys.user(co1.id), 'pw', await legacyScryptHash('co1-password'));
    // The thief logs in with the leaked password; while the password is being checked,
    // the admin resets co1's password (USER_MGMT = 1: no token needed).
    const thief = h.request('POST', '/v1/sessions', undefined, { name: 'co1', password: 'co1-password' });
    await new Promise((r) => setTimeout(r, 10));
    const reset = await h.request('PUT', `/v1/users/${co1.id}/password`, admin.token, { password: 'fresh-password-after-leak' });
    expect(reset.status).toBe(200);
    const stolen = await thief;
    // The reset ends every session of co1 — including one whose login was in flight.
    const sessionAlive = stolen.status === 201 && (await alive(h, stolen.body.token as string));
    const leakedWorks = (await h.request('POST', '/v1/sessions', undefined, { name: 'co1', password: 'co1-password' })).status === 201;
    const freshWorks = (await h.request('POST', '/v1/sessions', undefined, { name: 'co1', password: 'fresh-password-after-leak' })).status === 201;
    expect({ sessionAlive, leakedWorks, freshWorks }).toEqual({ sessionAlive: false, leakedWorks: false, freshWorks: true });
  });
});

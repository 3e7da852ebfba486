import { Harness, type Officer } from '../support/harness';

/**
 * Failed logins throttle the name (it waits) and lock nothing: no officer is taken out of
 * the quorum by someone guessing its password.
 */

describe('failed logins make the name wait and lock nothing', () => {
  it('failed logins never lock: the name waits (at most QUORUM_LOCKOUT_SECONDS), then logs in; no lock is audited', async () => {
    const h = await Harness.start({ env: { QUORUM_LOCKOUT_SECONDS: '1' } });
    try {
      for (let i = 0; i < 5; i++) await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'wrong-password' });
      const held = await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'admin-password' });
      expect({ code: held.body.code, retryAfter: held.headers['retry-after'] }).toEqual({ code: 'RET_LOGIN_THROTTLED', retryAfter: '1' });
      expect((await h.request('GET', '/v1/users', h.adminToken)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'admin-password' })).status).toBe(201);
      const types = (await h.store.audit.page(1, 1000)).map((e) => JSON.parse(e).type as string);
      expect(types).not.toContain('user.locked');
    } finally {
      await h.close();
    }
  });
});

describe('failed logins never take an officer out of the quorum', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    // 3 key holders, requester may approve: the lock-out guard allows USER_MGMT = 3.
    await h.setM(admin, 'USER_MGMT', 3, [admin, co1, co2]);
  });
  afterAll(() => h.close());

  it('wrong passwords for co2 lock nothing: co2 still counts, its session still approves', async () => {
    for (let i = 0; i < 8; i++) await h.request('POST', '/v1/sessions', undefined, { name: 'co2', password: 'wrong-password' });
    expect(await h.redis.hget(h.store.keys.user(co2.id), 'lockedUntil')).toBeNull();
    const id = (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deployRelease' } })).body.token.id;
    expect((await h.approve(id, co2)).status).toBe(200);
    const types = (await h.store.audit.page(1, 10_000)).map((e) => JSON.parse(e).type as string);
    expect(types).not.toContain('user.locked');
  });
});

import { createHash } from 'node:crypto';
import { Harness, type Officer } from '../support/harness';

describe('sessions, passwords and failed logins', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
  });
  afterAll(() => h.close());

  it('logs in by name without regard to case and refuses a wrong password', async () => {
    const ok = await h.request('POST', '/v1/sessions', undefined, { name: 'CO1', password: 'co1-password' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ user: { id: co1.id, name: 'co1', type: 'CO' }, token: expect.stringMatching(/^qs_/) });
    const bad = await h.request('POST', '/v1/sessions', undefined, { name: 'co1', password: 'wrong-password' });
    expect(bad).toMatchObject({ status: 401, body: { code: 'RET_LOGIN_FAILED' } });
    const unknown = await h.request('POST', '/v1/sessions', undefined, { name: 'nobody', password: 'wrong-password' });
    expect(unknown).toMatchObject({ status: 401, body: { code: 'RET_LOGIN_FAILED' } });
  });

  it('makes a name wait after 5 failures, even under parallel guessing, without locking it; a reset still needs its quorum', async () => {
    const victim = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'victim', password: 'victim-password' });
    const guesses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => h.request('POST', '/v1/sessions', undefined, { name: 'victim', password: i === 39 ? 'victim-password' : `guess-${i}` })),
    );
    const answered = guesses.map((g) => g.body.code ?? 'OK');
    // At most 5 passwords were checked; everything after waits without a check.
    expect(answered.filter((c) => c === 'RET_LOGIN_FAILED').length).toBeLessThanOrEqual(5);
    expect(answered.filter((c) => c === 'RET_LOGIN_THROTTLED').length).toBeGreaterThanOrEqual(34);
    const right = await h.request('POST', '/v1/sessions', undefined, { name: 'victim', password: 'victim-password' });
    expect(right.body.code).toBe('RET_LOGIN_THROTTLED');
    const listed = (await h.request('GET', '/v1/users', admin.token)).body.users.find((u: { name: string }) => u.name === 'victim');
    expect(listed.loginFailureCnt).toBeGreaterThanOrEqual(5);
    expect(listed.locked).toBe(false);

    await h.setM(admin, 'USER_MGMT', 2, [co1, co2]);
    const id = victim.body.user.id;
    const refused = await h.request('PUT', `/v1/users/${id}/password`, admin.token, { password: 'new-password' });
    expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    const quorumToken = await h.approvedToken(admin, 'USER_MGMT', { command: 'changePswd', args: { id } }, [co1, co2]);
    expect((await h.request('PUT', `/v1/users/${id}/password`, admin.token, { password: 'new-password', quorumToken })).status).toBe(200);
  });

  it('lets any user change its own password without a quorum', async () => {
    const token = await h.login('co2', 'co2-password');
    expect((await h.request('PUT', `/v1/users/${co2.id}/password`, token, { password: 'co2-new-password', currentPassword: 'co2-password' })).status).toBe(200);
    const fresh = await h.login('co2', 'co2-new-password');
    co2.token = fresh;
    expect((await h.request('PUT', `/v1/users/${co2.id}/password`, fresh, { password: 'short', currentPassword: 'co2-new-password' })).body.code).toBe('RET_BAD_REQUEST');
  });

  it('refuses a session after logout and after expiry', async () => {
    const token = await h.login('co1', 'co1-password');
    expect((await h.request('GET', '/v1/users', token)).status).toBe(200);
    expect((await h.request('DELETE', '/v1/sessions/current', token)).status).toBe(200);
    expect((await h.request('GET', '/v1/users', token)).body.code).toBe('RET_UNAUTHORIZED');

    const other = await h.login('co1', 'co1-password');
    const sessionKey = h.store.keys.session(createHash('sha256').update(other).digest('hex'));
    expect(await h.redis.exists(sessionKey)).toBe(1);
    await h.redis.hset(sessionKey, 'exp', Date.now() - 1);
    expect((await h.request('GET', '/v1/users', other)).body.code).toBe('RET_UNAUTHORIZED');
  });

  it('stores sessions and passwords only as hashes', async () => {
    const token = await h.login('co1', 'co1-password');
    const dump = JSON.stringify(await h.snapshot());
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.slice(3));
    expect(dump).not.toContain('co1-password');
    expect(dump).toMatch(/\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('only COs create users, and names are unique without regard to case', async () => {
    await h.setM(admin, 'USER_MGMT', 1, [co1, co2]);
    const cu = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'plain', password: 'plain-password' });
    expect(cu.status).toBe(201);
    const cuToken = await h.login('plain', 'plain-password');
    expect((await h.request('POST', '/v1/users', cuToken, { type: 'CU', name: 'x1', password: 'xxxxxxxx' })).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('POST', '/v1/tokens', cuToken, { service: 'USER_MGMT', operation: { command: 'x' } })).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'PLAIN', password: 'plain-password' })).body.code).toBe('RET_USER_EXISTS');
    expect((await h.request('DELETE', '/v1/users/9999', admin.token, {})).body.code).toBe('RET_USER_NOT_FOUND');
    expect((await h.request('DELETE', `/v1/users/${admin.id}`, admin.token, {})).body.code).toBe('RET_FORBIDDEN');
  });
});

import { Harness, type Officer } from '../support/harness';

/**
 * Failed logins are a weapon only if they can keep officers out: they never lock a user and
 * never end a session. Past QUORUM_MAX_LOGIN_FAILURES (5 here) failures, a name waits before
 * its next try (1 s, doubling per failure, at most QUORUM_LOCKOUT_SECONDS) from every address;
 * an address waits the same way after 20 failures, whatever the names. Unknown names are
 * counted and answered exactly like wrong passwords.
 */
describe('failed logins throttle, never lock out', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['fl_co1', 'fl_co2']));
  });
  afterAll(() => h.close());

  /** A login from `address` (the caller's IP as the API sees it). */
  async function login(name: string, password: string, address: string) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/sessions', remoteAddress: address, payload: { name, password } });
    const body = res.json() as { code?: string; message?: string; requestId?: string; retryAfterSeconds?: number; token?: string };
    return { status: res.statusCode, body, retryAfter: res.headers['retry-after'], raw: res.body };
  }

  const alive = async (token: string) => (await h.request('GET', '/v1/users', token)).status === 200;
  const wait = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000 + 100));

  it('many wrong passwords from a caller end no session of the officer and lock nothing: the name waits instead (429 RET_LOGIN_THROTTLED, Retry-After)', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await login(co1.name, `wrong-${i}`, '198.51.100.7')).body.code ?? 'OK');
    expect(codes).toEqual(Array(5).fill('RET_LOGIN_FAILED'));
    const held = await login(co1.name, 'wrong-5', '198.51.100.7');
    expect({ status: held.status, code: held.body.code }).toEqual({ status: 429, code: 'RET_LOGIN_THROTTLED' });
    expect(Number(held.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(held.body.retryAfterSeconds).toBe(Number(held.retryAfter));
    // The per-name rule holds for the name from every address (an attacker spread over many
    // addresses is slowed all the same), right password or not...
    const elsewhere = await login(co1.name, `${co1.name}-password`, '203.0.113.9');
    expect({ status: elsewhere.status, code: elsewhere.body.code }).toEqual({ status: 429, code: 'RET_LOGIN_THROTTLED' });
    // ...but the failing address's count is its own: other names log in from there and from elsewhere.
    expect((await login(co2.name, `${co2.name}-password`, '198.51.100.7')).status).toBe(201);
    expect((await login(co2.name, `${co2.name}-password`, '203.0.113.9')).status).toBe(201);

    // The officer's session works on: it reads, and it approves.
    expect(await alive(co1.token)).toBe(true);
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { v: 1 } } });
    expect((await h.approve(issued.body.token.id, co1)).status).toBe(200);
    // Not locked: no lock field, listed as not locked, no lock audited.
    expect(await h.redis.hget(h.store.keys.user(co1.id), 'lockedUntil')).toBeNull();
    const listed = (await h.request('GET', '/v1/users', admin.token)).body.users.find((u: { id: number }) => u.id === co1.id);
    expect(listed.locked).toBe(false);
    const types = (await h.store.audit.page(1, 10_000)).map((e) => JSON.parse(e).type as string);
    expect(types).not.toContain('user.locked');
    expect(types).toContain('session.login_failed');
  });

  it('the wait lifts by itself: then the right password logs in from anywhere, and the name’s count starts again', async () => {
    let held = await login(co1.name, 'wrong-again', '198.51.100.7');
    for (let i = 0; i < 10 && held.status !== 429; i++) held = await login(co1.name, 'wrong-again', '198.51.100.7');
    expect(held.body.code).toBe('RET_LOGIN_THROTTLED');
    await wait(Number(held.retryAfter));
    expect((await login(co1.name, `${co1.name}-password`, '203.0.113.9')).status).toBe(201);
    expect((await login(co1.name, 'wrong-again', '203.0.113.9')).body.code).toBe('RET_LOGIN_FAILED');
  });

  it('an address that failed 20 times waits for every name; other addresses do not', async () => {
    for (let i = 0; i < 20; i++) expect((await login(`nobody_${i}`, 'guess-guess', '192.0.2.44')).body.code).toBe('RET_LOGIN_FAILED');
    const held = await login(co2.name, `${co2.name}-password`, '192.0.2.44');
    expect({ status: held.status, code: held.body.code }).toEqual({ status: 429, code: 'RET_LOGIN_THROTTLED' });
    expect((await login(co2.name, `${co2.name}-password`, '192.0.2.45')).status).toBe(201);
    // An IPv6 caller is counted by its /64: walking its own addresses gives it no fresh counts.
    for (let i = 0; i < 20; i++) expect((await login(`v6_nobody_${i}`, 'guess-guess', `2001:db8:1:2::${(i + 1).toString(16)}`)).body.code).toBe('RET_LOGIN_FAILED');
    expect((await login(co2.name, `${co2.name}-password`, '2001:db8:1:2:ffff::1')).body.code).toBe('RET_LOGIN_THROTTLED');
    expect((await login(co2.name, `${co2.name}-password`, '2001:db8:1:3::1')).status).toBe(201);
  });

  it('an unknown name and a wrong password get byte-identical answers, failing and throttled alike', async () => {
    const victim = await h.addOfficer('fl_victim', { key: false });
    const shown = (r: Awaited<ReturnType<typeof login>>) => ({
      status: r.status,
      retryAfter: r.retryAfter,
      raw: r.raw.replace(`"requestId":"${r.body.requestId}"`, '"requestId":"-"'),
    });
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 7; i++) {
      const known = await login(victim.name, `wrong-${i}`, '198.51.100.20');
      const unknown = await login('fl_no_such_officer', `wrong-${i}`, '198.51.100.21');
      expect(shown(unknown)).toEqual(shown(known));
      codes.push(known.body.code);
    }
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('RET_LOGIN_FAILED'));
    expect(codes).toContain('RET_LOGIN_THROTTLED');
    expect(await alive(victim.token)).toBe(true);
  });

  it('parallel guesses get no more password checks than the free failures', async () => {
    const guesses = await Promise.all(Array.from({ length: 30 }, (_, i) => login('fl_parallel', `guess-${i}`, '198.51.100.30')));
    const codes = guesses.map((g) => g.body.code);
    expect(codes.filter((c) => c === 'RET_LOGIN_FAILED').length).toBe(5);
    expect(codes.filter((c) => c === 'RET_LOGIN_THROTTLED').length).toBe(25);
  });

  it('guessing the current password from a session is throttled the same way, and ends no session', async () => {
    const session = await h.login(co2.name, `${co2.name}-password`);
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) {
      codes.push((await h.request('PUT', `/v1/users/${co2.id}/password`, session, { password: 'thief-password', currentPassword: `guess-${i}` })).body.code);
    }
    expect(codes).toEqual([...Array(5).fill('RET_LOGIN_FAILED'), 'RET_LOGIN_THROTTLED', 'RET_LOGIN_THROTTLED']);
    const right = await h.request('PUT', `/v1/users/${co2.id}/password`, session, { password: 'thief-password', currentPassword: `${co2.name}-password` });
    expect({ status: right.status, code: right.body.code, retryAfter: Number(right.headers['retry-after']) >= 1 }).toEqual({ status: 429, code: 'RET_LOGIN_THROTTLED', retryAfter: true });
    expect(await alive(session)).toBe(true);
    expect(await alive(co2.token)).toBe(true);
  });
});

import { Harness, type Officer } from '../support/harness';

/**
 * An IPv6 caller holds a whole /64 (2^64 addresses): counting it address by address would
 * give it a fresh login rate limit with every request. The login and password-change rate
 * limits count it by its /64, as the failed-login wait does.
 */
describe('an IPv6 caller is counted by its /64', () => {
  let h: Harness;
  let co1: Officer;

  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['v6_co1'], { env: { QUORUM_RATE_LIMIT_LOGIN: '3' } }));
  });
  afterAll(() => h.close());

  const login = async (address: string) =>
    (await h.app.inject({ method: 'POST', url: '/v1/sessions', remoteAddress: address, payload: { name: co1.name, password: 'v6_co1-password' } })).statusCode;

  it('refuses a fourth login in a minute from another address of the same /64, not from another /64', async () => {
    expect([await login('2001:db8:7:1::1'), await login('2001:db8:7:1::2'), await login('2001:db8:7:1:ffff::3')]).toEqual([201, 201, 201]);
    const res = await h.app.inject({ method: 'POST', url: '/v1/sessions', remoteAddress: '2001:db8:7:1:abcd::4', payload: { name: co1.name, password: 'v6_co1-password' } });
    expect({ status: res.statusCode, code: (res.json() as { code?: string }).code }).toEqual({ status: 429, code: 'RET_RATE_LIMITED' });
    expect(await login('2001:db8:7:2::1')).toBe(201);
  });

  it('refuses a fourth own password change in a minute from the same /64', async () => {
    const answers: { status: number; code?: string }[] = [];
    for (const address of ['2001:db8:8:1::1', '2001:db8:8:1::2', '2001:db8:8:1::3', '2001:db8:8:1::4']) {
      const res = await h.app.inject({ method: 'PUT', url: `/v1/users/${co1.id}/password`, remoteAddress: address, headers: { authorization: `Bearer ${co1.token}` }, payload: { password: 'v6_co1-password', currentPassword: 'wrong-password' } });
      answers.push({ status: res.statusCode, code: (res.json() as { code?: string }).code });
    }
    expect(answers[3]).toEqual({ status: 429, code: 'RET_RATE_LIMITED' });
  });
});

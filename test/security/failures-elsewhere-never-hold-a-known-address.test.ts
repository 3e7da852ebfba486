import { Harness, type Officer } from '../support/harness';

/**
 * A name's wait after failed logins must not be a lock-out by other means: an attacker who
 * fails once per wait from anywhere would otherwise keep an officer from ever logging in
 * again (its sessions live on, but they expire). Failures are counted apart for the addresses
 * a name logged in from before (its known addresses) and for all others: whoever fails from
 * elsewhere holds off only elsewhere, and guessing from a known address is throttled the same
 * way on its own count.
 */
describe('failures from elsewhere never hold an officer off an address it logged in from', () => {
  let h: Harness;
  let co1: Officer;

  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['known_co1']));
  });
  afterAll(() => h.close());

  async function login(name: string, password: string, address: string) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/sessions', remoteAddress: address, payload: { name, password } });
    return { status: res.statusCode, code: (res.json() as { code?: string }).code };
  }
  const right = `${'known_co1'}-password`;

  it('logs an officer in from its known address while failures from elsewhere hold its name', async () => {
    expect((await login(co1.name, right, '198.51.100.20')).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await login(co1.name, `wrong-${i}`, '203.0.113.50')).code).toBe('RET_LOGIN_FAILED');
    expect(await login(co1.name, 'wrong-5', '203.0.113.50')).toEqual({ status: 429, code: 'RET_LOGIN_THROTTLED' });
    // Elsewhere the name waits, right password or not...
    expect(await login(co1.name, right, '203.0.113.51')).toEqual({ status: 429, code: 'RET_LOGIN_THROTTLED' });
    // ...but not from where the officer logged in before.
    expect((await login(co1.name, right, '198.51.100.20')).status).toBe(201);
    // That login gives the failing caller no fresh tries.
    expect(await login(co1.name, 'wrong-6', '203.0.113.50')).toEqual({ status: 429, code: 'RET_LOGIN_THROTTLED' });
  });

  it('throttles guesses from a known address on their own count', async () => {
    for (let i = 0; i < 5; i++) expect((await login(co1.name, `guess-${i}`, '198.51.100.20')).code).toBe('RET_LOGIN_FAILED');
    expect(await login(co1.name, right, '198.51.100.20')).toEqual({ status: 429, code: 'RET_LOGIN_THROTTLED' });
  });
});

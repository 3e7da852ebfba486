import { Harness, type Officer } from '../support/harness';

/**
 * Changing a password, resetting it, deleting a user: every session and API key that
 * depended on the old state stops working at once; failed logins by others end nothing.
 */

describe('sessions and API keys end with the credential or the user that made them', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
  });
  afterAll(() => h.close());

  const alive = async (token: string) => (await h.request('GET', '/v1/users', token)).status === 200;

  it('changing one’s own password needs the current one, and ends every session of the user', async () => {
    const other = await h.login('co1', 'co1-password');
    const without = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'stolen-session-pw' });
    expect(without.body.code).toBe('RET_LOGIN_FAILED');
    const wrong = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'stolen-session-pw', currentPassword: 'guess-guess' });
    expect(wrong.body.code).toBe('RET_LOGIN_FAILED');
    const ok = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'co1-password-2', currentPassword: 'co1-password' });
    expect(ok.status).toBe(200);
    expect([await alive(co1.token), await alive(other)]).toEqual([false, false]);
    co1.token = await h.login('co1', 'co1-password-2');
  });

  it('a quorum-approved reset of another user’s password ends that user’s sessions', async () => {
    const victim = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'reset_me', password: 'reset-me-password' });
    const session = await h.login('reset_me', 'reset-me-password');
    expect(await alive(session)).toBe(true);
    const reset = await h.request('PUT', `/v1/users/${victim.body.user.id}/password`, admin.token, { password: 'brand-new-password' });
    expect(reset.status).toBe(200);
    expect(await alive(session)).toBe(false);
  });

  it('failed logins by others end none of the user’s sessions', async () => {
    const session = await h.login('co2', 'co2-password');
    for (let i = 0; i < 8; i++) await h.request('POST', '/v1/sessions', undefined, { name: 'co2', password: 'wrong-password' });
    expect(await alive(session)).toBe(true);
    expect(await alive(co2.token)).toBe(true);
  });

  it('a deleted CO’s sessions and API keys stop working', async () => {
    const doomed = await h.addOfficer('doomed');
    const key = (await h.request('POST', '/v1/api-keys', doomed.token, { name: 'doomed-robot', scopes: ['tokens:issue'] })).body.key;
    expect((await h.requestToken(key, 'USER_MGMT', { command: 'deployRelease' })).status).toBe(201);
    expect((await h.request('DELETE', `/v1/users/${doomed.id}`, admin.token, {})).status).toBe(200);
    expect((await h.requestToken(key, 'USER_MGMT', { command: 'deployRelease' })).body.code).toBe('RET_UNAUTHORIZED');
    expect(await alive(doomed.token)).toBe(false);
    expect((await h.request('GET', '/v1/api-keys', admin.token)).body.apiKeys.map((k: { name: string }) => k.name)).not.toContain('doomed-robot');
  });
});

import { Harness, type Officer } from '../support/harness';

/**
 * The current-password check of a password change is counted and throttled like a login.
 */

describe('guesses of the current password (PUT /users/{id}/password) are throttled like logins', () => {
  let h: Harness;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  it('a stolen session gets unlimited currentPassword guesses, then takes the account over', async () => {
    // QUORUM_MAX_LOGIN_FAILURES is 5: after 5 wrong passwords a login's name waits.
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'thief-password', currentPassword: `guess-${i}` });
      codes.push(res.body.code);
    }
    const hit = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'thief-password', currentPassword: 'co1-password' });
    // After 5 wrong guesses the guessing must wait (RET_LOGIN_THROTTLED):
    // the 9th try, with the right password, must not change it.
    expect(hit.status).not.toBe(200);
    expect(codes.slice(5)).not.toEqual(['RET_LOGIN_FAILED', 'RET_LOGIN_FAILED', 'RET_LOGIN_FAILED']);
  });
});

import { Harness, type Officer } from '../support/harness';

/**
 * A crypto officer created through a quorum gets the password its requester chose: a one-time
 * password. Its sessions can do nothing but set the officer's own password (and log out) —
 * not register a quorum key, not approve — so the requester cannot log in as the new officer
 * and be one person with two votes. The same holds for a CO's password reset through a quorum.
 */
describe('a password someone else chose works once', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['otp_co1', 'otp_co2']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
  });
  afterAll(() => h.close());

  const login = (name: string, password: string) => h.request('POST', '/v1/sessions', undefined, { name, password });

  /** The admin requests a new CO with a password of its choosing; co1 and co2 approve; the admin creates it. */
  async function createThroughQuorum(name: string, password: string): Promise<number> {
    const quorumToken = await h.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CO', name } }, [co1, co2]);
    const created = await h.request('POST', '/v1/users', admin.token, { type: 'CO', name, password, quorumToken });
    expect(created.status).toBe(201);
    return created.body.user.id as number;
  }

  it('the requester logged in as the new officer can register no key and approve nothing (403 RET_PASSWORD_CHANGE_REQUIRED) until it sets its own password; then the requester’s no longer works', async () => {
    const id = await createThroughQuorum('otp_frank', 'chosen-by-admin');
    const pending = (await h.request('POST', '/v1/tokens', co1.token, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { v: 2 } } })).body.token.id as string;

    // The requester knows the password: the login works, and says the password is a one-time one.
    const first = await login('otp_frank', 'chosen-by-admin');
    expect(first.status).toBe(201);
    expect(first.body.user).toEqual({ id, name: 'otp_frank', type: 'CO', passwordChangeRequired: true });
    const thief: Officer = { id, name: 'otp_frank', token: first.body.token as string };

    const refusal = { status: 403, code: 'RET_PASSWORD_CHANGE_REQUIRED' };
    const answer = (r: { status: number; body: { code?: string } }) => ({ status: r.status, code: r.body.code });
    // Register a key: neither the challenge nor the registration.
    expect(answer(await h.request('POST', `/v1/users/${id}/quorum-key/challenge`, thief.token))).toEqual(refusal);
    const key = h.openssl.genrsa(2048);
    expect(answer(await h.request('PUT', `/v1/users/${id}/quorum-key`, thief.token, { publicKeyPem: key.publicPem, challengeId: '00000000-0000-4000-8000-000000000000', signature: 'QUJD' }))).toEqual(refusal);
    // Approve, reject, read the token, issue one, make an API key, reset someone else's password, list users, watch the queue.
    expect(answer(await h.request('POST', `/v1/tokens/${pending}/approvals`, thief.token, { signature: 'QUJD' }))).toEqual(refusal);
    expect(answer(await h.request('POST', `/v1/tokens/${pending}/rejections`, thief.token, { reason: 'no' }))).toEqual(refusal);
    expect(answer(await h.request('GET', `/v1/tokens/${pending}/bytes`, thief.token))).toEqual(refusal);
    expect(answer(await h.request('POST', '/v1/tokens', thief.token, { service: 'USER_MGMT', operation: { command: 'deployRelease' } }))).toEqual(refusal);
    expect(answer(await h.request('POST', '/v1/api-keys', thief.token, { name: 'otp-bot' }))).toEqual(refusal);
    expect(answer(await h.request('PUT', `/v1/users/${co2.id}/password`, thief.token, { password: 'taken-over-pw' }))).toEqual(refusal);
    expect(answer(await h.request('GET', '/v1/users', thief.token))).toEqual(refusal);
    expect(answer(await h.request('GET', '/v1/officers/me/pending/events', thief.token))).toEqual(refusal);
    expect(await h.redis.hget(h.store.keys.user(id), 'fp')).toBeNull();
    // Logging out is allowed.
    const other = (await login('otp_frank', 'chosen-by-admin')).body.token as string;
    expect((await h.request('DELETE', '/v1/sessions/current', other)).status).toBe(200);

    // The new officer sets its own password (with the one-time one as the current password).
    expect((await h.request('PUT', `/v1/users/${id}/password`, thief.token, { password: 'frank-own-password', currentPassword: 'chosen-by-admin' })).status).toBe(200);
    // That ended the one-time session, and the requester's password no longer works.
    expect((await h.request('GET', `/v1/tokens/${pending}/bytes`, thief.token)).body.code).toBe('RET_UNAUTHORIZED');
    expect((await login('otp_frank', 'chosen-by-admin')).body.code).toBe('RET_LOGIN_FAILED');
    // With its own password the officer does all it may.
    const own = await login('otp_frank', 'frank-own-password');
    expect(own.body.user.passwordChangeRequired).toBe(false);
    const frank = await h.registerKey({ id, name: 'otp_frank', token: own.body.token as string });
    expect((await h.approve(pending, frank)).status).toBe(200);
    const entries = (await h.store.audit.page(1, 10_000)).map((e) => JSON.parse(e));
    expect(entries.find((e) => e.type === 'user.created' && e.data.id === id).data).toMatchObject({ type: 'CO', oneTimePassword: true });
    expect(entries.find((e) => e.type === 'user.password_changed' && e.data.id === id)).toMatchObject({ actor: `user:${id}`, data: { reset: false, replacedOneTimePassword: true } });
  });

  it('an officer whose password a quorum reset must set its own at its next login', async () => {
    const quorumToken = await h.approvedToken(admin, 'USER_MGMT', { command: 'changePswd', args: { id: co2.id } }, [admin, co1]);
    expect((await h.request('PUT', `/v1/users/${co2.id}/password`, admin.token, { password: 'reset-by-admin', quorumToken })).status).toBe(200);
    const session = await login(co2.name, 'reset-by-admin');
    expect(session.body.user.passwordChangeRequired).toBe(true);
    const pending = (await h.request('POST', '/v1/tokens', co1.token, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { v: 3 } } })).body.token.id as string;
    expect((await h.request('POST', `/v1/tokens/${pending}/approvals`, session.body.token, { signature: 'QUJD' })).body.code).toBe('RET_PASSWORD_CHANGE_REQUIRED');
    expect((await h.request('PUT', `/v1/users/${co2.id}/password`, session.body.token, { password: 'co2-own-again', currentPassword: 'reset-by-admin' })).status).toBe(200);
    co2.token = (await login(co2.name, 'co2-own-again')).body.token as string;
    expect((await h.approve(pending, co2)).status).toBe(200);
  });

  it('a user created without a quorum (M = 1: its creator alone decides anyway) keeps the password it was given', async () => {
    const h1 = await Harness.start();
    try {
      const made = await h1.request('POST', '/v1/users', h1.adminToken, { type: 'CO', name: 'otp_solo', password: 'solo-password' });
      expect(made.status).toBe(201);
      const session = await h1.request('POST', '/v1/sessions', undefined, { name: 'otp_solo', password: 'solo-password' });
      expect(session.body.user.passwordChangeRequired).toBe(false);
      expect((await h1.request('GET', '/v1/users', session.body.token)).status).toBe(200);
    } finally {
      await h1.close();
    }
  });
});

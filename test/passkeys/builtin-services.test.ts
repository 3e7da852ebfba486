import { Harness, type Officer } from '../support/harness';
import { NodeAuthenticator, challengeOf } from './node-authenticator';

/** A built-in service's policy (its M of every officer) takes requirePasskey through setPolicy, behind the lock-out guard. */
describe('passkeys for a built-in service', () => {
  let h: Harness;
  let admin: Officer;
  const authenticator = new NodeAuthenticator();
  const policy = { rules: [{ group: 'officers', m: 1 }], requirePasskey: true };

  beforeAll(async () => {
    ({ h, admin } = await Harness.withOfficers([]));
  });
  afterAll(() => h.close());

  it('refuses another M or another field than requirePasskey: the M changes with setMValue', async () => {
    const m = await h.request('PUT', '/v1/quorum/services/USER_MGMT', admin.token, { policy: { rules: [{ group: 'officers', m: 2 }], requirePasskey: true } });
    expect(m.status).toBe(400);
    const other = await h.request('PUT', '/v1/quorum/services/USER_MGMT', admin.token, { policy: { rules: [{ group: 'officers', m: 1 }], requireReason: true } });
    expect(other.status).toBe(400);
  });

  it('refuses to require passkeys while no officer who could approve holds one (RET_QUORUM_UNREACHABLE)', async () => {
    const res = await h.request('PUT', '/v1/quorum/services/USER_MGMT', admin.token, { policy });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RET_QUORUM_UNREACHABLE');
  });

  it('requires passkeys for USER_MGMT once an officer holds one, and its approvals need an assertion', async () => {
    const options = await h.request('POST', `/v1/users/${admin.id}/passkeys/options`, admin.token, { currentPassword: 'admin-password' });
    expect((await h.request('POST', `/v1/users/${admin.id}/passkeys`, admin.token, { response: authenticator.register(options.body.options), name: 'admin' })).status).toBe(201);
    const set = await h.request('PUT', '/v1/quorum/services/USER_MGMT', admin.token, { policy });
    expect(set.status).toBe(200);
    expect(set.body.service).toMatchObject({ service: 'USER_MGMT', builtin: true, policy });
    expect((await h.request('GET', '/v1/quorum/services/USER_MGMT', admin.token)).body.service.policy).toEqual(policy);

    const id = await h.issue(admin.token, { command: 'createUser', args: { type: 'CU', name: 'pkbuiltin' } });
    const bytes = await h.tokenBytes(id, admin.token);
    const signature = h.openssl.sign(admin.key!.privatePath, bytes);
    const before = await h.snapshot();
    const alone = await h.request('POST', `/v1/tokens/${id}/approvals`, admin.token, { signature });
    expect(alone.body.code).toBe('RET_PASSKEY_REQUIRED');
    expect(await h.snapshot()).toEqual(before);
    const both = await h.request('POST', `/v1/tokens/${id}/approvals`, admin.token, { signature, passkey: authenticator.assert(challengeOf(bytes)) });
    expect(both.status).toBe(200);
    expect(both.body.token.approvals).toEqual([expect.objectContaining({ passkey: true })]);
  });

  it('refuses an M above the officers who hold passkeys (and keys) for a service requiring them (lock-out guard)', async () => {
    await h.addOfficer('pkb_nopasskey');
    const res = await h.request('PUT', '/v1/quorum/values/USER_MGMT', admin.token, { m: 2 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RET_M_EXCEEDS_APPROVERS');
  });
});

import { Harness, type Officer } from '../support/harness';

/**
 * `requesterMayApprove: false` holds wherever the policy counts, not only for the service's
 * own tokens: an sre member who asks for a change of DEPLOY_PROD's policy (a QUORUM_MGMT
 * token) does not fill DEPLOY_PROD's rule with its own approval.
 */
describe("a policy's requester rule also holds for changes it governs", () => {
  let h: Harness;
  let admin: Officer;
  let sre1: Officer;
  let sre2: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [sre1, sre2] } = await Harness.withOfficers(['req_sre1', 'req_sre2']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'sre', m: 1 }], requesterMayApprove: false } })).status).toBe(201);
  });
  afterAll(() => h.close());

  it("does not count the requester's own approval for the policy that excludes it", async () => {
    const policy = { rules: [{ group: 'sre', m: 1 }] };
    const operation = { command: 'setPolicy', args: { service: 'DEPLOY_PROD', policy } };
    const id = (await h.request('POST', '/v1/tokens', sre1.token, { service: 'QUORUM_MGMT', operation })).body.token.id as string;
    // QUORUM_MGMT's M is 1 and sre1 is in sre: still not DEPLOY_PROD's sre:1 without its requester.
    expect((await h.approve(id, sre1)).body.token.status).toBe('PENDING');
    const put = () => h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', sre1.token, { policy, quorumToken: id });
    const refused = await put();
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect((await h.approve(id, sre2)).body.token.status).toBe('APPROVED');
    expect((await put()).status).toBe(200);
  });
});

import { Harness, type Officer } from '../support/harness';

/**
 * Resetting another officer's password hands out its account, and with it its votes in every
 * custom service whose rules count it (or its veto, where it is in a veto group): the reset is held to those policies as well as to
 * every built-in M, so a quorum of outsiders cannot take over an sre member's vote.
 */
describe("another officer's password reset needs the policies that count it", () => {
  let h: Harness;
  let admin: Officer;
  let outsider: Officer;
  let sre1: Officer;
  let sre2: Officer;
  let auditor: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [outsider, sre1, sre2, auditor] } = await Harness.withOfficers(['pw_outsider', 'pw_sre1', 'pw_sre2', 'pw_auditor']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'sre', m: 2 }] } })).status).toBe(201);
  });
  afterAll(() => h.close());

  const reset = (id: number, quorumToken?: string) => h.request('PUT', `/v1/users/${id}/password`, admin.token, { password: 'a-new-password-1', ...(quorumToken ? { quorumToken } : {}) });

  it('refuses the reset of an sre member without sre:2, and makes it with it', async () => {
    // USER_MGMT's M is 1, but DEPLOY_PROD counts sre2: no token, no reset.
    const bare = await reset(sre2.id);
    expect(bare.status).toBe(403);
    expect(bare.body.code).toBe('RET_MXN_AUTH_FAILED');
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'changePswd', args: { id: sre2.id } } });
    expect(issued.body.token.required).toBe(2);
    const id = issued.body.token.id as string;
    // Two outsiders to sre make two approvals, not sre:2.
    expect((await h.approve(id, admin)).body.token.status).toBe('PENDING');
    expect((await h.approve(id, outsider)).body.token.status).toBe('PENDING');
    expect((await reset(sre2.id, id)).status).toBe(403);
    expect((await h.approve(id, sre1)).body.token.status).toBe('PENDING');
    expect((await h.approve(id, sre2)).body.token.status).toBe('APPROVED');
    expect((await reset(sre2.id, id)).status).toBe(200);
  });

  it('leaves the reset of an officer no custom policy counts as it was', async () => {
    const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'changePswd', args: { id: outsider.id } }, [admin]);
    expect((await reset(outsider.id, id)).status).toBe(200);
  });

  it("refuses the reset of a veto group's member without the policy naming it: its account vetoes every token", async () => {
    // PAYMENTS is ops:1 with veto group audit: whoever holds the auditor's account ends every PAYMENTS token.
    expect((await h.request('PUT', '/v1/groups/ops', admin.token, { members: [sre1.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/audit', admin.token, { members: [auditor.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/PAYMENTS', admin.token, { policy: { rules: [{ group: 'ops', m: 1 }], vetoGroups: ['audit'] } })).status).toBe(201);
    expect((await reset(auditor.id)).status).toBe(403);
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'changePswd', args: { id: auditor.id } } });
    const id = issued.body.token.id as string;
    expect((await h.approve(id, admin)).body.token.status).toBe('PENDING');
    expect((await reset(auditor.id, id)).status).toBe(403);
    expect((await h.approve(id, sre1)).body.token.status).toBe('APPROVED');
    expect((await reset(auditor.id, id)).status).toBe(200);
  });
});

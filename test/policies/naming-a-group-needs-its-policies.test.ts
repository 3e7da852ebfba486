import { Harness, type Officer } from '../support/harness';

/**
 * A policy that names a group gets a say over it: every setGroup of the group is held to
 * it, and the lock-out guard keeps it satisfiable when an officer of the group is deleted.
 * So a QUORUM_MGMT quorum alone could create a service naming another service's group and
 * freeze that group (its members no longer changed or deleted without that quorum's own
 * approvals). A policy that comes to name a group another custom service's policy already
 * names is held to that policy too.
 */
describe("naming another service's group needs that service's policy", () => {
  let h: Harness;
  let admin: Officer;
  let outsider: Officer;
  let sre1: Officer;
  let sre2: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [outsider, sre1, sre2] } = await Harness.withOfficers(['name_outsider', 'name_sre1', 'name_sre2']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/friends', admin.token, { members: [outsider.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'sre', m: 2 }] } })).status).toBe(201);
    await h.setM(admin, 'QUORUM_MGMT', 2, [admin]);
  });
  afterAll(() => h.close());

  const setPolicy = (service: string, policy: object, quorumToken: string) => h.request('PUT', `/v1/quorum/services/${service}`, admin.token, { policy, quorumToken });

  it("leaves a policy naming only groups no other service names to QUORUM_MGMT's quorum", async () => {
    const policy = { rules: [{ group: 'friends', m: 1 }] };
    const id = await h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setPolicy', args: { service: 'FRIENDS_ONLY', policy } }, [admin, outsider]);
    expect((await setPolicy('FRIENDS_ONLY', policy, id)).status).toBe(201);
  });

  it("refuses a new service naming sre with QUORUM_MGMT's quorum alone, and makes it with sre:2", async () => {
    // Had it been created, every change of sre would need friends' approval.
    const policy = { rules: [{ group: 'sre', m: 1 }, { group: 'friends', m: 1 }] };
    const operation = { command: 'setPolicy', args: { service: 'FREEZE_SRE', policy } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    expect((await h.approve(id, admin)).body.token.status).toBe('PENDING');
    expect((await h.approve(id, outsider)).body.token.status).toBe('PENDING');
    const before = await h.snapshot();
    const refused = await setPolicy('FREEZE_SRE', policy, id);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect(await h.snapshot()).toEqual(before);
    expect((await h.approve(id, sre1)).body.token.status).toBe('PENDING');
    expect((await h.approve(id, sre2)).body.token.status).toBe('APPROVED');
    expect((await setPolicy('FREEZE_SRE', policy, id)).status).toBe(201);
  });

  it('refuses a veto group naming sre the same way', async () => {
    const policy = { rules: [{ group: 'friends', m: 1 }], vetoGroups: ['sre'] };
    const operation = { command: 'setPolicy', args: { service: 'VETO_SRE', policy } };
    const id = (await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation })).body.token.id as string;
    // Two outsiders to sre do not carry it.
    expect((await h.approve(id, admin)).body.token.status).toBe('PENDING');
    expect((await h.approve(id, outsider)).body.token.status).toBe('PENDING');
    expect((await setPolicy('VETO_SRE', policy, id)).status).toBe(403);
  });

  it('holds it to a service that came to name the group after the token was issued', async () => {
    const members = [sre1.id, sre2.id];
    const group = await h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setGroup', args: { group: 'ops', members } }, [admin, outsider]);
    expect((await h.request('PUT', '/v1/groups/ops', admin.token, { members, quorumToken: group })).status).toBe(200);
    // Approved while no policy names ops: QUORUM_MGMT's two are all it needs then.
    const late = { rules: [{ group: 'ops', m: 1 }] };
    const id = await h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setPolicy', args: { service: 'LATE_OPS', policy: late } }, [admin, outsider]);
    const first = { rules: [{ group: 'ops', m: 2 }] };
    const ops = await h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setPolicy', args: { service: 'OPS_FIRST', policy: first } }, [admin, outsider]);
    expect((await setPolicy('OPS_FIRST', first, ops)).status).toBe(201);
    // OPS_FIRST names ops now: the earlier token's approvals do not satisfy it.
    const refused = await setPolicy('LATE_OPS', late, id);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/rule ops: 0 of 2/);
  });

  it('holds a policy naming officers (every CO) to every built-in M: it would govern every officer', async () => {
    // {officers:1 AND friends:1} would put friends over every officer's password reset and forced
    // deletion; {officers:N} would stop every officer's deletion at the lock-out guard.
    await h.setM(admin, 'USER_MGMT', 3, [admin, outsider]);
    const policy = { rules: [{ group: 'officers', m: 1 }, { group: 'friends', m: 1 }] };
    const operation = { command: 'setPolicy', args: { service: 'OVER_ALL', policy } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation });
    expect(issued.body.token.required).toBe(3);
    const id = issued.body.token.id as string;
    expect((await h.approve(id, admin)).body.token.status).toBe('PENDING');
    expect((await h.approve(id, outsider)).body.token.status).toBe('PENDING');
    expect((await setPolicy('OVER_ALL', policy, id)).status).toBe(403);
    expect((await h.approve(id, sre1)).body.token.status).toBe('APPROVED');
    expect((await setPolicy('OVER_ALL', policy, id)).status).toBe(201);
  });
});

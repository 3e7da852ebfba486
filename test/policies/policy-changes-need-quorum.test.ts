import { Harness, type Officer, type Reply } from '../support/harness';

/**
 * Services' policies and groups of officers are read by every user and changed only with a
 * quorum: QUORUM_MGMT's, and the policy of every service the change touches (the target's
 * current one; every service naming the group), no approver counted for two rules. A change
 * that leaves a policy unsatisfiable by the officers holding keys is refused (409) unless forced.
 */
describe('policy and group changes need their quorum', () => {
  let h: Harness;
  let admin: Officer;
  let both: Officer;
  let sre2: Officer;
  let sec2: Officer;
  let plain: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [both, sre2, sec2, plain] } = await Harness.withOfficers(['pol_both', 'pol_sre2', 'pol_sec2', 'pol_plain']));
    await h.setM(admin, 'QUORUM_MGMT', 2, [admin]);
  });
  afterAll(() => h.close());

  /** A QUORUM_MGMT token for `operation`, approved by `approvers` (all of them, in order, while it is PENDING). */
  async function token(operation: object, approvers: Officer[]): Promise<string> {
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    for (const officer of approvers) {
      const res = await h.approve(id, officer);
      expect(res.status).toBe(200);
    }
    return id;
  }
  const setGroup = (group: string, members: number[], quorumToken?: string, force?: true): Promise<Reply> =>
    h.request('PUT', `/v1/groups/${group}`, admin.token, { members, ...(quorumToken ? { quorumToken } : {}), ...(force ? { force } : {}) });
  const setPolicy = (service: string, policy: object, quorumToken?: string): Promise<Reply> =>
    h.request('PUT', `/v1/quorum/services/${service}`, admin.token, { policy, ...(quorumToken ? { quorumToken } : {}) });
  async function groupWithQuorum(group: string, members: number[], approvers: Officer[]): Promise<Reply> {
    return setGroup(group, members, await token({ command: 'setGroup', args: { group, members } }, approvers));
  }

  it('lists the built-in services with the policy their M makes, versioned with it', async () => {
    const res = await h.request('GET', '/v1/quorum/services', plain.token);
    expect(res.status).toBe(200);
    expect(res.body.services).toEqual([
      { service: 'USER_MGMT', number: 3, builtin: true, version: 1, policy: { rules: [{ group: 'officers', m: 1 }] } },
      { service: 'QUORUM_MGMT', number: 4, builtin: true, version: 2, policy: { rules: [{ group: 'officers', m: 2 }] } },
    ]);
    expect((await h.request('GET', '/v1/quorum/values/QUORUM_MGMT', plain.token)).body).toEqual({ service: 'QUORUM_MGMT', number: 4, m: 2 });
    expect((await h.request('GET', '/v1/quorum/services/QUORUM_MGMT', plain.token)).body.service.policy).toEqual({ rules: [{ group: 'officers', m: 2 }] });
    expect((await h.request('GET', '/v1/quorum/services/NO_SUCH', plain.token)).body.code).toBe('RET_SERVICE_UNKNOWN');
  });

  it('lists the built-in group officers (every CO) and refuses to edit it', async () => {
    const res = await h.request('GET', '/v1/groups', plain.token);
    expect(res.body.groups).toEqual([{ group: 'officers', builtin: true, version: 1, members: [admin.id, both.id, sre2.id, sec2.id, plain.id] }]);
    const edit = await setGroup('officers', [admin.id]);
    expect(edit.status).toBe(400);
    expect(edit.body.message).toMatch(/built in/);
  });

  it('refuses a group change without quorum (403), and makes it with one', async () => {
    const refused = await setGroup('sre', [both.id, sre2.id]);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect((await h.request('GET', '/v1/groups', plain.token)).body.groups).toHaveLength(1);
    const sre = await groupWithQuorum('sre', [both.id, sre2.id], [admin, plain]);
    expect(sre.status).toBe(200);
    expect(sre.body.group).toEqual({ group: 'sre', members: [both.id, sre2.id], version: 1, builtin: false });
    expect((await groupWithQuorum('security', [sec2.id, both.id], [admin, plain])).body.group).toMatchObject({ members: [both.id, sec2.id] });
  });

  it('refuses a member who is not a crypto officer, and a group name that is not one', async () => {
    const cu = await h.request('POST', '/v1/users', h.adminToken, { type: 'CU', name: 'pol_cu', password: 'pol-cu-password-1' });
    const res = await setGroup('ops', [cu.body.user.id as number], await token({ command: 'setGroup', args: { group: 'ops', members: [cu.body.user.id] } }, [admin, plain]));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/not a crypto officer/);
    expect((await setGroup('Bad Name', [])).status).toBe(400);
  });

  it('refuses a policy with an unknown field, a group that does not exist, or a built-in service', async () => {
    expect((await setPolicy('DEPLOY_PROD', { rules: [{ group: 'sre', m: 1 }], approvers: 3 })).body.code).toBe('RET_BAD_REQUEST');
    const ghost = { rules: [{ group: 'ghosts', m: 1 }] };
    const res = await setPolicy('DEPLOY_PROD', ghost, await token({ command: 'setPolicy', args: { service: 'DEPLOY_PROD', policy: ghost } }, [admin, plain]));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/group ghosts, which does not exist/);
    for (const name of ['USER_MGMT', 'USER', 'MISC_CO', 'QUORUM']) {
      const builtin = await setPolicy(name, { rules: [{ group: 'sre', m: 1 }] });
      expect(builtin.status).toBe(400);
      expect(builtin.body.message).toMatch(/setMValue/);
    }
  });

  it('refuses a policy the officers holding keys could not satisfy (409), counting no one twice', async () => {
    // sre has two members, security two, one of them in both: sre:2 AND security:2 needs four distinct officers.
    const policy = { rules: [{ group: 'sre', m: 2 }, { group: 'security', m: 2 }] };
    const res = await setPolicy('DEPLOY_PROD', policy, await token({ command: 'setPolicy', args: { service: 'DEPLOY_PROD', policy } }, [admin, plain]));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RET_QUORUM_UNREACHABLE');
    expect((await h.request('GET', '/v1/quorum/services', plain.token)).body.services).toHaveLength(2);
  });

  it('creates a custom service (201, number 100, version 1) with a quorum', async () => {
    const policy = { rules: [{ group: 'sre', m: 1 }, { group: 'security', m: 1 }] };
    expect((await setPolicy('DEPLOY_PROD', policy)).status).toBe(403);
    const res = await setPolicy('DEPLOY_PROD', policy, await token({ command: 'setPolicy', args: { service: 'DEPLOY_PROD', policy } }, [admin, plain]));
    expect(res.status).toBe(201);
    expect(res.body.service).toEqual({ service: 'DEPLOY_PROD', number: 100, builtin: false, version: 1, policy });
    expect((await h.request('GET', '/v1/quorum/services/DEPLOY_PROD', plain.token)).body.service).toEqual(res.body.service);
  });

  it("holds a change of the service's policy to its current policy: one officer in both groups does not fill both rules", async () => {
    const policy = { rules: [{ group: 'sre', m: 2 }, { group: 'security', m: 1 }] };
    const operation = { command: 'setPolicy', args: { service: 'DEPLOY_PROD', policy } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation });
    // The token needs QUORUM_MGMT's 2 and DEPLOY_PROD's two distinct approvers.
    expect(issued.body.token.required).toBe(2);
    const id = issued.body.token.id as string;
    // admin and plain make QUORUM_MGMT's M, both is in sre and security: not one of each.
    for (const officer of [admin, plain]) expect((await h.approve(id, officer)).body.token.status).toBe('PENDING');
    expect((await h.approve(id, both)).body.token.status).toBe('PENDING');
    const short = await setPolicy('DEPLOY_PROD', policy, id);
    expect(short.status).toBe(403);
    expect(short.body.code).toBe('RET_MXN_AUTH_FAILED');
    // A second, distinct member of one of the groups carries it.
    expect((await h.approve(id, sec2)).body.token.status).toBe('APPROVED');
    const res = await setPolicy('DEPLOY_PROD', policy, id);
    expect(res.status).toBe(200);
    expect(res.body.service).toMatchObject({ number: 100, version: 2, policy });
  });

  it('holds a group change to every policy naming the group, and refuses members that lock a service out', async () => {
    // DEPLOY_PROD is sre:2 AND security:1: sre down to one member cannot satisfy it. (An
    // approval by an officer outside sre does not count for the change: sre2 must approve.)
    const outside = await token({ command: 'setGroup', args: { group: 'sre', members: [sre2.id] } }, [admin, plain, both, sec2]);
    expect((await setGroup('sre', [sre2.id], outside)).status).toBe(403);
    const members = [sre2.id];
    const id = await token({ command: 'setGroup', args: { group: 'sre', members } }, [both, sre2, sec2]);
    const res = await setGroup('sre', members, id);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RET_QUORUM_UNREACHABLE');
    expect(res.body.message).toMatch(/DEPLOY_PROD/);
    // Adding a member: QUORUM_MGMT's two are not enough, DEPLOY_PROD's rules must hold as the group is now.
    const wider = [both.id, sre2.id, plain.id];
    const few = await token({ command: 'setGroup', args: { group: 'sre', members: wider } }, [admin, plain]);
    expect((await setGroup('sre', wider, few)).status).toBe(403);
    const enough = await token({ command: 'setGroup', args: { group: 'sre', members: wider } }, [both, sre2, sec2]);
    const done = await setGroup('sre', wider, enough);
    expect(done.status).toBe(200);
    expect(done.body.group).toMatchObject({ members: wider, version: 2 });
  });

  it('deletes a custom service only with its quorum', async () => {
    expect((await h.request('DELETE', '/v1/quorum/services/DEPLOY_PROD', admin.token, {})).status).toBe(403);
    const few = await token({ command: 'deleteService', args: { service: 'DEPLOY_PROD' } }, [admin, plain]);
    expect((await h.request('DELETE', '/v1/quorum/services/DEPLOY_PROD', admin.token, { quorumToken: few })).status).toBe(403);
    const id = await token({ command: 'deleteService', args: { service: 'DEPLOY_PROD' } }, [admin, both, sre2, sec2]);
    expect((await h.request('DELETE', '/v1/quorum/services/DEPLOY_PROD', admin.token, { quorumToken: id })).status).toBe(200);
    expect((await h.request('GET', '/v1/quorum/services/DEPLOY_PROD', plain.token)).body.code).toBe('RET_SERVICE_UNKNOWN');
    expect((await h.request('DELETE', '/v1/quorum/services/DEPLOY_PROD', admin.token, {})).body.code).toBe('RET_NOT_FOUND');
  });
});

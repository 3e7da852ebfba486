import { Harness, type Officer } from '../support/harness';

/**
 * The lock-out guard of deleteUser covers custom services: deleting an officer that a
 * policy cannot do without is refused (409 RET_QUORUM_UNREACHABLE) unless forced, and a
 * deleted officer leaves every group it was in.
 */
describe('deleting an officer keeps custom policies reachable', () => {
  let h: Harness;
  let admin: Officer;
  let sre1: Officer;
  let sre2: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [sre1, sre2] } = await Harness.withOfficers(['del_sre1', 'del_sre2']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'sre', m: 2 }] } })).status).toBe(201);
  });
  afterAll(() => h.close());

  it('refuses to delete an officer a policy needs, and deletes it when forced, out of its groups', async () => {
    const refused = await h.request('DELETE', `/v1/users/${sre2.id}`, admin.token, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('RET_QUORUM_UNREACHABLE');
    expect(refused.body.message).toMatch(/DEPLOY_PROD/);
    expect((await h.request('GET', '/v1/users', admin.token)).body.users.map((u: { id: number }) => u.id)).toContain(sre2.id);
    // Forced, it is held to the policy that counts the officer (sre:2), not to the built-in Ms alone.
    expect((await h.request('DELETE', `/v1/users/${sre2.id}`, admin.token, { force: true })).status).toBe(403);
    const quorumToken = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: sre2.id, force: true } }, [sre1, sre2]);
    const forced = await h.request('DELETE', `/v1/users/${sre2.id}`, admin.token, { force: true, quorumToken });
    expect(forced.status).toBe(200);
    const groups = (await h.request('GET', '/v1/groups', admin.token)).body.groups;
    expect(groups.find((g: { group: string }) => g.group === 'sre')).toEqual({ group: 'sre', members: [sre1.id], version: 2, builtin: false });
  });

  it('lets a forced change (every built-in M) past a policy nobody can satisfy any more, and only a forced one', async () => {
    // DEPLOY_PROD is sre:2 with one sre member left: a change it governs can never gather sre:2.
    const spare = await h.addOfficer('del_spare');
    const members = [sre1.id, spare.id];
    const plain = (await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation: { command: 'setGroup', args: { group: 'sre', members } } })).body.token.id as string;
    for (const officer of [admin, sre1]) expect((await h.approve(plain, officer)).body.token.status).toBe('PENDING');
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members, quorumToken: plain })).status).toBe(403);
    // Forced: as many approvals as the policy's size, from anyone (the policy itself is out of reach).
    const forced = await h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setGroup', args: { group: 'sre', members, force: true } }, [admin, spare]);
    const res = await h.request('PUT', '/v1/groups/sre', admin.token, { members, force: true, quorumToken: forced });
    expect(res.status).toBe(200);
    // Now it is satisfiable again, and governs as before: unforced, sre:2 is needed.
    const again = await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation: { command: 'setGroup', args: { group: 'sre', members, force: true } } });
    expect((await h.approve(again.body.token.id, admin)).body.token.status).toBe('PENDING');
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members, force: true, quorumToken: again.body.token.id })).status).toBe(403);
  });
});

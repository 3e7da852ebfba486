import { Harness, type Officer } from '../support/harness';

/**
 * A forced deleteUser passes the lock-out guard: it could empty a group a custom policy
 * counts, and a forced setGroup may then pass over the policy it left unsatisfiable and
 * fill the group with whom it chooses. So a forced deletion of an officer is held, besides
 * every built-in M, to the policy of every custom service whose rules count that officer:
 * a quorum of the built-in Ms alone neither locks a custom service out nor hands out its votes.
 */
describe('a forced deletion of an officer needs the policies that count it', () => {
  let h: Harness;
  let admin: Officer;
  let outsider: Officer;
  let sre1: Officer;
  let sre2: Officer;
  let spare: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [outsider, sre1, sre2] } = await Harness.withOfficers(['fdel_outsider', 'fdel_sre1', 'fdel_sre2']));
    spare = await h.addOfficer('fdel_spare');
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'sre', m: 2 }] } })).status).toBe(201);
    await h.setM(admin, 'USER_MGMT', 2, [admin]);
    await h.setM(admin, 'QUORUM_MGMT', 2, [admin]);
  });
  afterAll(() => h.close());

  const remove = (id: number, quorumToken?: string) => h.request('DELETE', `/v1/users/${id}`, admin.token, { force: true, ...(quorumToken ? { quorumToken } : {}) });
  const sre = async () => (await h.request('GET', '/v1/groups', admin.token)).body.groups.find((g: { group: string }) => g.group === 'sre');

  it('refuses a forced deletion of an sre member approved by every built-in M but not by sre:2', async () => {
    const operation = { command: 'deleteUser', args: { id: sre2.id, force: true } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    // Two outsiders to sre make every built-in M (2), not DEPLOY_PROD's sre:2.
    expect((await h.approve(id, admin)).body.token.status).toBe('PENDING');
    expect((await h.approve(id, outsider)).body.token.status).toBe('PENDING');
    const before = await h.snapshot();
    const refused = await remove(sre2.id, id);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect(await h.snapshot()).toEqual(before);
    expect((await sre()).members).toEqual([sre1.id, sre2.id]);
    // sre:2 carries it.
    expect((await h.approve(id, sre1)).body.token.status).toBe('PENDING');
    expect((await h.approve(id, sre2)).body.token.status).toBe('APPROVED');
    expect((await remove(sre2.id, id)).status).toBe(200);
    expect((await sre()).members).toEqual([sre1.id]);
  });

  it('lets a forced deletion of an officer no policy counts need only the built-in Ms', async () => {
    const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: spare.id, force: true } }, [admin, outsider]);
    expect((await remove(spare.id, id)).status).toBe(200);
  });

  it('passes over a policy nobody can satisfy any more (the way out of a lock-out)', async () => {
    // DEPLOY_PROD is sre:2 with one sre member left: deleting it needs every built-in M only.
    const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: sre1.id, force: true } }, [admin, outsider]);
    expect((await remove(sre1.id, id)).status).toBe(200);
    expect((await sre()).members).toEqual([]);
  });
});

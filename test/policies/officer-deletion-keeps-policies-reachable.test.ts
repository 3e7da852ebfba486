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
    const forced = await h.request('DELETE', `/v1/users/${sre2.id}`, admin.token, { force: true });
    expect(forced.status).toBe(200);
    const groups = (await h.request('GET', '/v1/groups', admin.token)).body.groups;
    expect(groups.find((g: { group: string }) => g.group === 'sre')).toEqual({ group: 'sre', members: [sre1.id], version: 2, builtin: false });
  });
});

import { Harness, type Officer, type Reply } from '../support/harness';

/**
 * setGroup names the whole member list and setPolicy the whole policy: what such a change
 * does depends on what it replaces. A token approved to add one member to sre, used after
 * another change added a second, would remove that second member, which no one approved.
 * So a setGroup, setPolicy or deleteService token counts only for the group or service as it
 * was when the token was issued: once that changed, the token is refused (ask again).
 */
describe('a policy or group change runs only against what its approvers saw', () => {
  let h: Harness;
  let admin: Officer;
  let outsider: Officer;
  let sre1: Officer;
  let sre2: Officer;
  let newcomer: Officer;
  let later: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [outsider, sre1, sre2, newcomer, later] } = await Harness.withOfficers(['stale_outsider', 'stale_sre1', 'stale_sre2', 'stale_newcomer', 'stale_later']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'sre', m: 1 }] } })).status).toBe(201);
    await h.setM(admin, 'QUORUM_MGMT', 2, [admin]);
  });
  afterAll(() => h.close());

  const setGroup = (members: number[], quorumToken: string): Promise<Reply> => h.request('PUT', '/v1/groups/sre', admin.token, { members, quorumToken });
  const setPolicy = (policy: object, quorumToken: string): Promise<Reply> => h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy, quorumToken });
  const groupToken = (members: number[]) => h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setGroup', args: { group: 'sre', members } }, [admin, sre1]);
  const policyToken = (policy: object) => h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setPolicy', args: { service: 'DEPLOY_PROD', policy } }, [admin, sre1]);
  const members = async () => (await h.request('GET', '/v1/groups', admin.token)).body.groups.find((g: { group: string }) => g.group === 'sre').members;

  it('refuses a setGroup token reused after the members changed', async () => {
    // Approved to add newcomer to [sre1, sre2].
    const addNewcomer = await groupToken([sre1.id, sre2.id, newcomer.id]);
    // Meanwhile later joins.
    expect((await setGroup([sre1.id, sre2.id, later.id], await groupToken([sre1.id, sre2.id, later.id]))).status).toBe(200);
    const before = await h.snapshot();
    const stale = await setGroup([sre1.id, sre2.id, newcomer.id], addNewcomer);
    expect(stale.status).toBe(403);
    expect(stale.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect(stale.body.message).toMatch(/group sre changed since the token was issued/);
    expect(await h.snapshot()).toEqual(before);
    expect(await members()).toEqual([sre1.id, sre2.id, later.id]);
    // Asked again, against the group as it is now.
    const again = await groupToken([sre1.id, sre2.id, newcomer.id, later.id]);
    expect((await setGroup([sre1.id, sre2.id, newcomer.id, later.id], again)).status).toBe(200);
  });

  it('refuses a setPolicy token reused after the policy changed', async () => {
    const loose = { rules: [{ group: 'sre', m: 1 }], commands: ['deploy'] };
    const revert = await policyToken(loose);
    const vetoed = { rules: [{ group: 'sre', m: 1 }], requesterMayApprove: false };
    expect((await setPolicy(vetoed, await policyToken(vetoed))).status).toBe(200);
    const stale = await setPolicy(loose, revert);
    expect(stale.status).toBe(403);
    expect(stale.body.message).toMatch(/policy of DEPLOY_PROD changed since the token was issued/);
    expect((await h.request('GET', '/v1/quorum/services/DEPLOY_PROD', admin.token)).body.service).toMatchObject({ version: 2, policy: vetoed });
  });

  it('refuses a deleteService token for a service deleted and made again since', async () => {
    const policy = { rules: [{ group: 'sre', m: 1 }] };
    const create = () => h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setPolicy', args: { service: 'TEMP', policy } }, [admin, sre1]);
    const first = await h.request('PUT', '/v1/quorum/services/TEMP', admin.token, { policy, quorumToken: await create() });
    expect(first.status).toBe(201);
    const remove = () => h.approvedToken(admin, 'QUORUM_MGMT', { command: 'deleteService', args: { service: 'TEMP' } }, [admin, sre1]);
    const old = await remove();
    expect((await h.request('DELETE', '/v1/quorum/services/TEMP', admin.token, { quorumToken: await remove() })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/TEMP', admin.token, { policy, quorumToken: await create() })).status).toBe(201);
    const stale = await h.request('DELETE', '/v1/quorum/services/TEMP', admin.token, { quorumToken: old });
    expect(stale.status).toBe(403);
    expect(stale.body.message).toMatch(/policy of TEMP changed since the token was issued/);
  });
});

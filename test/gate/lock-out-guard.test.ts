import { Harness, type Officer } from '../support/harness';

/**
 * An M above the officers who could approve it is refused unless forced in the signed
 * operation itself, counting only officers who can approve.
 */

describe('the lock-out guard counts only officers who could approve', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['co1', 'co2', 'co3'], { env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' } }));
  });
  afterAll(() => h.close());

  it('refuses QUORUM_MGMT = 4 with 4 key holders when the requester may not approve', async () => {
    const res = await h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', admin.token, { m: 4 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RET_M_EXCEEDS_APPROVERS');
    expect((await h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', admin.token, { m: 3 })).status).toBe(200);
  });

  it('refuses deleting an officer that would leave USER_MGMT out of reach; force counts only inside the signed operation', async () => {
    await h.setM(admin, 'USER_MGMT', 3, [co1, co2, co3]);
    const plain = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: co3.id } }, [co1, co2, co3]);
    const refused = await h.request('DELETE', `/v1/users/${co3.id}`, admin.token, { quorumToken: plain });
    expect(refused.body.code).toBe('RET_M_EXCEEDS_APPROVERS');
    // force beside a token approved without it: not the approved operation.
    const beside = await h.request('DELETE', `/v1/users/${co3.id}`, admin.token, { quorumToken: plain, force: true });
    expect(beside.body.code).toBe('RET_MXN_AUTH_FAILED');
    const forced = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: co3.id, force: true } }, [co1, co2, co3]);
    expect((await h.request('DELETE', `/v1/users/${co3.id}`, admin.token, { quorumToken: forced, force: true })).status).toBe(200);
  });
});

import { Harness, type Officer } from '../support/harness';

/**
 * A protected command refused by its quorum gate says why, in the error's `quorumToken`
 * details, read from the token: its state, what it is for, and (only while it is PENDING)
 * who can still approve it, with the requester rule and locks counted. Someone else's token
 * is named as such and nothing more.
 */
describe('a quorum gate refusal tells the requester why', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['why_co1', 'why_co2', 'why_co3'], { env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' } }));
    await h.setM(admin, 'USER_MGMT', 2, [co1]);
  });
  afterAll(() => h.close());

  const createUser = (name: string) => ({ command: 'createUser', args: { type: 'CU', name } });
  async function issue(requester: Officer, operation: object): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', requester.token, { service: 'USER_MGMT', operation });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }
  const run = (as: Officer, name: string, quorumToken: string) => h.request('POST', '/v1/users', as.token, { type: 'CU', name, password: 'why-password-1', quorumToken });

  it('a PENDING token: its count and who can still approve (not the requester, not who already voted, not an officer locked for good)', async () => {
    const id = await issue(admin, createUser('why_pending'));
    expect((await h.approve(id, co1)).status).toBe(200);
    // co3 is locked for good (the quorum's decision, as an officer's reset would set it).
    await h.redis.hset(h.store.keys.user(co3.id), 'lockedUntil', 'forever');
    const res = await run(admin, 'why_pending', id);
    await h.redis.hdel(h.store.keys.user(co3.id), 'lockedUntil');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect(res.body.quorumToken).toEqual({
      id,
      reason: 'pending',
      status: 'PENDING',
      service: 'USER_MGMT',
      operation: createUser('why_pending'),
      approvals: 1,
      required: 2,
      canStillApprove: [{ id: co2.id, name: 'why_co2' }],
    });
  });

  it('a token for another operation: says which, and lists nobody', async () => {
    const id = await h.approvedToken(admin, 'USER_MGMT', createUser('bob_why'), [co1, co2]);
    const res = await run(admin, 'carol_why', id);
    expect(res.body.quorumToken).toMatchObject({ id, reason: 'other-operation', status: 'APPROVED', operation: createUser('bob_why') });
    expect(res.body.quorumToken.canStillApprove).toBeUndefined();
  });

  it('an expired, a rejected and a consumed token: their state, and nobody listed', async () => {
    const expired = await issue(admin, createUser('why_expired'));
    await h.redis.hset(h.store.keys.token(expired), 'exp', Date.now() - 1000);
    expect((await run(admin, 'why_expired', expired)).body.quorumToken).toEqual(expect.objectContaining({ reason: 'expired', status: 'EXPIRED' }));

    const rejected = await issue(admin, createUser('why_rejected'));
    expect((await h.request('POST', `/v1/tokens/${rejected}/rejections`, co1.token, { reason: 'no' })).status).toBe(200);
    expect((await h.request('POST', `/v1/tokens/${rejected}/rejections`, co2.token, { reason: 'no' })).status).toBe(200);
    const refusedRejected = (await run(admin, 'why_rejected', rejected)).body.quorumToken;
    expect(refusedRejected).toMatchObject({ reason: 'rejected', status: 'REJECTED' });
    expect(refusedRejected.canStillApprove).toBeUndefined();

    const used = await h.approvedToken(admin, 'USER_MGMT', createUser('why_used'), [co1, co2]);
    expect((await run(admin, 'why_used', used)).status).toBe(201);
    expect((await run(admin, 'why_used', used)).body.quorumToken).toMatchObject({ reason: 'consumed', status: 'CONSUMED' });
  });

  it("someone else's token is named as such, and nothing of it is shown", async () => {
    const id = await issue(co1, createUser('why_theirs'));
    const res = await run(admin, 'why_theirs', id);
    expect(res.body.quorumToken).toEqual({ id, reason: 'other-requester' });
  });

  it('a token that does not exist', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await run(admin, 'why_none', id)).body.quorumToken).toEqual({ id, reason: 'not-found' });
  });
});

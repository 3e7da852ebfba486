import { Harness, type Officer } from '../support/harness';

/**
 * The approve script answers the token as a fresh read would show it.
 */

const deleteUser = (id: number) => ({ service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id } } });

describe('the approve script answers what a fresh read would', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['co1', 'co2', 'co3'], { env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' } }));
    await h.setM(admin, 'USER_MGMT', 2, []);
  });
  afterAll(() => h.close());

  const fresh = async (id: string) => (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;

  it('says what a fresh read says: short of the bar, carried to it, the same approval again, a voter whose key changed, M raised (held)', async () => {
    const id = (await h.request('POST', '/v1/tokens', admin.token, deleteUser(700))).body.token.id as string;
    // co1's vote, then co1 registers a new key: that vote stops counting.
    const first = await h.approve(id, co1);
    expect(first.body.token).toEqual(await fresh(id));
    await h.registerKey(co1);
    const short = await h.approve(id, co2);
    expect(short.body.token.status).toBe('PENDING');
    expect(short.body.token).toEqual(await fresh(id));
    // M raised to 3 while it waits: the answer names the new bar.
    await h.setM(admin, 'USER_MGMT', 3, [co2, co3]);
    const raised = await h.approve(id, co3);
    expect(raised.body.token).toMatchObject({ status: 'PENDING', required: 3 });
    expect(raised.body.token).toEqual(await fresh(id));
    // Back to 2: the same approval again carries it now, answered as read afterwards.
    await h.setM(admin, 'USER_MGMT', 2, [co1, co2, co3]);
    const again = await h.request('POST', `/v1/tokens/${id}/approvals`, co3.token, { signature: h.openssl.sign(co3.key!.privatePath, await h.tokenBytes(id, co3.token)) });
    expect(again.status).toBe(200);
    expect(again.body.token.status).toBe('APPROVED');
    expect(again.body.token.approvedExpiresAt).toEqual(expect.any(String));
    expect(again.body.token).toEqual(await fresh(id));
  });
});

import { Harness, type Officer } from '../support/harness';

/**
 * The same approval sent again counts once and is audited once; an approval with another
 * algorithm is another approval.
 */

describe('the same approval sent again (alg omitted or named) counts once', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1', 'co2']));
    await h.setM(admin, 'USER_MGMT', 2, []);
  });
  afterAll(() => h.close());

  const approvalEntries = async (id: string) =>
    (await h.redis.lrange(h.store.keys.audit(), 0, -1)).map((e) => JSON.parse(e)).filter((e) => e.type === 'token.approval' && e.data.id === id);
  const issue = async (n: number) => (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 800 + n } } })).body.token.id as string;

  it('counts once and writes one audit entry (held)', async () => {
    const id = await issue(1);
    const signature = h.openssl.sign(co1.key!.privatePath, await h.tokenBytes(id, co1.token));
    const omitted = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature });
    expect(omitted.status).toBe(200);
    const before = await h.snapshot();
    const named = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature, alg: 'RS256' });
    expect(named.status).toBe(200);
    expect(named.body.token.status).toBe('PENDING');
    expect(named.body.token.approvals.map((a: { alg: string }) => a.alg)).toEqual(['RS256']);
    expect(await h.snapshot()).toEqual(before);
    expect(await approvalEntries(id)).toHaveLength(1);
  });

  it('a PS256 vote is not an RS256 one: sent again without alg it is refused, and nothing is added (held)', async () => {
    const id = await issue(2);
    const bytes = await h.tokenBytes(id, co1.token);
    const pss = h.openssl.sign(co1.key!.privatePath, bytes, 'PS256');
    expect((await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: pss, alg: 'PS256' })).status).toBe(200);
    const before = await h.snapshot();
    expect((await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: pss, alg: 'PS256' })).status).toBe(200);
    const asRs = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: pss });
    expect(asRs.body.code).toBe('RET_SIGNATURE_INVALID');
    const other = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: h.openssl.sign(co1.key!.privatePath, bytes) });
    expect(other.body.code).toBe('RET_ALREADY_APPROVED');
    expect(await h.snapshot()).toEqual(before);
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.approvals.map((a: { alg: string }) => a.alg)).toEqual(['PS256']);
    expect((await approvalEntries(id)).map((e) => e.data)).toEqual([{ id, alg: 'PS256' }]);
  });
});

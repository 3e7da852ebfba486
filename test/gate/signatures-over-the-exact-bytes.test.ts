import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, type Officer } from '../support/harness';

/**
 * An approval counts only as a signature over the token's own bytes (an AWS CloudHSM
 * token's approval data), on any replica.
 */

const deleteUser = (id: number) => ({ service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id } } });

describe("an approval counts only as a signature over the token's own bytes", () => {
  const example = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'aws-admin.token'), 'utf8')) as { approval_data: string; token: string };
  const hsm = {
    service: 'USER_MGMT',
    operation: { command: 'cloudhsm', args: { service: 'user', description: 'user create --username user1 --role crypto-user' } },
    cloudhsm: { tokenFile: { ...example, version: '2.0', signatures: [] } },
  };
  let h: Harness;
  let other: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1', 'co2']));
    other = await Harness.start({ prefix: h.prefix, issuer: h.issuer });
  });
  afterAll(async () => {
    await other.close({ keepKeys: true });
    await h.close();
  });

  const post = (via: Harness, id: string, signature: string, alg?: string) =>
    via.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature, ...(alg ? { alg } : {}) });

  it('a CloudHSM token takes only a signature over its approval data, on the replica that issued it and on another (held)', async () => {
    const issued = await h.request('POST', '/v1/tokens', admin.token, hsm);
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    const docBytes = Buffer.from(JSON.stringify(issued.body.token));
    const approvalData = Buffer.from(example.approval_data, 'base64');
    for (const via of [h, other]) {
      const before = await h.snapshot();
      // Over something else (here: the token's JSON), or PS256: refused, nothing written.
      expect((await post(via, id, h.openssl.sign(co1.key!.privatePath, docBytes))).body.code).toBe('RET_SIGNATURE_INVALID');
      expect((await post(via, id, h.openssl.sign(co1.key!.privatePath, approvalData, 'PS256'), 'PS256')).body.code).toBe('RET_BAD_REQUEST');
      expect(await h.snapshot()).toEqual(before);
    }
    // Over the approval data, through the replica that never read it: counted once.
    expect((await post(other, id, h.openssl.sign(co1.key!.privatePath, approvalData))).status).toBe(200);
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.approvals.map((a: { userId: number }) => a.userId)).toEqual([co1.id]);
  });

  it('a signature over another token’s bytes, or on a deleted token still in memory, counts for nothing (held)', async () => {
    const a = (await h.request('POST', '/v1/tokens', admin.token, deleteUser(801))).body.token.id as string;
    const b = (await h.request('POST', '/v1/tokens', admin.token, deleteUser(802))).body.token.id as string;
    // h holds what a and b sign from their issue; other reads it at the first try, then holds it.
    const overA = h.openssl.sign(co1.key!.privatePath, await h.tokenBytes(a, admin.token));
    for (const via of [other, other, h]) expect((await post(via, b, overA)).body.code).toBe('RET_SIGNATURE_INVALID');
    expect((await h.request('DELETE', `/v1/tokens/${a}`, admin.token)).status).toBe(200);
    const before = await h.snapshot();
    for (const via of [h, other]) expect((await post(via, a, overA)).body.code).toBe('RET_TOKEN_NOT_PENDING');
    expect(await h.snapshot()).toEqual(before);
  });
});

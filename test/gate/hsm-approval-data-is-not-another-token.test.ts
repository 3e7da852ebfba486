import { createHash } from 'node:crypto';
import { verifyBundle } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';

/**
 * An AWS CloudHSM token whose approval data is another token's bytes cannot make officers
 * sign that token.
 */

describe("an AWS CloudHSM token's approval data is never another token's bytes", () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    await h.setM(admin, 'USER_MGMT', 2, [admin]);
  });
  afterAll(() => h.close());

  it('co1 cannot have officers approving an "HSM" token sign its own token, and forge the bundle the quorum never gave', async () => {
    // co1's token for an external system, which needs 2 approvals; its bytes padded to whole 80-byte "records".
    const external = (memo: string) => h.request('POST', '/v1/tokens', co1.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1000000, memo } } });
    const probe = await external('x');
    const length = (await h.tokenBytes(probe.body.token.id, co1.token)).length;
    const target = await external('x'.repeat(1 + ((80 - (length % 80)) % 80)));
    const targetId = target.body.token.id as string;
    const bytes = await h.tokenBytes(targetId, co1.token);
    expect(bytes.length % 80).toBe(0);

    const before = await h.snapshot();
    const tokenFile = { version: '2.0', approval_data: bytes.toString('base64'), token: createHash('sha256').update(bytes).digest('base64'), signatures: [] };
    const hsm = await h.request('POST', '/v1/tokens', co1.token, {
      service: 'USER_MGMT',
      operation: { command: 'cloudhsm', args: { service: 'user', description: 'user create --username app7 --role crypto-user' } },
      cloudhsm: { tokenFile },
    });
    let forged = false;
    if (hsm.status === 201) {
      // The other officers approve what they are shown as an HSM user creation...
      for (const officer of [admin, co2]) await h.approve(hsm.body.token.id, officer);
      // ...and co1 lifts their signatures into a bundle for its own token.
      const bundle = (await h.request('GET', `/v1/tokens/${hsm.body.token.id}/bundle`, co1.token)).body.bundle;
      const real = (await h.request('GET', `/v1/tokens/${targetId}/bundle`, co1.token)).body.bundle;
      forged = verifyBundle({ ...real, approvals: bundle.approvals }).ok;
    }
    expect({ status: hsm.status, code: hsm.body.code, forged }).toEqual({ status: 400, code: 'RET_BAD_REQUEST', forged: false });
    expect(await h.snapshot()).toEqual(before);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, type Officer } from '../support/harness';

/**
 * The votes of an AWS CloudHSM token are signatures over its approval data, not over
 * quorumd token bytes. Someone who can write to Redis copies an approved CloudHSM token's
 * approval data and votes into a quorumd token of its own (`createUser`, a password it
 * chose): the gate must verify those votes over that token's own bytes, so they never count.
 */
const EXAMPLE = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'aws-admin.token'), 'utf8')) as { approval_data: string; token: string };
const HSM_OPERATION = { command: 'cloudhsm', args: { service: 'user', description: 'user create --username user1 --role crypto-user' } };

describe('the votes of an AWS CloudHSM token count only for that token', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['hsm_votes_co1', 'hsm_votes_co2']));
    await h.setM(admin, 'USER_MGMT', 2, [co1]);
  });
  afterAll(() => h.close());

  /** An AWS CloudHSM token approved by co1 and co2 (its votes sign its approval data). */
  async function approvedHsmToken(): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: HSM_OPERATION, cloudhsm: { tokenFile: { ...EXAMPLE, version: '2.0', signatures: [] } } });
    expect(res.status).toBe(201);
    const id = res.body.token.id as string;
    expect((await h.approve(id, co1)).status).toBe(200);
    expect((await h.approve(id, co2)).body.token.status).toBe('APPROVED');
    return id;
  }

  /** Copies the CloudHSM token's approval data and votes into `id`'s hash and marks it APPROVED, as a Redis writer would. */
  async function graft(hsmId: string, id: string): Promise<void> {
    const donor = h.store.keys.token(hsmId);
    const target = h.store.keys.token(id);
    const [hsm, v1, v2] = await h.redis.hmgetBuffer(donor, 'hsm', `v:${co1.id}`, `v:${co2.id}`);
    expect(hsm && v1 && v2).toBeTruthy();
    const now = Date.now();
    await h.redis.hset(target, { hsm: hsm!, [`v:${co1.id}`]: v1!, [`v:${co2.id}`]: v2!, status: 'APPROVED', apAt: now, apUntil: now + 600_000 });
  }

  it("refuses a protected command whose token carries an approved CloudHSM token's approval data and votes", async () => {
    const hsmId = await approvedHsmToken();
    const operation = { command: 'createUser', args: { type: 'CU', name: 'grafted_cu' } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    await graft(hsmId, id);

    const res = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'grafted_cu', password: 'grafted-password-1', quorumToken: id });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'RET_MXN_AUTH_FAILED' });
    const users = (await h.request('GET', '/v1/users', admin.token)).body.users as { name: string }[];
    expect(users.map((u) => u.name)).not.toContain('grafted_cu');
  });

  it("refuses /consume and the token file of a quorumd token grafted with a CloudHSM token's votes", async () => {
    const hsmId = await approvedHsmToken();
    const operation = { command: 'deployRelease', args: { v: 'grafted' } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation });
    const id = issued.body.token.id as string;
    await graft(hsmId, id);

    const consumed = await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation });
    expect({ status: consumed.status, code: consumed.body.code }).toEqual({ status: 403, code: 'RET_MXN_AUTH_FAILED' });
    // Approval data its own operation does not name makes no CloudHSM token.
    const file = await h.request('GET', `/v1/tokens/${id}/cloudhsm-token-file`, admin.token);
    expect({ status: file.status, code: file.body.code }).toEqual({ status: 400, code: 'RET_BAD_REQUEST' });
    expect(file.body.signatures).toBeUndefined();
  });

  it('still hands out the token file of the CloudHSM token its votes approved', async () => {
    const hsmId = await approvedHsmToken();
    const file = await h.request('GET', `/v1/tokens/${hsmId}/cloudhsm-token-file`, admin.token);
    expect(file.status).toBe(200);
    expect(file.body.signatures).toHaveLength(2);
  });
});

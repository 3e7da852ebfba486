import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, type Officer } from '../support/harness';

/**
 * An AWS CloudHSM token's signatures are what the HSM accepts: they leave quorumd once, in
 * the token file fetched while the token is APPROVED. The bundle of such a token must not
 * hand them out before that fetch, nor for a token that ended otherwise.
 */
const EXAMPLE = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'aws-admin.token'), 'utf8')) as { approval_data: string; token: string };
const OPERATION = { command: 'cloudhsm', args: { service: 'user', description: 'user create --username user1 --role crypto-user' } };

describe('the signatures of an AWS CloudHSM token leave only through its one-time token file', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['hsm_sig_co1', 'hsm_sig_co2']));
  });
  afterAll(() => h.close());

  async function submit(): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: OPERATION, cloudhsm: { tokenFile: { ...EXAMPLE, version: '2.0', signatures: [] } } });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }
  const bundle = (id: string) => h.request('GET', `/v1/tokens/${id}/bundle`, co1.token);

  it('refuses the bundle of a PENDING or APPROVED token with 409, and serves it once the file was fetched', async () => {
    const id = await submit();
    expect((await h.approve(id, co1)).status).toBe(200);
    const pending = await bundle(id);
    expect({ status: pending.status, code: pending.body.code, bundle: pending.body.bundle }).toEqual({ status: 409, code: 'RET_TOKEN_NOT_APPROVED', bundle: undefined });

    expect((await h.approve(id, co2)).body.token.status).toBe('APPROVED');
    const approved = await bundle(id);
    expect({ status: approved.status, code: approved.body.code, bundle: approved.body.bundle }).toEqual({ status: 409, code: 'RET_TOKEN_NOT_PENDING', bundle: undefined });
    expect(approved.body.message).toContain('cloudhsm-token-file');

    const file = await h.request('GET', `/v1/tokens/${id}/cloudhsm-token-file`, admin.token);
    expect(file.status).toBe(200);
    const after = await bundle(id);
    expect(after.status).toBe(200);
    expect(after.body.bundle).toMatchObject({ status: 'CONSUMED' });
    expect(after.body.bundle.approvals).toHaveLength(2);
  });

  it('refuses the bundle of a DELETED token that had approvals', async () => {
    const id = await submit();
    expect((await h.approve(id, co1)).status).toBe(200);
    expect((await h.request('DELETE', `/v1/tokens/${id}`, admin.token)).status).toBe(200);
    const res = await bundle(id);
    expect({ status: res.status, code: res.body.code, bundle: res.body.bundle }).toEqual({ status: 409, code: 'RET_TOKEN_NOT_PENDING', bundle: undefined });
  });
});

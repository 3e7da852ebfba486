import { Harness, type Officer, type Reply } from '../support/harness';

/**
 * A custom service's token must satisfy the policy in force when it is used, not only its
 * rules: a command the policy no longer allows, a token without a reason once the policy
 * requires one, or one approved longer ago than its approved timeout now allows, is refused
 * at /consume (the operators tightened the policy for a reason, and
 * an approval collected before is no approval of what the policy now forbids).
 */
describe('/consume holds the whole policy in force', () => {
  let h: Harness;
  let admin: Officer;
  let sre1: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [sre1] } = await Harness.withOfficers(['inforce_sre1']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'sre', m: 1 }] } })).status).toBe(201);
  });
  afterAll(() => h.close());

  async function setPolicy(policy: object): Promise<Reply> {
    const quorumToken = await h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setPolicy', args: { service: 'DEPLOY_PROD', policy } }, [sre1]);
    return h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy, quorumToken });
  }
  const consume = (id: string, operation: object) => h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation });
  const drop = { command: 'drop-database', args: {} };
  const deploy = { command: 'deploy', args: { version: '2' } };

  it('refuses a token for a command the policy in force no longer allows', async () => {
    const id = await h.approvedToken(admin, 'DEPLOY_PROD', drop, [sre1]);
    expect((await setPolicy({ rules: [{ group: 'sre', m: 1 }], commands: ['deploy'] })).status).toBe(200);
    const before = await h.snapshot();
    const refused = await consume(id, drop);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect(refused.body.message).toMatch(/no longer allows drop-database/);
    expect(await h.snapshot()).toEqual(before);
    // A command it allows still runs.
    const ok = await h.approvedToken(admin, 'DEPLOY_PROD', deploy, [sre1]);
    expect((await consume(ok, deploy)).status).toBe(200);
  });

  it('refuses a token without a reason once the policy requires one', async () => {
    const id = await h.approvedToken(admin, 'DEPLOY_PROD', deploy, [sre1]);
    expect((await setPolicy({ rules: [{ group: 'sre', m: 1 }], requireReason: true })).status).toBe(200);
    const refused = await consume(id, deploy);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/requires a reason/);
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'DEPLOY_PROD', operation: deploy, reason: 'release 2' });
    expect((await h.approve(issued.body.token.id, sre1)).body.token.status).toBe('APPROVED');
    expect((await consume(issued.body.token.id, deploy)).status).toBe(200);
  });

  it('refuses a token approved longer ago than the approved timeout of the policy in force', async () => {
    expect((await setPolicy({ rules: [{ group: 'sre', m: 1 }], requireReason: true, approvedTimeoutSeconds: 3600 })).status).toBe(200);
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'DEPLOY_PROD', operation: deploy, reason: 'release 2' });
    expect((await h.approve(issued.body.token.id, sre1)).body.token.status).toBe('APPROVED');
    // Fixed at issue: an hour. The policy now allows one second.
    expect((await setPolicy({ rules: [{ group: 'sre', m: 1 }], requireReason: true, approvedTimeoutSeconds: 1 })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const refused = await consume(issued.body.token.id, deploy);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/now allows 1 s from approval to use/);
  });
});

import { Harness, type Officer } from '../support/harness';

/**
 * /consume matches a token by its requester and exact operation: a token of a weaker service
 * with the same operation (USER_MGMT's M of 1, or a STAGING policy) would pass for one of
 * DEPLOY_PROD. The caller names the service it runs the operation for (`service`), and a token
 * of any other service is refused.
 */
describe('/consume refuses a token of another service than the one named', () => {
  let h: Harness;
  let admin: Officer;
  let sre1: Officer;
  let sre2: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [sre1, sre2] } = await Harness.withOfficers(['svc_sre1', 'svc_sre2']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'sre', m: 2 }] } })).status).toBe(201);
  });
  afterAll(() => h.close());

  const deploy = { command: 'deploy', args: { version: '7' } };
  const consume = (id: string, body: object) => h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation: deploy, ...body });

  it("refuses a USER_MGMT token for the same operation when DEPLOY_PROD's is asked for", async () => {
    // USER_MGMT's M is 1: the requester's own approval carries it.
    const weak = await h.approvedToken(admin, 'USER_MGMT', deploy, [admin]);
    const before = await h.snapshot();
    const refused = await consume(weak, { service: 'DEPLOY_PROD' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect(refused.body.quorumToken).toMatchObject({ reason: 'other-service', service: 'USER_MGMT' });
    expect(await h.snapshot()).toEqual(before);
    // Named as what it is, it runs.
    expect((await consume(weak, { service: 'USER' })).status).toBe(200);
  });

  it("uses DEPLOY_PROD's own token when it is named", async () => {
    const id = await h.approvedToken(admin, 'DEPLOY_PROD', deploy, [sre1, sre2]);
    const used = await consume(id, { service: 'DEPLOY_PROD' });
    expect(used.status).toBe(200);
  });

  it('refuses a service name that is none', async () => {
    const id = await h.approvedToken(admin, 'USER_MGMT', deploy, [admin]);
    expect((await consume(id, { service: 'not a service' })).status).toBe(400);
  });
});

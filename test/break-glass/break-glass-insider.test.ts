import { Harness, type Officer, type Reply } from '../support/harness';

/**
 * Break-glass attacked as an insider with one account would (docs/security-model.md): racing
 * its time lock with a policy that says a shorter one, using it after the policy dropped it,
 * asking through an API key whose owner is not on call, and using it through an API key
 * without the review.
 */
describe('break-glass against an insider', () => {
  let h: Harness;
  let admin: Officer;
  let sre1: Officer;
  let sre2: Officer;
  let oncall: Officer;
  let outsider: Officer;
  const deploy = { command: 'deploy' };
  const policyWith = (delaySeconds: number | undefined) => ({
    rules: [{ group: 'sre', m: 2 }],
    ...(delaySeconds === undefined ? {} : { breakGlass: { group: 'oncall', m: 1, delaySeconds, reviewWithinSeconds: 600 } }),
  });

  beforeAll(async () => {
    ({ h, admin, officers: [sre1, sre2, oncall, outsider] } = await Harness.withOfficers(['in_sre1', 'in_sre2', 'in_oncall', 'in_outsider']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/oncall', admin.token, { members: [oncall.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: policyWith(2) })).status).toBe(201);
  });
  afterAll(() => h.close());

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** setPolicy of DEPLOY_PROD, approved by both sre officers (its current policy governs it). */
  async function setPolicy(policy: object): Promise<Reply> {
    const operation = { command: 'setPolicy', args: { service: 'DEPLOY_PROD', policy } };
    const token = (await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation })).body.token.id as string;
    for (const officer of [sre1, sre2]) expect((await h.approve(token, officer)).status).toBe(200);
    return h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy, quorumToken: token });
  }
  const breakGlass = async (as: string, reason = 'incident'): Promise<Reply> => h.request('POST', '/v1/tokens', as, { service: 'DEPLOY_PROD', operation: deploy, breakGlass: true, reason });

  it('keeps the signed time lock when the policy comes to say a shorter one, and the longer one when it says longer', async () => {
    const id = (await breakGlass(oncall.token)).body.token.id as string;
    expect((await h.approve(id, oncall)).status).toBe(200);
    expect((await setPolicy(policyWith(1))).status).toBe(200);
    await sleep(1200);
    // One second passed: the policy in force says the lock is over, the signed one does not.
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, oncall.token, { operation: deploy })).status).toBe(403);
    // A token signed under the 1 s lock waits the 3 s the policy now says.
    const later = (await breakGlass(oncall.token)).body.token.id as string;
    expect((await h.approve(later, oncall)).status).toBe(200);
    expect((await setPolicy(policyWith(3))).status).toBe(200);
    await sleep(1200);
    expect((await h.request('GET', `/v1/tokens/${later}`, admin.token)).body.token.status).toBe('PENDING');
    expect((await h.request('POST', `/v1/tokens/${later}/consume`, oncall.token, { operation: deploy })).status).toBe(403);
  });

  it('does not let a token through on break-glass once the policy dropped its break-glass path', async () => {
    expect((await setPolicy(policyWith(1))).status).toBe(200);
    const id = (await breakGlass(oncall.token)).body.token.id as string;
    expect((await h.approve(id, oncall)).status).toBe(200);
    expect((await setPolicy(policyWith(undefined))).status).toBe(200);
    await sleep(1200);
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.status).toBe('PENDING');
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, oncall.token, { operation: deploy })).status).toBe(403);
    // And no new one can be asked for.
    expect((await breakGlass(oncall.token)).body.code).toBe('RET_BREAK_GLASS_NOT_ALLOWED');
  });

  it('holds an API key to its owner: one not on call cannot ask; one on call gets the review with its use', async () => {
    expect((await setPolicy(policyWith(1))).status).toBe(200);
    const scopes = ['tokens:issue', 'tokens:read', 'tokens:consume'];
    const outsiderKey = (await h.request('POST', '/v1/api-keys', outsider.token, { name: 'out-bot', scopes })).body.key as string;
    expect((await breakGlass(outsiderKey)).body.code).toBe('RET_FORBIDDEN');
    const key = (await h.request('POST', '/v1/api-keys', oncall.token, { name: 'oncall-bot', scopes })).body.key as string;
    const id = (await breakGlass(key)).body.token.id as string;
    expect((await h.approve(id, oncall)).status).toBe(200);
    await sleep(1200);
    const used = await h.request('POST', `/v1/tokens/${id}/consume`, key, { operation: deploy });
    expect(used.status).toBe(200);
    const review = used.body.bundle.reviewToken as string;
    // The key's owner used it: it does not count toward the review.
    expect((await h.approve(review, oncall)).status).toBe(403);
  });
});

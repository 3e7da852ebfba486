import { Harness, type Officer, type Reply } from '../support/harness';

/**
 * Tokens of custom services, over HTTP on real Redis, seen from an insider's side: the
 * policy in force is signed into the bytes, approvals are assigned to its rules so that no
 * one counts twice, membership counts as of now, the stricter of the signed and the
 * current policy holds at /consume, a veto group's rejection ends a token, and an officer
 * no rule counts cannot approve nor sees the token in its queue.
 */
describe('custom service tokens', () => {
  let h: Harness;
  let admin: Officer;
  let both: Officer;
  let sre2: Officer;
  let sre3: Officer;
  let sec2: Officer;
  let outsider: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [both, sre2, sre3, sec2, outsider] } = await Harness.withOfficers(['ct_both', 'ct_sre2', 'ct_sre3', 'ct_sec2', 'ct_outsider']));
    // QUORUM_MGMT's M is 1: a change needs only the policies it touches.
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [both.id, sre2.id, sre3.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/security', admin.token, { members: [both.id, sec2.id] })).status).toBe(200);
  });
  afterAll(() => h.close());

  /** A QUORUM_MGMT token for `operation`, approved by `approvers` in order. */
  async function changeToken(operation: object, approvers: Officer[]): Promise<string | undefined> {
    if (approvers.length === 0) return undefined;
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation });
    const id = issued.body.token.id as string;
    for (const officer of approvers) expect((await h.approve(id, officer)).status).toBe(200);
    return id;
  }
  async function setPolicy(service: string, policy: object, approvers: Officer[] = []): Promise<Reply> {
    const quorumToken = await changeToken({ command: 'setPolicy', args: { service, policy } }, approvers);
    return h.request('PUT', `/v1/quorum/services/${service}`, admin.token, { policy, ...(quorumToken ? { quorumToken } : {}) });
  }
  async function setGroup(group: string, members: number[], approvers: Officer[]): Promise<Reply> {
    const quorumToken = await changeToken({ command: 'setGroup', args: { group, members } }, approvers);
    return h.request('PUT', `/v1/groups/${group}`, admin.token, { members, ...(quorumToken ? { quorumToken } : {}) });
  }
  const deploy = (version: string) => ({ command: 'deploy', args: { version } });
  async function issue(service: string, operation: object, as: string = admin.token, extra: object = {}): Promise<Reply> {
    return h.request('POST', '/v1/tokens', as, { service, operation, ...extra });
  }
  const read = async (id: string) => (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;

  it('signs the policy, its version, the reason and the ticket into the bytes, and shows each rule’s progress', async () => {
    const policy = { rules: [{ group: 'sre', m: 2 }, { group: 'security', m: 1 }], commands: ['deploy'], requireReason: true };
    expect((await setPolicy('DEPLOY_PROD', policy)).status).toBe(201);
    expect((await issue('DEPLOY_PROD', deploy('1.0'))).body).toMatchObject({ code: 'RET_BAD_REQUEST', message: expect.stringMatching(/requires a reason/) });
    expect((await issue('DEPLOY_PROD', { command: 'drop-database' }, admin.token, { reason: 'x' })).body.message).toMatch(/only for deploy/);
    expect((await issue('DEPLOY_PROD', { command: 'createUser', args: { type: 'CU', name: 'x' } }, admin.token, { reason: 'x' })).status).toBe(400);
    const res = await issue('DEPLOY_PROD', deploy('1.0'), admin.token, { reason: 'release 1.0', ticket: 'CHG-42' });
    expect(res.status).toBe(201);
    expect(res.body.token).toMatchObject({ service: 'DEPLOY_PROD', m: 3, required: 3, policy, policyVersion: 1, reason: 'release 1.0', ticket: 'CHG-42' });
    expect(res.body.token.progress).toEqual([{ group: 'sre', m: 2, have: [] }, { group: 'security', m: 1, have: [] }]);
    const bytes = JSON.parse((await h.tokenBytes(res.body.token.id, admin.token)).toString('utf8'));
    expect(bytes).toMatchObject({ service: 'DEPLOY_PROD', policy, policyVersion: 1, reason: 'release 1.0', ticket: 'CHG-42', m: 3 });
  });

  it('does not count an officer in two groups for two rules: a third distinct approver approves', async () => {
    const id = (await issue('DEPLOY_PROD', deploy('1.1'), admin.token, { reason: 'release 1.1' })).body.token.id as string;
    expect((await h.approve(id, both)).body.token.status).toBe('PENDING');
    const two = await h.approve(id, sre2);
    expect(two.body.token.status).toBe('PENDING');
    // both fills one place (sre or security), not two.
    expect(two.body.token.progress).toEqual([{ group: 'sre', m: 2, have: [both.id, sre2.id] }, { group: 'security', m: 1, have: [] }]);
    const three = await h.approve(id, sec2);
    expect(three.body.token.status).toBe('APPROVED');
    expect(three.body.token.progress).toEqual([{ group: 'sre', m: 2, have: [both.id, sre2.id] }, { group: 'security', m: 1, have: [sec2.id] }]);
    // Membership counts at use time: sre2 leaves sre, and the token is PENDING again.
    const change = await setGroup('sre', [both.id, sre3.id], [both, sre3, sec2]);
    expect(change.status).toBe(200);
    const after = await read(id);
    expect(after.status).toBe('PENDING');
    expect(after.progress[0]).toEqual({ group: 'sre', m: 2, have: [both.id] });
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation: deploy('1.1') })).status).toBe(403);
    // sre3 (now in sre) carries it again; /consume uses it once.
    expect((await h.approve(id, sre3)).body.token.status).toBe('APPROVED');
    const used = await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation: deploy('1.1') });
    expect(used.status).toBe(200);
    expect((await read(id)).status).toBe('CONSUMED');
  });

  it('refuses an officer outside every rule’s group (403 RET_FORBIDDEN) and keeps the token out of its queue', async () => {
    const id = (await issue('DEPLOY_PROD', deploy('1.2'), admin.token, { reason: 'release 1.2' })).body.token.id as string;
    const res = await h.approve(id, outsider);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('RET_FORBIDDEN');
    // Nor can it reject it (its rejection could never weigh).
    const rejected = await h.request('POST', `/v1/tokens/${id}/rejections`, outsider.token, { reason: 'noise' });
    expect(rejected.status).toBe(403);
    expect(rejected.body.code).toBe('RET_FORBIDDEN');
    const queue = async (o: Officer) => ((await h.request('GET', '/v1/officers/me/pending', o.token)).body.tokens as { id: string }[]).map((t) => t.id);
    expect(await queue(outsider)).not.toContain(id);
    expect(await queue(sre3)).toContain(id);
    expect(await queue(sec2)).toContain(id);
    // Nor is it asked by the fan-out, nor named as one who can still approve.
    for (const o of [outsider, sre3]) {
      expect((await h.request('PUT', '/v1/officers/me/webhook', o.token, { url: `http://127.0.0.1:9/hook-${o.id}`, secret: 'a-webhook-secret-of-some-length' })).status).toBe(200);
    }
    const [asked] = await h.store.tokens.approvalRecipients([id], true);
    expect(asked).toContain(sre3.id);
    expect(asked).not.toContain(outsider.id);
    expect((await h.store.tokens.approvers(id, true)).map((a) => a.id)).not.toContain(outsider.id);
  });

  it('refuses at /consume a token issued under sre:1 once the policy became sre:2, and one issued under sre:2 after it was lowered', async () => {
    expect((await setPolicy('DEPLOY_STAGE', { rules: [{ group: 'sre', m: 1 }] })).status).toBe(201);
    const weak = (await issue('DEPLOY_STAGE', deploy('2.0'))).body.token.id as string;
    expect((await h.approve(weak, sre3)).body.token.status).toBe('APPROVED');
    // The change itself is held to the current policy (sre:1).
    expect((await setPolicy('DEPLOY_STAGE', { rules: [{ group: 'sre', m: 2 }] }, [sre3])).status).toBe(200);
    const refused = await h.request('POST', `/v1/tokens/${weak}/consume`, admin.token, { operation: deploy('2.0') });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect((await read(weak)).status).toBe('PENDING');
    // Its view shows what it lacks: the signed rule is filled, the rule in force now is not.
    expect((await read(weak)).progress).toEqual([
      { group: 'sre', m: 1, have: [sre3.id] },
      { group: 'sre', m: 2, have: [sre3.id], current: true },
    ]);
    // Its bundle's assignment stays the signed policy's (what the offline check compares).
    expect((await h.request('GET', `/v1/tokens/${weak}/bundle`, admin.token)).body.bundle.assignment).toEqual([{ group: 'sre', m: 1, have: [sre3.id] }]);
    const strong = (await issue('DEPLOY_STAGE', deploy('2.1'))).body.token.id as string;
    expect((await read(strong)).policy).toEqual({ rules: [{ group: 'sre', m: 2 }] });
    expect((await read(strong)).progress).toEqual([{ group: 'sre', m: 2, have: [] }]);
    expect((await setPolicy('DEPLOY_STAGE', { rules: [{ group: 'sre', m: 1 }] }, [both, sre3])).status).toBe(200);
    // The policy signed into it still asks two.
    expect((await h.approve(strong, sre3)).body.token.status).toBe('PENDING');
    expect((await h.request('POST', `/v1/tokens/${strong}/consume`, admin.token, { operation: deploy('2.1') })).status).toBe(403);
    expect((await h.approve(strong, both)).body.token.status).toBe('APPROVED');
  });

  it('ends a token at a veto group member’s rejection, and at a plain one only when it is out of reach', async () => {
    expect((await setPolicy('PAYMENTS', { rules: [{ group: 'sre', m: 1 }], vetoGroups: ['security'] })).status).toBe(201);
    const vetoed = (await issue('PAYMENTS', { command: 'pay' })).body.token.id as string;
    const veto = await h.request('POST', `/v1/tokens/${vetoed}/rejections`, sec2.token, { reason: 'not today' });
    expect(veto.body.token.status).toBe('REJECTED');
    expect((await setPolicy('ROTATE', { rules: [{ group: 'sre', m: 2 }] })).status).toBe(201);
    const id = (await issue('ROTATE', { command: 'rotate' })).body.token.id as string;
    // sre is {both, sre3}: one rejection leaves it out of reach.
    expect((await h.request('POST', `/v1/tokens/${id}/rejections`, sre3.token, { reason: 'no' })).body.token.status).toBe('REJECTED');
    // Every service naming sre governs the change: DEPLOY_PROD's sre:2 AND security:1 among them.
    const wide = (await setGroup('sre', [both.id, sre2.id, sre3.id], [both, sre3, sec2])).status;
    expect(wide).toBe(200);
    const second = (await issue('ROTATE', { command: 'rotate' })).body.token.id as string;
    expect((await h.request('POST', `/v1/tokens/${second}/rejections`, sre3.token, { reason: 'no' })).body.token.status).toBe('PENDING');
    expect((await h.request('POST', `/v1/tokens/${second}/rejections`, sre2.token, { reason: 'no' })).body.token.status).toBe('REJECTED');
  });

  it('does not count a requester its policy excludes, also through its API keys', async () => {
    expect((await setPolicy('SELF', { rules: [{ group: 'sre', m: 1 }], requesterMayApprove: false })).status).toBe(201);
    const own = (await issue('SELF', { command: 'x' }, both.token)).body.token.id as string;
    expect((await h.approve(own, both)).body.code).toBe('RET_FORBIDDEN');
    const key = (await h.request('POST', '/v1/api-keys', both.token, { name: 'both-bot', scopes: ['tokens:issue', 'tokens:read', 'tokens:consume'] })).body.key as string;
    const byKey = (await issue('SELF', { command: 'x' }, key)).body.token.id as string;
    const refused = await h.approve(byKey, both);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RET_FORBIDDEN');
    expect((await read(byKey)).status).toBe('PENDING');
    expect((await h.approve(byKey, sre2)).body.token.status).toBe('APPROVED');
    expect((await h.request('POST', `/v1/tokens/${byKey}/consume`, key, { operation: { command: 'x' } })).status).toBe(200);
  });

  it("takes its policy's token and approved timeouts", async () => {
    expect((await setPolicy('TIMED', { rules: [{ group: 'sre', m: 1 }], tokenTtlSeconds: 120, approvedTimeoutSeconds: 30 }, [])).status).toBe(201);
    const token = (await issue('TIMED', { command: 't' })).body.token;
    expect(Date.parse(token.expiresAt) - Date.parse(token.issuedAt)).toBe(120_000);
    const approved = (await h.approve(token.id, sre3)).body.token;
    expect(approved.status).toBe('APPROVED');
    const left = Date.parse(approved.approvedExpiresAt) - Date.now();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(30_000);
  });

  it('refuses to delete a service with open tokens (409)', async () => {
    const res = await h.request('DELETE', '/v1/quorum/services/DEPLOY_PROD', admin.token, { quorumToken: await changeToken({ command: 'deleteService', args: { service: 'DEPLOY_PROD' } }, [both, sre3, sec2]) });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RET_SERVICE_IN_USE');
  });
});

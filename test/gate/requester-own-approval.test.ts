import { verifyBundle } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';

/**
 * QUORUM_REQUESTER_MAY_APPROVE=false: the requester counts for nothing, whether it approves
 * with its session or its API keys, now or with a vote cast before the setting changed.
 */

describe("a requester's own API key, when requesters may not approve", () => {
  let h: Harness;
  let co1: Officer;
  let co2: Officer;
  let key: string;
  beforeAll(async () => {
    ({ h, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2'], { env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' }, worker: true }));
    key = (await h.request('POST', '/v1/api-keys', co1.token, { name: 'co1-robot', scopes: ['tokens:issue', 'tokens:read'] })).body.key;
    // Approval requests go to officers with a webhook.
    for (const o of [co1, co2]) await h.request('PUT', '/v1/officers/me/webhook', o.token, { url: 'http://127.0.0.1:9/hook', secret: 'sixteen-characters' });
  });
  afterAll(() => h.close());

  it('is refused: the API key acts for its owner in approval, rejection, the queue and the fan-out', async () => {
    const res = await h.requestToken(key, 'USER_MGMT', { command: 'deployRelease', args: { version: '1' } });
    expect(res.status).toBe(201);
    const id = res.body.token.id;
    const own = await h.approve(id, co1);
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('RET_FORBIDDEN');
    const queue = (await h.request('GET', '/v1/officers/me/pending', co1.token)).body.tokens.map((t: { id: string }) => t.id);
    expect(queue).not.toContain(id);
    expect((await h.request('GET', '/v1/officers/me/pending', co2.token)).body.tokens.map((t: { id: string }) => t.id)).toContain(id);
    // Fan-out: an approval request for co2 (and the admin), none for co1.
    const queues = h.worker!.queues;
    const deadline = Date.now() + 5000;
    while (!(await queues.deliveries.getJob(`approval.requested-${id}-co${co2.id}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await queues.deliveries.getJob(`approval.requested-${id}-co${co2.id}`)).toBeDefined();
    expect(await queues.deliveries.getJob(`approval.requested-${id}-co${co1.id}`)).toBeUndefined();
    expect((await h.approve(id, co2)).body.token.status).toBe('APPROVED');
  });

  it('the lock-out guard counts the API key’s owner out too', async () => {
    // 3 key holders (admin, co1, co2), requester may not approve: 2 could approve.
    const res = await h.request('PUT', '/v1/quorum/values/USER_MGMT', co1.token, { m: 3 });
    expect(res.body.code).toBe('RET_M_EXCEEDS_APPROVERS');
  });
});

describe("a requester's own vote cast while requesters could approve, after they no longer may", () => {
  let h: Harness;
  let strict: Harness | undefined;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
  });
  afterAll(async () => {
    await strict?.close({ keepKeys: true });
    await h.close();
  });

  it('no longer counts: not toward APPROVED, not in the gate of a protected command or /consume, not in the bundle', async () => {
    const create = { command: 'createUser', args: { type: 'CU', name: 'selfish' } };
    const pending = (await h.requestToken(admin.token, 'USER_MGMT', create)).body.token.id as string;
    expect((await h.approve(pending, admin)).body.token).toMatchObject({ status: 'PENDING', approvals: [expect.objectContaining({ userId: 1 })] });
    const deploy = { command: 'deployRelease', args: { version: '7' } };
    const approved = await h.approvedToken(admin, 'USER_MGMT', deploy, [admin, co1]);

    // The same deployment, restarted with self-approval off.
    strict = await Harness.start({ prefix: h.prefix, issuer: h.issuer, env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' } });
    const read = (await strict.request('GET', `/v1/tokens/${pending}`, admin.token)).body.token;
    expect(read).toMatchObject({ status: 'PENDING', approvals: [] });
    const second = await strict.approve(pending, co1);
    expect(second.body.token).toMatchObject({ status: 'PENDING', required: 2 });
    expect(second.body.token.approvals.map((a: { userId: number }) => a.userId)).toEqual([co1.id]);
    const refused = await strict.request('POST', '/v1/users', admin.token, { ...create.args, password: 'selfish-password', quorumToken: pending });
    expect(refused.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/1 of 2 approvals/) });
    expect(verifyBundle((await strict.request('GET', `/v1/tokens/${pending}/bundle`, admin.token)).body.bundle)).toEqual({ ok: false, reason: '1 of 2 approvals' });

    // Approved before the change by the requester and one other: the gate finds one vote.
    const used = await strict.request('POST', `/v1/tokens/${approved}/consume`, admin.token, { operation: deploy });
    expect(used.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/1 of 2 approvals/) });

    // A second officer's vote carries it.
    expect((await strict.approve(pending, co2)).body.token.status).toBe('APPROVED');
    expect((await strict.request('POST', '/v1/users', admin.token, { ...create.args, password: 'selfish-password', quorumToken: pending })).status).toBe(201);
  });
});

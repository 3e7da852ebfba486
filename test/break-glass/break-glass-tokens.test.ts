import { SYSTEM } from '@quorumd/store';
import { Harness, type Officer, type Reply } from '../support/harness';

/**
 * The break-glass path of a custom service (docs/policies.md), over HTTP on real Redis: the
 * policy field and its refusals, the time lock, the veto, the announcement, and the sweep
 * that approves a token at the end of its time lock without anyone calling.
 */
describe('break-glass tokens', () => {
  let h: Harness;
  let admin: Officer;
  let sre1: Officer;
  let sre2: Officer;
  let oncall: Officer;
  let outsider: Officer;
  const policy = { rules: [{ group: 'sre', m: 2 }], breakGlass: { group: 'oncall', m: 1, delaySeconds: 2, reviewWithinSeconds: 60 } };
  const deploy = (version: string) => ({ command: 'deploy', args: { version } });

  beforeAll(async () => {
    ({ h, admin, officers: [sre1, sre2, oncall, outsider] } = await Harness.withOfficers(['bg_sre1', 'bg_sre2', 'bg_oncall', 'bg_outsider']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/oncall', admin.token, { members: [oncall.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy })).status).toBe(201);
  });
  afterAll(() => h.close());

  const issue = (as: Officer, extra: object = {}, service = 'DEPLOY_PROD', operation: object = deploy('1.0')): Promise<Reply> =>
    h.request('POST', '/v1/tokens', as.token, { service, operation, ...extra });
  const read = async (id: string) => (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
  const auditTypes = async (): Promise<string[]> => (await h.redis.lrange(h.store.keys.audit(), 0, -1)).map((e) => (JSON.parse(e) as { type: string }).type);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const metric = async (name: string): Promise<number> => {
    const text = (await h.request('GET', '/metrics')).body as string;
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  it('refuses a breakGlass field that is malformed, and one naming a group that does not exist', async () => {
    const bad = await h.request('PUT', '/v1/quorum/services/DEPLOY_X', admin.token, { policy: { rules: [{ group: 'sre', m: 1 }], breakGlass: { group: 'oncall', m: 0, delaySeconds: 2, reviewWithinSeconds: 60 } } });
    expect(bad.body).toMatchObject({ code: 'RET_BAD_REQUEST', message: expect.stringMatching(/breakGlass\.m/) });
    const extra = await h.request('PUT', '/v1/quorum/services/DEPLOY_X', admin.token, { policy: { rules: [{ group: 'sre', m: 1 }], breakGlass: { group: 'oncall', m: 1, delaySeconds: 2, reviewWithinSeconds: 60, self: true } } });
    expect(extra.body.code).toBe('RET_BAD_REQUEST');
    const missing = await h.request('PUT', '/v1/quorum/services/DEPLOY_X', admin.token, { policy: { rules: [{ group: 'sre', m: 1 }], breakGlass: { group: 'nobody', m: 1, delaySeconds: 2, reviewWithinSeconds: 60 } } });
    expect(missing.body).toMatchObject({ code: 'RET_BAD_REQUEST', message: expect.stringMatching(/nobody/) });
  });

  it('refuses break-glass on QUORUM_MGMT, on createUser of a CO, without a reason, and from outside the group, writing nothing', async () => {
    const before = await h.snapshot();
    const audit = await auditTypes();
    const mgmt = await issue(oncall, { breakGlass: true, reason: 'night' }, 'QUORUM_MGMT', { command: 'setMValue', args: { service: 'QUORUM_MGMT', m: 1 } });
    expect([mgmt.status, mgmt.body.code]).toEqual([400, 'RET_BREAK_GLASS_NOT_ALLOWED']);
    const co = await issue(oncall, { breakGlass: true, reason: 'night' }, 'USER_MGMT', { command: 'createUser', args: { type: 'CO', name: 'bg_new' } });
    expect([co.status, co.body.code]).toEqual([400, 'RET_BREAK_GLASS_NOT_ALLOWED']);
    const silent = await issue(oncall, { breakGlass: true });
    expect([silent.status, silent.body.code]).toEqual([400, 'RET_BREAK_GLASS_NOT_ALLOWED']);
    const blank = await issue(oncall, { breakGlass: true, reason: '  ' });
    expect([blank.status, blank.body.code]).toEqual([400, 'RET_BREAK_GLASS_NOT_ALLOWED']);
    const stranger = await issue(outsider, { breakGlass: true, reason: 'night' });
    expect([stranger.status, stranger.body.code]).toEqual([403, 'RET_FORBIDDEN']);
    expect(await h.snapshot()).toEqual(before);
    expect(await auditTypes()).toEqual(audit);
  });

  it('approves a token one on-call officer approved only after the time lock, announced at once, and the sweep does it unasked', async () => {
    const entries = (await h.redis.xlen(h.store.keys.outbox()));
    const res = await issue(oncall, { breakGlass: true, reason: 'prod is down' });
    expect(res.status).toBe(201);
    const id = res.body.token.id as string;
    expect(res.body.token).toMatchObject({ path: 'breakGlass', status: 'PENDING', reason: 'prod is down' });
    const bytes = JSON.parse((await h.tokenBytes(id, admin.token)).toString('utf8'));
    expect(bytes.path).toBe('breakGlass');
    // Announced in the issue's own step: the outbox names every officer of the service's rules.
    const outbox = (await h.redis.xrange(h.store.keys.outbox(), '-', '+')).slice(entries).map(([, f]) => f);
    const announcement = outbox.find((f) => f.includes('breakglass.requested'));
    expect(announcement).toBeDefined();
    const officers = (announcement as string[])[(announcement as string[]).indexOf('officers') + 1];
    expect(officers?.split(' ').map(Number).sort()).toEqual([sre1.id, sre2.id, oncall.id].sort((a, b) => a - b));
    const data = JSON.parse((announcement as string[])[(announcement as string[]).indexOf('data') + 1] ?? '{}');
    expect(data).toMatchObject({ service: 'DEPLOY_PROD', command: 'deploy', operation: { command: 'deploy', args: { version: '1.0' } }, requester: `user:${oncall.id}`, reason: 'prod is down' });
    expect(await auditTypes()).toContain('token.breakglass.requested');
    // Every officer of the rules sees it in its queue (and may veto it).
    const queue = await h.request('GET', '/v1/officers/me/pending', sre1.token);
    expect(queue.body.tokens.map((t: { id: string }) => t.id)).toContain(id);
    // The outsider may not approve it; an on-call officer may.
    expect((await h.approve(id, outsider)).status).toBe(403);
    expect((await h.approve(id, oncall)).body.token.status).toBe('PENDING');
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, oncall.token, { operation: deploy('1.0') })).status).toBe(403);
    await sleep(2100);
    // A read says APPROVED at once, though nothing wrote it yet (a late worker changes nothing a reader sees).
    expect((await read(id)).status).toBe('APPROVED');
    expect(await h.redis.hget(h.store.keys.token(id), 'status')).toBe('PENDING');
    // The worker's sweep (ExpirySweeper) does this: the tokens due, settled one by one.
    const due = await h.store.tokens.dueForBreakGlass(Date.now(), 100);
    expect(due).toContain(id);
    for (const each of due) await h.store.tokens.settleBreakGlass(each, h.config.requesterMayApprove, SYSTEM);
    const after = await read(id);
    expect(after).toMatchObject({ status: 'APPROVED', breakGlass: { approvedBy: 'breakGlass' } });
    expect(await auditTypes()).toContain('token.breakglass.approved');
  });

  it('ends a token at once when an officer of the rules vetoes it during the time lock', async () => {
    const requested = await metric('quorum_breakglass_total{service="DEPLOY_PROD",outcome="requested"}');
    const vetoed = await metric('quorum_breakglass_total{service="DEPLOY_PROD",outcome="vetoed"}');
    const id = (await issue(oncall, { breakGlass: true, reason: 'db failover' })).body.token.id as string;
    expect((await h.approve(id, oncall)).body.token.status).toBe('PENDING');
    const veto = await h.request('POST', `/v1/tokens/${id}/rejections`, sre2.token, { reason: 'not an emergency' });
    expect(veto.body.token.status).toBe('REJECTED');
    expect(await metric('quorum_breakglass_total{service="DEPLOY_PROD",outcome="requested"}')).toBe(requested + 1);
    expect(await metric('quorum_breakglass_total{service="DEPLOY_PROD",outcome="vetoed"}')).toBe(vetoed + 1);
    expect(await auditTypes()).toContain('token.breakglass.vetoed');
    await sleep(2100);
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, oncall.token, { operation: deploy('1.0') })).status).toBe(403);
  });

  it('holds a change of the break-glass group to the service’s policy: one insider cannot add itself', async () => {
    // QUORUM_MGMT's M is 1, but DEPLOY_PROD's policy names oncall: no token, no change.
    const alone = await h.request('PUT', '/v1/groups/oncall', admin.token, { members: [oncall.id, outsider.id] });
    expect([alone.status, alone.body.code]).toEqual([403, 'RET_MXN_AUTH_FAILED']);
  });

  it('approves at once when the normal quorum is reached during the time lock', async () => {
    const id = (await issue(oncall, { breakGlass: true, reason: 'hotfix' })).body.token.id as string;
    expect((await h.approve(id, sre1)).body.token.status).toBe('PENDING');
    const two = await h.approve(id, sre2);
    expect(two.body.token).toMatchObject({ status: 'APPROVED', breakGlass: { approvedBy: 'quorum' } });
  });

  it('is APPROVED at /consume after the time lock even when no sweep ran, and used once', async () => {
    const id = (await issue(oncall, { breakGlass: true, reason: 'cert expiry' })).body.token.id as string;
    expect((await h.approve(id, oncall)).status).toBe(200);
    await sleep(2100);
    const used = await h.request('POST', `/v1/tokens/${id}/consume`, oncall.token, { operation: deploy('1.0') });
    expect(used.status).toBe(200);
    expect(used.body.bundle.status).toBe('CONSUMED');
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, oncall.token, { operation: deploy('1.0') })).status).toBe(403);
  });
});

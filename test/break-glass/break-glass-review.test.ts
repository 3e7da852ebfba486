import { verifyBundle } from '@quorumd/client';
import { SYSTEM } from '@quorumd/store';
import { Harness, type Officer, type Reply } from '../support/harness';

/**
 * The review a break-glass token's use sets off (docs/policies.md), over HTTP on real Redis:
 * issued in the same step as the use, in every officer's queue, the break-glass token's own
 * requester and approvers never counting toward it; approved, it is done; rejected or left
 * past its window, the officers who used break-glass are locked and can neither log in nor approve.
 */
describe('break-glass review', () => {
  let h: Harness;
  let admin: Officer;
  let sre1: Officer;
  let sre2: Officer;
  let o1: Officer;
  let o2: Officer;
  let o3: Officer;
  const rules = [{ group: 'sre', m: 2 }];
  const deploy = (version: string) => ({ command: 'deploy', args: { version } });

  beforeAll(async () => {
    ({ h, admin, officers: [sre1, sre2, o1, o2, o3] } = await Harness.withOfficers(['rv_sre1', 'rv_sre2', 'rv_o1', 'rv_o2', 'rv_o3']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/oncall', admin.token, { members: [o1.id, o2.id, o3.id, sre1.id] })).status).toBe(200);
    const slow = { rules, breakGlass: { group: 'oncall', m: 1, delaySeconds: 1, reviewWithinSeconds: 60 } };
    const fast = { rules, breakGlass: { group: 'oncall', m: 1, delaySeconds: 1, reviewWithinSeconds: 2 } };
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: slow })).status).toBe(201);
    // DEPLOY_FAST names DEPLOY_PROD's groups: its creation is held to DEPLOY_PROD's policy (sre:2).
    const quorumToken = await h.approvedToken(admin, 'QUORUM_MGMT', { command: 'setPolicy', args: { service: 'DEPLOY_FAST', policy: fast } }, [sre1, sre2]);
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_FAST', admin.token, { policy: fast, quorumToken })).status).toBe(201);
  });
  afterAll(() => h.close());

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const read = async (id: string) => (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
  const auditOf = async (type: string) =>
    (await h.redis.lrange(h.store.keys.audit(), 0, -1)).map((e) => JSON.parse(e) as { type: string; data: Record<string, unknown> }).filter((e) => e.type === type);
  const pendingIds = async (officer: Officer): Promise<string[]> => (await h.request('GET', '/v1/officers/me/pending', officer.token)).body.tokens.map((t: { id: string }) => t.id);

  /** A break-glass token asked for and approved by `by`, its time lock waited out, and used: answers its id, its review's and the use's reply. */
  async function useBreakGlass(service: string, by: Officer, version: string): Promise<{ id: string; review: string; used: Reply }> {
    const issued = await h.request('POST', '/v1/tokens', by.token, { service, operation: deploy(version), breakGlass: true, reason: `incident ${version}` });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    expect((await h.approve(id, by)).body.token.status).toBe('PENDING');
    await sleep(1100);
    const used = await h.request('POST', `/v1/tokens/${id}/consume`, by.token, { operation: deploy(version) });
    expect(used.status).toBe(200);
    const review = (await read(id)).breakGlass.reviewToken as string;
    expect(review).toMatch(/^[0-9a-f-]{36}$/);
    return { id, review, used };
  }

  it('issues the review with the use, in every officer’s queue but its user’s, and its requester and approvers do not count toward it', async () => {
    const { id, review, used } = await useBreakGlass('DEPLOY_PROD', o1, '2.0');
    expect(used.body.bundle).toMatchObject({ status: 'CONSUMED', path: 'breakGlass', approvedBy: 'breakGlass', reviewToken: review });
    // The offline check says break-glass, and refuses it unless told to accept it.
    const refused = verifyBundle(used.body.bundle, new Set([o1.key?.fingerprint ?? '']));
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/break-glass/) });
    const accepted = verifyBundle(used.body.bundle, new Set([o1.key?.fingerprint ?? '']), { allowBreakGlass: true });
    expect(accepted).toMatchObject({ ok: true, path: 'breakGlass', approvedBy: 'breakGlass', approvals: 1, m: 1 });
    // Claiming the normal quorum approved it does not lower the bar: 1 of 2.
    expect(verifyBundle({ ...used.body.bundle, approvedBy: 'quorum' }, new Set([o1.key?.fingerprint ?? '']), { allowBreakGlass: true }).ok).toBe(false);
    const token = await read(review);
    expect(token).toMatchObject({ service: 'QUORUM_MGMT', status: 'PENDING', operation: { command: 'reviewBreakGlass', args: { token: id } }, reviewOf: id, required: 2 });
    for (const officer of [admin, sre1, sre2, o2, o3]) expect(await pendingIds(officer)).toContain(review);
    expect(await pendingIds(o1)).not.toContain(review);
    // Self-review: the user of break-glass can neither approve nor reject it, nor delete it.
    expect((await h.approve(review, o1)).status).toBe(403);
    expect((await h.request('POST', `/v1/tokens/${review}/rejections`, o1.token, {})).status).toBe(403);
    expect((await h.request('DELETE', `/v1/tokens/${review}`, o1.token)).status).toBe(403);
    expect((await h.request('DELETE', `/v1/tokens/${review}`, admin.token)).status).toBe(403);
    // The normal policy reviews it: done at once, never to be used again.
    const first = await h.approve(review, sre1);
    expect(first.body).toMatchObject({ token: { status: 'PENDING' } });
    const done = await h.approve(review, sre2);
    expect(done.body).toMatchObject({ token: { status: 'CONSUMED' } });
    expect((await auditOf('token.breakglass.reviewed')).map((e) => e.data.id)).toContain(id);
    expect((await h.request('POST', `/v1/tokens/${review}/consume`, admin.token, { operation: { command: 'reviewBreakGlass', args: { token: id } } })).status).toBe(403);
    // Reviewed: o1 still logs in.
    expect(await h.login(o1.name, `${o1.name}-password`)).toBeTruthy();
  });

  it('locks the officers who used break-glass when the review is not approved in its window: no login, no approval', async () => {
    const { id, review } = await useBreakGlass('DEPLOY_FAST', o2, '3.0');
    // A review that another token's approval cannot stand in for: a second break-glass token is waiting for o2.
    const other = await h.request('POST', '/v1/tokens', sre1.token, { service: 'DEPLOY_PROD', operation: deploy('3.1'), reason: 'normal release' });
    await sleep(2100);
    // The worker's expiry sweep (ExpirySweeper) does this.
    for (const due of await h.store.tokens.dueForExpiry(Date.now(), 100)) await h.store.tokens.expire(due, SYSTEM);
    expect((await read(review)).status).toBe('EXPIRED');
    const unreviewed = (await auditOf('token.breakglass.unreviewed')).find((e) => e.data.id === id);
    expect(unreviewed?.data).toMatchObject({ outcome: 'unreviewed', locked: [o2.id] });
    const login = await h.request('POST', '/v1/sessions', undefined, { name: o2.name, password: `${o2.name}-password` });
    expect([login.status, login.body.code]).toEqual([403, 'RET_USER_LOCKED']);
    // Its session ended with the lock: it cannot read, let alone approve, a token.
    expect((await h.request('GET', `/v1/tokens/${other.body.token.id as string}`, o2.token)).status).toBe(401);
    const users = (await h.request('GET', '/v1/users', admin.token)).body.users as { id: number; locked: boolean }[];
    expect(users.find((u) => u.id === o2.id)?.locked).toBe(true);
  });

  it('locks them at once when the review is rejected', async () => {
    const { id, review } = await useBreakGlass('DEPLOY_PROD', o3, '4.0');
    const rejected = await h.request('POST', `/v1/tokens/${review}/rejections`, sre2.token, { reason: 'no incident that night' });
    expect(rejected.body.token.status).toBe('REJECTED');
    const failed = (await auditOf('token.breakglass.unreviewed')).find((e) => e.data.id === id);
    expect(failed?.data).toMatchObject({ outcome: 'rejected', locked: [o3.id] });
    const login = await h.request('POST', '/v1/sessions', undefined, { name: o3.name, password: `${o3.name}-password` });
    expect(login.body.code).toBe('RET_USER_LOCKED');
  });

  it('asks no review of a break-glass token its normal quorum approved', async () => {
    const issued = await h.request('POST', '/v1/tokens', o1.token, { service: 'DEPLOY_PROD', operation: deploy('5.0'), breakGlass: true, reason: 'planned' });
    const id = issued.body.token.id as string;
    await h.approve(id, sre1);
    expect((await h.approve(id, sre2)).body.token.status).toBe('APPROVED');
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, o1.token, { operation: deploy('5.0') })).status).toBe(200);
    expect((await read(id)).breakGlass.reviewToken).toBeUndefined();
  });
});

import { sign } from 'node:crypto';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { ServerProcess } from '../support/server-process';

/** Races across two API processes on one Redis. */
describe('chaos: races across two API processes', () => {
  let h: Harness;
  let admin: Officer;
  const officers: Officer[] = [];
  let apis: ServerProcess[] = [];
  beforeAll(async () => {
    h = await Harness.start();
    admin = await h.adminOfficer();
    for (let i = 1; i <= 4; i++) officers.push(await h.addOfficer(`race${i}`));
    await h.setM(admin, 'USER_MGMT', 2, [admin, ...officers]);
    const env = { REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' };
    apis = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.stop()));
    await h.close();
  });

  const post = (i: number, path: string, token: string, body: unknown) =>
    fetch(`${apis[i % 2]!.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { code?: string },
    }));

  it('50 concurrent consumers of one token, split over both processes: exactly one succeeds', async () => {
    const operation = { command: 'rotateKey', args: { race: 1 } };
    const id = await h.approvedToken(admin, 'USER_MGMT', operation, officers);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => post(i, `/v1/tokens/${id}/consume`, admin.token, { operation })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).every((r) => r.body.code === 'RET_MXN_AUTH_FAILED')).toBe(true);
  });

  it('approvals, rejections, a deletion and expiry racing on one token end in one terminal state, audited in order', async () => {
    for (let round = 0; round < 10; round++) {
      const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'rotateKey', args: { round } }, ttlSeconds: 1 });
      const id = issued.body.token.id as string;
      const bytes = await h.tokenBytes(id, admin.token);
      const delay = 900 + Math.floor(Math.random() * 200);
      await new Promise((r) => setTimeout(r, delay));
      const moves = [
        ...officers.slice(0, 2).map((o, i) => post(i, `/v1/tokens/${id}/approvals`, o.token, { signature: sign('sha256', bytes, o.key!.privatePem).toString('base64') })),
        ...officers.slice(2).map((o, i) => post(i + 1, `/v1/tokens/${id}/rejections`, o.token, { reason: 'race' })),
        fetch(`${apis[round % 2]!.url}/v1/tokens/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin.token}` } }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } })),
        h.store.tokens.expire(id, { kind: 'system' }).then((s) => ({ status: 200, body: { code: s } })),
      ];
      await Promise.all(moves);
      await h.store.tokens.expire(id, { kind: 'system' });
      const token = (await h.store.tokens.get(id, true))!;
      expect(['APPROVED', 'REJECTED', 'EXPIRED', 'DELETED']).toContain(token.status);
      if (token.status === 'APPROVED') expect(token.approvals.filter((a) => a.counts).length).toBeGreaterThanOrEqual(2);
      // The audit log tells the same story, in order: issued first, one terminal entry last, nothing after it.
      const entries = (await h.store.audit.page(1, 1_000_000)).map((e) => JSON.parse(e) as { type: string; data: { id?: string } }).filter((e) => e.data.id === id);
      expect(entries[0]!.type).toBe('token.issued');
      const terminal = entries.filter((e) => ['token.rejected', 'token.expired', 'token.deleted'].includes(e.type));
      if (token.status === 'APPROVED') {
        expect(terminal.filter((e) => e.type !== 'token.expired')).toEqual([]);
      } else {
        expect(terminal).toHaveLength(1);
        expect(terminal[0]!.type).toBe(`token.${token.status.toLowerCase()}`);
        expect(entries.at(-1)).toBe(terminal[0]);
      }
    }
    expect((await h.store.audit.verify()).ok).toBe(true);
  }, 60_000);
});

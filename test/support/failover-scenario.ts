import { Writable } from 'node:stream';
import { RedisConnectionMonitor } from '@quorumd/store';
import pino from 'pino';
import { Harness, type Officer, type Reply } from './harness';
import { until } from './eventually';
import type { FailoverSet } from './failover-set';
import { Receiver } from './receiver';

const CALLBACK_SECRET = 'failover-callback-secret';
const STORM_TOKENS = 12;

interface StormResult {
  /** `token/userId` of every approval answered 2xx. */
  acknowledged: Set<string>;
  statuses: Map<number, number>;
}

/**
 * Sends every approval in `pairs`, `concurrency` at a time, alternating between the API
 * replicas; a 503 is sent again (approvals are idempotent) until it is answered 2xx. Calls
 * `onAcknowledged` with the running count after each 2xx.
 */
async function approvalStorm(
  replicas: Harness[],
  pairs: { id: string; officer: Officer; signature: string }[],
  concurrency: number,
  onAcknowledged: (count: number) => void,
): Promise<StormResult> {
  const result: StormResult = { acknowledged: new Set(), statuses: new Map() };
  let next = 0;
  let sent = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < pairs.length; i = next++) {
      const { id, officer, signature } = pairs[i]!;
      for (;;) {
        const replica = replicas[sent++ % replicas.length]!;
        const res: Reply = await replica.request('POST', `/v1/tokens/${id}/approvals`, officer.token, { signature });
        result.statuses.set(res.status, (result.statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) {
          result.acknowledged.add(`${id}/${officer.id}`);
          onAcknowledged(result.acknowledged.size);
          break;
        }
        if (res.status !== 503) throw new Error(`approval ${id} by ${officer.name}: ${res.status} ${JSON.stringify(res.body)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return result;
}

/** Sends a request until it is not a 503 (the store is back), within `timeoutMs`. */
async function once(replica: Harness, method: string, url: string, token: string, body?: unknown, timeoutMs = 15_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await replica.request(method, url, token, body);
    if (res.status !== 503 || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * quorumd on a replicated Redis started by the test (Sentinel or Cluster): the seed scenario,
 * then `kill -9` of the master that holds the deployment's slot during an approval storm sent
 * through two API replicas with the worker running. After the promotion: every approval
 * answered 2xx is there and counted once, the audit chain verifies, callbacks, webhooks and
 * expiry go on; then the old master comes back as a replica and nothing breaks.
 */
export function describeFailover(kind: string, startSet: () => Promise<FailoverSet>): void {
  describe(`${kind}: failover`, () => {
    let set: FailoverSet;
    let h1: Harness;
    let h2: Harness;
    let admin: Officer;
    let co1: Officer;
    let co2: Officer;
    let co3: Officer;
    let receiver: Receiver;
    /** What a server's connection monitor would log for h1's connections: one line per change of state. */
    const changes: string[] = [];
    /** What the worker logs (JSON lines). */
    const workerLines: { level: number; msg: string }[] = [];
    const workerLogger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) workerLines.push(JSON.parse(line) as { level: number; msg: string });
          done();
        },
      }),
    );

    beforeAll(async () => {
      set = await startSet();
      ({ h: h1, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['co1', 'co2', 'co3'], { redisUrl: set.url, worker: true, workerLogger }));
      // A second API replica on the same deployment (its own connections, no worker).
      h2 = await Harness.start({ redisUrl: set.url, prefix: h1.prefix, issuer: h1.issuer });
      receiver = await Receiver.start();
      const monitor = new RedisConnectionMonitor((change) => changes.push(change));
      monitor.watch(h1.redis);
      monitor.watch(h1.subscriber);
    }, 90_000);
    // Each replica's close waits out its worker's bounded steps (in-flight deliveries up to 10 s):
    // on a loaded machine after a failover that can pass the default 30 s.
    afterAll(async () => {
      // The Redis processes stop even when closing the API replicas fails (after a failed storm).
      try {
        await h2?.close({ keepKeys: true });
        await h1?.close();
        await receiver?.close();
      } finally {
        await set?.stop();
      }
    }, 90_000);

    it('runs the seed scenario: createUser fails without quorum, then runs once with an approved token', async () => {
      await h1.setM(admin, 'USER_MGMT', 2, [admin, co1]);
      const refused = await h2.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'alice', password: 'alice-password' });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
      const quorumToken = await h1.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'alice' } }, [co1, co2]);
      const created = await h2.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'alice', password: 'alice-password', quorumToken });
      expect(created.status).toBe(201);
      const again = await h1.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'alice', password: 'alice-password', quorumToken });
      expect(again.status).toBeGreaterThanOrEqual(400);
    }, 30_000);

    it('loses no acknowledged approval when the master is killed mid-storm, and goes on when it returns as a replica', async () => {
      await h1.setM(admin, 'USER_MGMT', 3, [co1, co2]);
      expect((await h1.request('PUT', '/v1/officers/me/webhook', co3.token, { url: receiver.url, secret: 'co3-webhook-secret' })).status).toBe(200);

      // Tokens issued through both replicas, each with a callback; every signature made beforehand.
      const ids: string[] = [];
      for (let i = 0; i < STORM_TOKENS; i++) {
        const issued = await [h1, h2][i % 2]!.request('POST', '/v1/tokens', admin.token, {
          service: 'USER_MGMT',
          operation: { command: 'deployRelease', args: { v: i } },
          callbackUrl: receiver.url,
          callbackSecret: CALLBACK_SECRET,
        });
        expect(issued.status).toBe(201);
        ids.push(issued.body.token.id as string);
      }
      const pairs: { id: string; officer: Officer; signature: string }[] = [];
      for (const id of ids) {
        const bytes = await h1.tokenBytes(id, co1.token);
        for (const officer of [co1, co2, co3]) pairs.push({ id, officer, signature: h1.openssl.sign(officer.key!.privatePath, bytes) });
      }
      pairs.sort((a, b) => (a.signature < b.signature ? -1 : 1)); // an interleaved order

      const oldMaster = await set.masterFor(h1.prefix);
      const linesBefore = workerLines.length;
      let killedAt = 0;
      let killing: Promise<void> | undefined;
      const storm = approvalStorm([h1, h2], pairs, 6, (count) => {
        if (count === 10 && !killing) {
          killedAt = Date.now();
          killing = oldMaster.kill('SIGKILL');
        }
      });
      // Watch the promotion and the readiness of both replicas while the storm goes on.
      const promoted = (async () => {
        await until('the storm reaches the kill', async () => killing !== undefined, 30_000);
        await killing;
        const master = await set.promotedFor(h1.prefix, oldMaster, 30_000);
        return { master, at: Date.now() };
      })();
      const ready = (async () => {
        await until('the storm reaches the kill', async () => killing !== undefined, 30_000);
        const seen = new Set<number>();
        await until(
          'both API replicas are ready again',
          async () => {
            const answers = await Promise.all([h1, h2].map((h) => h.request('GET', '/readyz')));
            for (const a of answers) seen.add(a.status);
            return answers.every((a) => a.status === 200) && (await promoted.then(() => true, () => false));
          },
          40_000,
        );
        return { at: Date.now(), seen };
      })();

      const result = await storm;
      const promotion = await promoted;
      const readiness = await ready;
      // eslint-disable-next-line no-console
      console.info(
        `${kind} failover: promoted ${promotion.at - killedAt} ms after the kill, both replicas ready ${readiness.at - killedAt} ms after it; answers ${JSON.stringify([...result.statuses])}`,
      );
      expect(promotion.master).not.toBe(oldMaster);
      expect(readiness.at - promotion.at).toBeLessThan(10_000);
      expect([...readiness.seen].filter((s) => s !== 200 && s !== 503)).toEqual([]);
      expect([...result.statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
      expect(result.acknowledged.size).toBe(pairs.length);
      // One line per change of connection state (lost, failing over, back), never one per retry.
      await until('the connection monitor says back', async () => changes.at(-1) === 'back', 10_000);
      expect(changes[0]).toBe('lost');
      expect(changes.length).toBeLessThanOrEqual(3);
      expect(new Set(changes).size).toBe(changes.length);
      // The worker too: a few lines for the failover, not one per retry or per MOVED.
      const workerWarnings = workerLines.slice(linesBefore).filter((l) => l.level >= 40);
      expect(workerWarnings.map((l) => l.msg)).toContain('redis connection lost');
      expect(workerWarnings.length).toBeLessThanOrEqual(6);

      // Every acknowledged approval is there, each counted once.
      for (const id of ids) {
        const token = (await once(h2, 'GET', `/v1/tokens/${id}`, admin.token)).body.token;
        const voters = token.approvals.map((a: { userId: number }) => a.userId).sort();
        expect(voters).toEqual([co1.id, co2.id, co3.id].sort());
        expect(token.status).toBe('APPROVED');
      }
      const entries = (await h1.store.audit.page(1, 100_000)).map((text) => JSON.parse(text) as { type: string; actor: string; data: { id?: string } });
      for (const id of ids) {
        // An approval's entry names the officer as its actor (`user:<id>`).
        const votes = entries.filter((e) => e.type === 'token.approval' && e.data.id === id).map((e) => Number(e.actor.replace('user:', '')));
        expect(votes.sort()).toEqual([co1.id, co2.id, co3.id].sort());
      }
      await until('the audit sealer has sealed the whole log', async () => (await h1.store.audit.sealed()).seq >= (await h1.store.audit.headSeq()), 15_000);
      expect((await h1.store.audit.verify()).ok).toBe(true);

      // Notifications resume: every token's APPROVED callback arrives (at least once).
      const callbacksFor = (event: string) => new Set(receiver.accepted().filter((d) => d.event === event).map((d) => d.token.id));
      await receiver.until(() => ids.every((id) => callbacksFor('token.approved').has(id)), 30_000);
      // Expiry resumes: a token issued now with a 1 s TTL is swept to EXPIRED and its callback sent.
      const short = await once(h2, 'POST', '/v1/tokens', admin.token, {
        service: 'USER_MGMT',
        operation: { command: 'deployRelease', args: { v: 'short' } },
        ttlSeconds: 1,
        callbackUrl: receiver.url,
        callbackSecret: CALLBACK_SECRET,
      });
      expect(short.status).toBe(201);
      const shortId = short.body.token.id as string;
      await receiver.until(() => callbacksFor('token.expired').has(shortId), 15_000);
      // A CO's webhook hears of a token issued after the failover.
      const fresh = await once(h1, 'POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { v: 'after' } } });
      expect(fresh.status).toBe(201);
      const freshId = fresh.body.token.id as string;
      await receiver.until(() => callbacksFor('approval.requested').has(freshId), 15_000);

      // The old master comes back (same port, same data): it joins as a replica of the new one.
      await oldMaster.restart();
      await oldMaster.replicating(30_000);
      for (const h of [h1, h2]) expect((await h.request('GET', '/readyz')).status).toBe(200);
      // While the cluster tells the returned node its new role, a client may briefly route by a
      // stale slot map: a 503 (with mayHaveCommitted) then, which an approval simply sends again.
      for (const [i, officer] of [co1, co2, co3].entries()) {
        const replica = [h1, h2][i % 2]!;
        const signature = h1.openssl.sign(officer.key!.privatePath, await h1.tokenBytes(freshId, admin.token));
        const res = await once(replica, 'POST', `/v1/tokens/${freshId}/approvals`, officer.token, { signature });
        expect({ status: res.status, body: res.status === 200 ? 'ok' : res.body }).toEqual({ status: 200, body: 'ok' });
      }
      expect((await h2.request('GET', `/v1/tokens/${freshId}`, admin.token)).body.token.status).toBe('APPROVED');
      const created = await h1.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { v: 'last' } } });
      expect(created.status).toBe(201);
      expect(changes.at(-1)).toBe('back');
      expect((await h1.store.audit.verify()).ok).toBe(true);
    }, 150_000);
  });
}

import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { newTokenDocument, normalizeOperation, tokenBytes } from '@quorumd/core';
import { Redis } from 'ioredis';
import { QuorumStore, SYSTEM, type QuorumGate } from '../src';

/**
 * Review of the pending list's token bytes kept by the API (TokensRepository.pendingFor):
 * what an officer's queue answers while the bytes it holds come and go, and what holding
 * them costs the process.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ISSUER = 'pending-bytes';
const HOUR = 3_600_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('pending list: the token bytes the API keeps', () => {
  let redis: Redis;
  let store: QuorumStore;
  let now = Date.UTC(2026, 10, 30, 12);
  const prefix = `pending-bytes-${randomBytes(5).toString('hex')}`;
  let officer = 0;

  const noGate = (): QuorumGate => ({ tokenId: undefined, requesterKey: 'user:1', operation: '', issuer: ISSUER, requesterMayApprove: true });

  /** `count` tokens of the admin (M = 1 for USER_MGMT: no M change needed), each with these args. */
  async function issueMany(count: number, ttlSeconds: number, args: () => Record<string, unknown>): Promise<string[]> {
    const ids: string[] = [];
    for (let done = 0; done < count; done += 250) {
      const batch = Array.from({ length: Math.min(250, count - done) }, () =>
        newTokenDocument({
          service: 'USER_MGMT',
          operation: normalizeOperation({ command: 'deployRelease', args: args() }),
          requester: { kind: 'user', id: 1, name: 'admin' },
          m: 1,
          issuer: ISSUER,
          now,
          ttlSeconds,
        }),
      );
      await Promise.all(batch.map((doc) => store.tokens.issue(doc, tokenBytes(doc), ['USER_MGMT'], { key: 'user:1', userId: 1 }, {}, SYSTEM)));
      ids.push(...batch.map((doc) => doc.id));
    }
    return ids;
  }

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    store = new QuorumStore(redis, { prefix, retentionMs: HOUR, clock: () => now });
    await store.users.bootstrap(ISSUER, 'hash');
    officer = await store.users.create(noGate(), { name: 'co_review', type: 'CO', passwordHash: 'hash' }, SYSTEM);
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
  });

  it('a pending token stays in the queue while the bytes of newer tokens push its own bytes out of what the API keeps', async () => {
    // A long-lived token, read first: its bytes are the oldest the API holds.
    const [first] = await issueMany(1, 3600, () => ({ n: 0 }));
    expect((await store.tokens.pendingFor(officer, true, 1000)).map((t) => t.doc.id)).toEqual([first]);
    // Rounds of short-lived tokens go through the queue beside it (each round gone before the next).
    const missed: number[] = [];
    for (let round = 0; round < 24; round++) {
      const ids = await issueMany(500, 60, () => ({ n: Math.random() }));
      const queue = (await store.tokens.pendingFor(officer, true, 1000)).map((t) => t.doc.id);
      const absent = [first!, ...ids].filter((id) => !queue.includes(id));
      if (absent.length > 0) missed.push(round);
      now += 120_000;
    }
    // (Before the fix: the long-lived token left the answer of the round whose reads pushed its bytes out.)
    expect(missed).toEqual([]);
  }, 120_000);

  it('what the API keeps of read token bytes stays small, whatever shape the tokens take (args of many empty objects)', async () => {
    // Args as the API accepts them (normalizeOperation: at most 4,096 bytes, 8 levels): the most
    // objects a token's bytes can carry.
    const many: Record<string, unknown>[] = [];
    while (JSON.stringify({ x: [...many, {}], n: 0.1234567890123456 }).length <= 4090) many.push({});
    // (Every token of the test before has expired.)
    now += 2 * HOUR;
    const before = heapAfterGc();
    for (let round = 0; round < 4; round++) {
      await issueMany(500, 60, () => ({ x: many, n: Math.random() }));
      expect(await store.tokens.pendingFor(officer, true, 1000)).toHaveLength(500);
      now += 120_000;
    }
    const kept = heapAfterGc() - before;
    // Unbounded by size, 2,000 such tokens keep some 180 MB (10,000: about 0.9 GB per API process).
    expect(kept).toBeLessThan(80 * 1024 * 1024);
  }, 120_000);
});

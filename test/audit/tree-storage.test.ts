import { randomBytes } from 'node:crypto';
import { appendLeaves, completeSubtrees, nodeMerkleHasher as H, storedHashCount } from '@quorumd/core';
import { QuorumStore, SYSTEM, connectForRequests } from '@quorumd/store';
import { REDIS_URL } from '../support/harness';

/**
 * The Merkle tree's storage: the hashes back to back in the strings audit:tree:<n>, each
 * string `chunk` hashes long; a batch crossing a string's end continues in the next, and a
 * batch for the wrong position writes nothing.
 */
describe('the audit tree storage', () => {
  const redis = connectForRequests(REDIS_URL, { enableOfflineQueue: true, lazyConnect: false });
  const prefix = `test-tree-${randomBytes(4).toString('hex')}`;
  const store = new QuorumStore(redis, { prefix, retentionMs: 60_000 });
  const k = store.keys;
  afterAll(async () => {
    const keys = await redis.keys(`{${prefix}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('appends across the end of a string into the next one, and refuses a batch for another position before writing', async () => {
    const chunk = 4;
    const leaves = Array.from({ length: 11 }, (_, i) => Buffer.from(H.leaf(Buffer.from(`entry ${i}`))));
    await redis.multi().set(k.auditSealer(), 'sealer-x').hset(k.auditSealed(), 'seq', 11).exec();
    const all: Uint8Array[] = [];
    let frontier: Uint8Array[] = [];
    for (const [from, to] of [[0, 3], [3, 11]] as const) {
      const step = appendLeaves(from, frontier, leaves.slice(from, to), H);
      frontier = step.frontier;
      all.push(...step.nodes.map((n) => n.hash));
      await store.ctx.run('growAuditTree', {}, SYSTEM, { sealerId: 'sealer-x', treeSize: from, newSize: to, tokenEntries: '{}', firstIndex: storedHashCount(from), chunk, hashes: Buffer.concat(step.nodes.map((n) => n.hash)) });
    }
    expect(all).toHaveLength(storedHashCount(11));
    const strings = await Promise.all(Array.from({ length: Math.ceil(all.length / chunk) }, (_, c) => redis.getBuffer(k.auditTree(c))));
    expect(strings.map((s) => (s?.length ?? 0) / 32)).toEqual(Array.from({ length: strings.length }, (_, c) => Math.min(chunk, all.length - c * chunk)));
    expect(Buffer.concat(strings.map((s) => s ?? Buffer.alloc(0))).equals(Buffer.concat(all))).toBe(true);
    expect(completeSubtrees(0, 11)).toHaveLength(3);

    // A batch whose first hash would not go where the strings end: refused, nothing written.
    await redis.hset(k.auditSealed(), 'seq', 12);
    const before = await Promise.all(strings.map((_, c) => redis.getBuffer(k.auditTree(c))));
    await expect(store.ctx.run('growAuditTree', {}, SYSTEM, { sealerId: 'sealer-x', treeSize: 11, newSize: 12, tokenEntries: '{}', firstIndex: storedHashCount(11) - 1, chunk, hashes: Buffer.alloc(64) })).rejects.toThrow(/does not end where its size says/);
    expect(await Promise.all(strings.map((_, c) => redis.getBuffer(k.auditTree(c))))).toEqual(before);
    expect(await redis.hget(k.auditSealed(), 'tree')).toBe('11');
  });
});

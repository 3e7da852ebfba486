import { randomBytes } from 'node:crypto';
import { AUDIT_TREE_TILE_HEIGHT, appendLeaves, auditLeafHash, completeSubtrees, foldRange, isStoredLevel, nodeMerkleHasher as H, storedHashCount, storedTileCount, verifyInclusion } from '@quorumd/core';
import { AUDIT_TREE_CHUNK, AuditSealer, QuorumStore, SYSTEM, connectForRequests } from '@quorumd/store';
import { REDIS_URL } from '../support/harness';

/** The root of a tree over `leaves` from all its complete subtrees (every level). */
function rootOf(leaves: Uint8Array[]): Buffer {
  const nodes = new Map(appendLeaves(0, [], leaves, H).nodes.map((n) => [`${n.level}/${n.index}`, n.hash]));
  return Buffer.from(foldRange(completeSubtrees(0, leaves.length).map((r) => nodes.get(`${r.level}/${r.index}`) as Uint8Array), H));
}

/**
 * The Merkle tree's storage, in tiles: only the hashes of the kept levels (4, 8, …), back to
 * back in the strings audit:tree:<n>, each string `chunk` hashes long; a batch crossing a
 * string's end continues in the next, a batch for the wrong position writes nothing, the
 * rest of the tree is folded from the entries' texts; and a tree kept in the layout of before
 * (every level) is regrown once in tiles by the sealer.
 */
describe('the audit tree storage', () => {
  const redis = connectForRequests(REDIS_URL, { enableOfflineQueue: true, lazyConnect: false });
  const prefix = `test-tree-${randomBytes(4).toString('hex')}`;
  const store = new QuorumStore(redis, { prefix, retentionMs: 60_000 });
  const k = store.keys;
  const clean = async (): Promise<void> => {
    const keys = await redis.keys(`{${prefix}}:*`);
    if (keys.length > 0) await redis.del(...keys);
  };
  afterAll(async () => {
    await clean();
    redis.disconnect();
  });

  it('keeps only the kept levels, appends across the end of a string into the next one, and refuses a batch for another position before writing', async () => {
    const chunk = 4;
    const height = AUDIT_TREE_TILE_HEIGHT;
    const size = 300;
    const texts = Array.from({ length: size }, (_, i) => `{"entry":${i}}`);
    const leaves = texts.map(auditLeafHash);
    await redis.multi().set(k.auditSealer(), 'sealer-x').hset(k.auditSealed(), 'seq', size).rpush(k.audit(), ...texts).exec();
    const all: Uint8Array[] = [];
    for (const [from, to] of [[0, 3], [3, 40], [40, 41], [41, 300]] as const) {
      const frontier = await store.audit.subtrees(completeSubtrees(0, from));
      const kept = appendLeaves(from, frontier, leaves.slice(from, to), H).nodes.filter((n) => isStoredLevel(n.level, height));
      all.push(...kept.map((n) => n.hash));
      await store.ctx.run('growAuditTree', {}, SYSTEM, { sealerId: 'sealer-x', treeSize: from, newSize: to, tokenEntries: '{}', height, firstIndex: storedTileCount(from, height), chunk, hashes: Buffer.concat(kept.map((n) => n.hash)) });
    }
    // 300 entries: 18 hashes of level 4, 1 of level 8 — 19 × 32 bytes, about 2 bytes an entry.
    expect(all).toHaveLength(storedTileCount(size, height));
    expect(all).toHaveLength(19);
    const strings = await Promise.all(Array.from({ length: Math.ceil(all.length / chunk) }, (_, c) => redis.getBuffer(k.auditTree(c))));
    expect(strings.map((s) => (s?.length ?? 0) / 32)).toEqual(Array.from({ length: strings.length }, (_, c) => Math.min(chunk, all.length - c * chunk)));
    expect(Buffer.concat(strings.map((s) => s ?? Buffer.alloc(0))).equals(Buffer.concat(all))).toBe(true);
    expect(await redis.hmget(k.auditSealed(), 'tree', 'treeHeight')).toEqual(['300', String(height)]);

    // The repository folds what is not kept from the entries: the same root and proofs as over every level.
    // (Its strings are AUDIT_TREE_CHUNK long, not 4: read through the first one only, which here holds the first 4.)
    expect(AUDIT_TREE_CHUNK).toBeGreaterThan(all.length);
    await redis.multi().del(...strings.map((_, c) => k.auditTree(c))).set(k.auditTree(0), Buffer.concat(all)).exec();
    const root = await store.audit.root(size);
    expect(root.equals(rootOf(leaves))).toBe(true);
    for (const index of [0, 15, 16, 150, 255, 256, 299]) {
      expect(verifyInclusion(index, size, leaves[index] as Uint8Array, await store.audit.inclusionProof(index, size), root, H)).toBe(true);
    }
    expect((await store.audit.leafHashes(299, 5)).map((h) => h.toString('hex'))).toEqual([leaves[298], leaves[299]].map((h) => Buffer.from(h as Uint8Array).toString('hex')));

    // A batch whose first hash would not go where the strings end: refused, nothing written.
    await redis.rpush(k.audit(), ...Array.from({ length: 20 }, (_, i) => `{"entry":${size + i}}`));
    await redis.hset(k.auditSealed(), 'seq', size + 20);
    const before = await redis.getBuffer(k.auditTree(0));
    await expect(store.ctx.run('growAuditTree', {}, SYSTEM, { sealerId: 'sealer-x', treeSize: size, newSize: size + 20, tokenEntries: '{}', height, firstIndex: storedTileCount(size, height) - 1, chunk: AUDIT_TREE_CHUNK, hashes: Buffer.alloc(64) })).rejects.toThrow(/does not end where its size says/);
    expect(await redis.getBuffer(k.auditTree(0))).toEqual(before);
    expect(await redis.hget(k.auditSealed(), 'tree')).toBe('300');
  });

  it('regrows once, in tiles, a tree kept in the layout of before (every level, no tree height): reads it as empty until then, then the same root', async () => {
    await clean();
    const size = 1000;
    const texts = Array.from({ length: size }, (_, i) => `{"seq":${i + 1},"type":"filler"}`);
    const leaves = texts.map(auditLeafHash);
    // The old layout: every complete subtree of every level (Go sumdb/tlog order), `tree` set, no `treeHeight`.
    const everyLevel = appendLeaves(0, [], leaves, H).nodes;
    expect(everyLevel).toHaveLength(storedHashCount(size));
    await redis
      .multi()
      .rpush(k.audit(), ...texts)
      .hset(k.auditHead(), 'seq', size)
      .hset(k.auditSealed(), 'seq', size, 'hash', 'ab'.repeat(32), 'tree', size)
      .set(k.auditTree(0), Buffer.concat(everyLevel.map((n) => n.hash)))
      .exec();
    expect(await store.audit.treeSize()).toBe(0);

    const sealer = new AuditSealer(store, { id: 'sealer-m', batch: 128, checkpointIntervalMs: 60_000, log: () => undefined, alarm: () => undefined });
    await sealer.round();
    expect(await store.audit.treeSize()).toBe(size);
    expect(await redis.hget(k.auditSealed(), 'treeHeight')).toBe(String(AUDIT_TREE_TILE_HEIGHT));
    expect(await redis.strlen(k.auditTree(0))).toBe(storedTileCount(size, AUDIT_TREE_TILE_HEIGHT) * 32);
    // 62 hashes of level 4 and 3 of level 8, where every level took 1,994.
    expect([storedTileCount(size, AUDIT_TREE_TILE_HEIGHT), storedHashCount(size)]).toEqual([65, 1994]);
    const root = await store.audit.root(size);
    expect(root.equals(rootOf(leaves))).toBe(true);
    expect(verifyInclusion(777, size, leaves[777] as Uint8Array, await store.audit.inclusionProof(777, size), root, H)).toBe(true);
    // Only once: the next round leaves the tree alone.
    const kept = await redis.getBuffer(k.auditTree(0));
    await sealer.round();
    expect(await redis.getBuffer(k.auditTree(0))).toEqual(kept);
    await sealer.stop();
  });
});

import fc from 'fast-check';
import {
  AUDIT_TREE_TILE_HEIGHT,
  appendLeaves,
  completeSubtrees,
  consistencyProof,
  consistencyProofRanges,
  inclusionProof,
  inclusionProofRanges,
  isStoredLevel,
  nodeMerkleHasher as H,
  storedTileCount,
  storedTileIndex,
  tiledReader,
  tiledReads,
  treeRoot,
  type SubtreeReader,
  type SubtreeRef,
  type TiledReads,
} from '../src';

/** RFC 6962 section 2.1 over the whole list of leaf hashes: the reference. */
function naiveRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0] as Uint8Array;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return H.node(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

function naivePath(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length === 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k ? [...naivePath(m, leaves.slice(0, k)), naiveRoot(leaves.slice(k))] : [...naivePath(m - k, leaves.slice(k)), naiveRoot(leaves.slice(0, k))];
}

function naiveSubproof(m: number, leaves: Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [naiveRoot(leaves)];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m <= k ? [...naiveSubproof(m, leaves.slice(0, k), b), naiveRoot(leaves.slice(k))] : [...naiveSubproof(m - k, leaves.slice(k), false), naiveRoot(leaves.slice(0, k))];
}

const texts = (n: number): string[] => Array.from({ length: n }, (_, i) => `{"seq":${i + 1}}`);
const hex = (hs: Uint8Array[]): string[] => hs.map((h) => Buffer.from(h).toString('hex'));

/** An empty tiled store over `size` leaves: the kept hashes (in storage order) and a tiled reader over them and the leaves. */
function growTiled(size: number, height: number): { leaves: Uint8Array[]; kept: Uint8Array[]; read: SubtreeReader; fetches: TiledReads[] } {
  const leaves = texts(size).map((t) => H.leaf(Buffer.from(t)));
  const kept: Uint8Array[] = [];
  const fetches: TiledReads[] = [];
  const fetch = async (reads: TiledReads) => {
    fetches.push(reads);
    return {
      stored: reads.stored.map((r) => {
        const h = kept[storedTileIndex(r.level, r.index, height)];
        if (!h) throw new Error(`no kept ${r.level}/${r.index}`);
        return h;
      }),
      leaves: reads.leaves.map((r) => leaves.slice(r.lo, r.hi)),
    };
  };
  const read = tiledReader(height, fetch, H);
  return { leaves, kept, read, fetches };
}

/** The tree grown in batches as the sealer grows it: the frontier read from the tiles, the kept levels' hashes appended. */
async function grow(size: number, height: number, batch: number): Promise<ReturnType<typeof growTiled>> {
  const t = growTiled(size, height);
  for (let at = 0; at < size; at += batch) {
    const frontier = at === 0 ? [] : await t.read(completeSubtrees(0, at));
    const { nodes } = appendLeaves(at, frontier, t.leaves.slice(at, at + batch), H);
    for (const n of nodes) if (isStoredLevel(n.level, height)) t.kept.push(n.hash);
  }
  t.fetches.length = 0;
  return t;
}

describe('the audit Merkle tree kept in tiles', () => {
  it('answers the same root, inclusion and consistency proofs from kept tiles and leaves as RFC 6962 over all leaves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), async (size, height, batch, a, b) => {
        const { leaves, read } = await grow(size, height, batch);
        expect(hex([await treeRoot(size, read, H)])).toEqual(hex([naiveRoot(leaves)]));
        const index = a % size;
        expect(hex(await inclusionProof(index, size, read, H))).toEqual(hex(naivePath(index, leaves)));
        const from = 1 + (b % size);
        expect(hex(await consistencyProof(from, size, read, H))).toEqual(hex(from === size ? [] : naiveSubproof(from, leaves, true)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps each kept hash at the next storage index, size / (2^height − 1) of them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 6 }), (size, count, height) => {
        // The hashes are irrelevant to the order: a frontier of dummies.
        const frontier = completeSubtrees(0, size).map(() => H.leaf(Buffer.alloc(0)));
        const { nodes } = appendLeaves(size, frontier, texts(count).map((t) => H.leaf(Buffer.from(t))), H);
        const kept = nodes.filter((n) => isStoredLevel(n.level, height));
        expect(kept.map((n) => storedTileIndex(n.level, n.index, height))).toEqual(kept.map((_, i) => storedTileCount(size, height) + i));
        expect(storedTileCount(size + count, height)).toBe(storedTileCount(size, height) + kept.length);
        expect(storedTileCount(size + count, height)).toBeLessThanOrEqual((size + count) / (2 ** height - 1));
      }),
      { numRuns: 300 },
    );
    // Height 1 keeps every level but the leaves: Go's StoredHashIndex shifted by a level.
    expect([storedTileIndex(1, 0, 1), storedTileIndex(1, 1, 1), storedTileIndex(2, 0, 1)]).toEqual([0, 1, 2]);
    expect(storedTileCount(1_000_000, AUDIT_TREE_TILE_HEIGHT) * 32 / 1_000_000).toBeLessThan(2.2);
  });

  it('reads at most two tiles of leaves for a proof (the leaf’s or the first tree’s edge, and the last, partial one), and at most 2^(height−1) kept hashes per range level', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 22 }), fc.integer({ min: 1, max: 8 }), fc.nat(), fc.nat(), (size, height, a, b) => {
        const count = (reads: TiledReads): number => reads.leaves.reduce((n, r) => n + r.hi - r.lo, 0);
        const refsOf = (ranges: { lo: number; hi: number }[]): SubtreeRef[] => ranges.flatMap((r) => completeSubtrees(r.lo, r.hi));
        const inclusion = refsOf(inclusionProofRanges(a % size, size));
        const reads = tiledReads(inclusion, height);
        expect(count(reads)).toBeLessThanOrEqual(2 * 2 ** height);
        expect(reads.stored.length).toBeLessThanOrEqual(inclusion.length * 2 ** (height - 1));
        const from = 1 + (b % size);
        const consistency = refsOf(consistencyProofRanges(from, size));
        expect(count(tiledReads(consistency, height))).toBeLessThanOrEqual(2 * 2 ** height);
        for (const r of tiledReads(consistency, height).leaves) expect(r.hi).toBeLessThanOrEqual(size);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses to answer when a kept hash or a leaf is missing (a tree not grown that far)', async () => {
    const { read } = await grow(40, 4, 7);
    await expect(read([{ level: 4, index: 5 }])).rejects.toThrow(/no kept 4\/5/);
    await expect(read([{ level: 2, index: 10 }])).rejects.toThrow(/no leaf 40/);
  });
});

/**
 * The audit Merkle tree stored in tiles (as C2SP tlog-tiles stores it, with another height):
 * the store keeps the hash of a complete subtree only at the levels height, 2·height,
 * 3·height, … — about size / (2^height − 1) hashes, 32 bytes each — and every other hash is
 * computed when asked from at most 2^(height−1) stored hashes of the level below it that is
 * kept, or, below the first kept level, from the leaves: the entries' texts, which the store
 * keeps anyway. Pure algorithms, no I/O: which stored hashes and which leaves a set of
 * subtrees needs (`tiledReads`), the subtrees' hashes from them (`tiledReader`), and where
 * each kept hash goes (`storedTileIndex`, in the order appendLeaves completes them).
 */
import type { LeafRange, MerkleHasher, SubtreeReader, SubtreeRef } from './merkle-tree';

/**
 * The audit tree's tile height: levels 4, 8, 12, … are kept. 32 / 15 ≈ 2.1 bytes per entry,
 * and any hash is folded from at most 8 kept hashes or 8 leaves; a proof reads the leaves of
 * at most two tiles of 16 (the leaf's, or the first tree's edge, and the last, partial one).
 */
export const AUDIT_TREE_TILE_HEIGHT = 4;

/** Whether the store keeps the hashes of the subtrees of `level` (level 0, the leaves, is never kept: the entries are). */
export function isStoredLevel(level: number, height: number): boolean {
  return level > 0 && level % height === 0;
}

/** What a set of subtree hashes needs from a tiled store: kept hashes, and leaves (disjoint ranges, in order). */
export interface TiledReads {
  stored: SubtreeRef[];
  leaves: LeafRange[];
}

/** The kept level a subtree's hash is folded from (0: from the leaves), and how many of its hashes. */
function baseOf(ref: SubtreeRef, height: number): { base: number; lo: number; hi: number } {
  const base = ref.level - (ref.level % height);
  const width = 2 ** (ref.level - base);
  return { base, lo: ref.index * width, hi: (ref.index + 1) * width };
}

/** The kept hashes and the leaves the hashes of `refs` are computed from (each read once). */
export function tiledReads(refs: readonly SubtreeRef[], height: number): TiledReads {
  if (!Number.isInteger(height) || height < 1) throw new RangeError(`no tiles of height ${height}`);
  const stored = new Map<string, SubtreeRef>();
  const ranges: LeafRange[] = [];
  for (const ref of refs) {
    const { base, lo, hi } = baseOf(ref, height);
    if (base === 0) ranges.push({ lo, hi });
    else for (let i = lo; i < hi; i++) stored.set(`${base}/${i}`, { level: base, index: i });
  }
  ranges.sort((a, b) => a.lo - b.lo);
  const leaves: LeafRange[] = [];
  for (const r of ranges) {
    const last = leaves[leaves.length - 1];
    if (last !== undefined && r.lo <= last.hi) last.hi = Math.max(last.hi, r.hi);
    else leaves.push({ ...r });
  }
  return { stored: [...stored.values()], leaves };
}

/** The hash of a complete subtree from its 2^r children's hashes, left to right (r ≥ 0). */
export function subtreeHash(children: readonly Uint8Array[], hasher: MerkleHasher): Uint8Array {
  if (children.length === 0 || (children.length & (children.length - 1)) !== 0) throw new RangeError(`a complete subtree has a power of 2 of children, not ${children.length}`);
  let row = [...children];
  while (row.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(hasher.node(row[i] as Uint8Array, row[i + 1] as Uint8Array));
    row = next;
  }
  return row[0] as Uint8Array;
}

/** Reads what `tiledReads` names, in one go: the kept hashes in the order asked, and the leaf hashes of each leaf range. */
export type TileFetch = (reads: TiledReads) => Promise<{ stored: Uint8Array[]; leaves: Uint8Array[][] }>;

/** A SubtreeReader over a tiled store: each call makes one `fetch`, and folds every hash asked from what it read. */
export function tiledReader(height: number, fetch: TileFetch, hasher: MerkleHasher): SubtreeReader {
  return async (refs) => {
    if (refs.length === 0) return [];
    const reads = tiledReads(refs, height);
    const got = await fetch(reads);
    if (got.stored.length !== reads.stored.length) throw new Error(`read ${got.stored.length} kept hashes of ${reads.stored.length}`);
    const stored = new Map<string, Uint8Array>();
    reads.stored.forEach((ref, i) => stored.set(`${ref.level}/${ref.index}`, got.stored[i] as Uint8Array));
    const leaves = new Map<number, Uint8Array>();
    reads.leaves.forEach((r, n) => got.leaves[n]?.forEach((h, i) => leaves.set(r.lo + i, h)));
    const leaf = (i: number): Uint8Array => {
      const found = leaves.get(i);
      if (found === undefined) throw new Error(`the audit tree has no leaf ${i}`);
      return found;
    };
    return refs.map((ref) => {
      const { base, lo, hi } = baseOf(ref, height);
      const children: Uint8Array[] = [];
      for (let i = lo; i < hi; i++) {
        const h = base === 0 ? leaf(i) : stored.get(`${base}/${i}`);
        if (h === undefined) throw new Error(`the audit tree has no subtree ${base}/${i}`);
        children.push(h);
      }
      return subtreeHash(children, hasher);
    });
  };
}

function storedBelow(j: number, fanout: number): number {
  let total = 0;
  for (let n = j; n > 0; n = Math.floor(n / fanout)) total += n;
  return total;
}

/**
 * Where the store keeps the hash of subtree `index` of a kept `level` (a multiple of
 * `height`): its position in the order appendLeaves completes them, the kept ones only
 * (each hash of level `height`, then the kept subtrees it completes, bottom up — Go
 * sumdb/tlog's StoredHashIndex, with 2^height-ary levels).
 */
export function storedTileIndex(level: number, index: number, height: number): number {
  if (!isStoredLevel(level, height)) throw new RangeError(`level ${level} is not kept with tiles of height ${height}`);
  const fanout = 2 ** height;
  const above = level / height - 1;
  // The last subtree of the first kept level under it: it is completed right after that one, and the kept subtrees between.
  const last = (index + 1) * fanout ** above - 1;
  return storedBelow(last, fanout) + above;
}

/** How many hashes the store keeps for a tree of `size` leaves (where the next kept hash goes). */
export function storedTileCount(size: number, height: number): number {
  return storedBelow(Math.floor(size / 2 ** height), 2 ** height);
}

/**
 * The audit log's Merkle tree (RFC 6962 / RFC 9162): leaves are the entries' texts in
 * sequence, leaf hash SHA-256(0x00 || text), node hash SHA-256(0x01 || left || right).
 * Pure algorithms, no I/O and no Node module: the hashing is handed in (`MerkleHasher`),
 * so the console can bundle this module too.
 *
 * Every hash a proof or a root needs is that of a complete, aligned subtree — level `l`,
 * index `i`: the leaves [i·2^l, (i+1)·2^l) — or of a range [lo, hi) that starts aligned and
 * folds from at most log2(size) of them (`completeSubtrees`, `foldRange`). Where those come
 * from is the reader's business (`SubtreeReader`): the store keeps some levels only and folds
 * the others (merkle-tiles.ts); the console and the CLI hold every level in memory.
 */

/** SHA-256 as the tree uses it (sync). */
export interface MerkleHasher {
  /** SHA-256(0x00 || data). */
  leaf(data: Uint8Array): Uint8Array;
  /** SHA-256(0x01 || left || right). */
  node(left: Uint8Array, right: Uint8Array): Uint8Array;
}

/** A complete subtree: the leaves [index·2^level, (index+1)·2^level). */
export interface SubtreeRef {
  level: number;
  index: number;
}

/** A range of leaves [lo, hi) whose hash a proof holds. */
export interface LeafRange {
  lo: number;
  hi: number;
}

/** The largest power of 2 strictly less than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function lsb(x: number): boolean {
  return x % 2 === 1;
}

function powerOf2(x: number): boolean {
  let n = x;
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

/**
 * The complete subtrees that make up [lo, hi), largest first. `lo` must be aligned to the
 * largest of them (every range a root or an RFC 9162 proof needs is).
 */
export function completeSubtrees(lo: number, hi: number): SubtreeRef[] {
  const out: SubtreeRef[] = [];
  let at = lo;
  let rest = hi - lo;
  let size = 1;
  let level = 0;
  while (size * 2 <= rest) {
    size *= 2;
    level += 1;
  }
  while (rest > 0) {
    if (size <= rest) {
      if (at % size !== 0) throw new RangeError(`the range [${lo}, ${hi}) does not start aligned`);
      out.push({ level, index: at / size });
      at += size;
      rest -= size;
    }
    size /= 2;
    level -= 1;
  }
  return out;
}

/** The hash of a range from its complete subtrees' hashes (largest first): folded from the right, as RFC 6962's MTH splits it. */
export function foldRange(parts: readonly Uint8Array[], hasher: MerkleHasher): Uint8Array {
  if (parts.length === 0) throw new RangeError('an empty range has no hash here');
  let h = parts[parts.length - 1] as Uint8Array;
  for (let i = parts.length - 2; i >= 0; i--) h = hasher.node(parts[i] as Uint8Array, h);
  return h;
}

/** The ranges whose hashes make up the inclusion proof of leaf `index` in the tree of `size` leaves, in proof order (RFC 9162 2.1.3.1). */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const out: LeafRange[] = [];
  const walk = (lo: number, hi: number): void => {
    if (hi - lo === 1) return;
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      walk(lo, lo + k);
      out.push({ lo: lo + k, hi });
    } else {
      walk(lo + k, hi);
      out.push({ lo, hi: lo + k });
    }
  };
  walk(0, size);
  return out;
}

/** The ranges whose hashes make up the consistency proof from tree size `from` to `to` (1 ≤ from ≤ to), in proof order (RFC 9162 2.1.4.1). */
export function consistencyProofRanges(from: number, to: number): LeafRange[] {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || from > to) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  const out: LeafRange[] = [];
  const sub = (m: number, lo: number, hi: number, whole: boolean): void => {
    const n = hi - lo;
    if (m === n) {
      if (!whole) out.push({ lo, hi });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, lo, lo + k, whole);
      out.push({ lo: lo + k, hi });
    } else {
      sub(m - k, lo + k, hi, false);
      out.push({ lo, hi: lo + k });
    }
  };
  sub(from, 0, to, true);
  return out;
}

/** Reads stored complete-subtree hashes (in any order it likes; answers them in the order asked). */
export type SubtreeReader = (refs: readonly SubtreeRef[]) => Uint8Array[] | Promise<Uint8Array[]>;

/** The hashes of ranges, each folded from its complete subtrees, read in one call. */
export async function rangeHashes(ranges: readonly LeafRange[], read: SubtreeReader, hasher: MerkleHasher): Promise<Uint8Array[]> {
  const parts = ranges.map((r) => completeSubtrees(r.lo, r.hi));
  const flat = parts.flat();
  const hashes = flat.length === 0 ? [] : await read(flat);
  if (hashes.length !== flat.length) throw new Error(`read ${hashes.length} subtree hashes of ${flat.length}`);
  let at = 0;
  return parts.map((p) => {
    const mine = hashes.slice(at, at + p.length);
    at += p.length;
    return foldRange(mine, hasher);
  });
}

/** The root of the tree of `size` leaves (size ≥ 1). */
export async function treeRoot(size: number, read: SubtreeReader, hasher: MerkleHasher): Promise<Uint8Array> {
  const [root] = await rangeHashes([{ lo: 0, hi: size }], read, hasher);
  return root as Uint8Array;
}

export async function inclusionProof(index: number, size: number, read: SubtreeReader, hasher: MerkleHasher): Promise<Uint8Array[]> {
  return rangeHashes(inclusionProofRanges(index, size), read, hasher);
}

export async function consistencyProof(from: number, to: number, read: SubtreeReader, hasher: MerkleHasher): Promise<Uint8Array[]> {
  return rangeHashes(consistencyProofRanges(from, to), read, hasher);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/** RFC 9162 2.1.3.2: whether `proof` shows the leaf hash `leaf` at `index` in the tree of `size` leaves with root `root`. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array, hasher: MerkleHasher): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = hasher.node(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hasher.node(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equal(r, root);
}

/** RFC 9162 2.1.4.2: whether `proof` shows the tree of `to` leaves (root `toRoot`) extends the tree of `from` leaves (root `fromRoot`). */
export function verifyConsistency(from: number, to: number, fromRoot: Uint8Array, toRoot: Uint8Array, proof: readonly Uint8Array[], hasher: MerkleHasher): boolean {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || from > to) return false;
  if (from === to) return proof.length === 0 && equal(fromRoot, toRoot);
  if (proof.length === 0) return false;
  const path = [...proof];
  // A first tree of a power-of-2 size is itself a node of the second: its root heads the path.
  if (powerOf2(from)) path.unshift(fromRoot);
  let fn = from - 1;
  let sn = to - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = path[0] as Uint8Array;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = hasher.node(c, fr);
      sr = hasher.node(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hasher.node(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equal(fr, fromRoot) && equal(sr, toRoot);
}

/**
 * What appending leaves changes in the stored tree: given the hashes of the complete
 * subtrees on the right edge of the tree of `size` leaves (`frontier`: one per set bit of
 * `size`, largest first, as `completeSubtrees(0, size)` names them), the new leaf hashes
 * append and every complete subtree they finish comes out, with the frontier after.
 */
export function appendLeaves(size: number, frontier: readonly Uint8Array[], leaves: readonly Uint8Array[], hasher: MerkleHasher): { nodes: Array<SubtreeRef & { hash: Uint8Array }>; frontier: Uint8Array[] } {
  const stack = completeSubtrees(0, size).map((ref, i) => ({ ...ref, hash: frontier[i] as Uint8Array }));
  if (stack.some((s) => s.hash === undefined)) throw new Error(`the frontier of a tree of ${size} has ${completeSubtrees(0, size).length} hashes, not ${frontier.length}`);
  const nodes: Array<SubtreeRef & { hash: Uint8Array }> = [];
  let n = size;
  for (const leaf of leaves) {
    let top = { level: 0, index: n, hash: leaf };
    nodes.push(top);
    n += 1;
    while (stack.length > 0 && (stack[stack.length - 1] as SubtreeRef).level === top.level) {
      const left = stack.pop() as SubtreeRef & { hash: Uint8Array };
      top = { level: top.level + 1, index: left.index / 2, hash: hasher.node(left.hash, top.hash) };
      nodes.push(top);
    }
    stack.push(top);
  }
  return { nodes, frontier: stack.map((s) => s.hash) };
}

/**
 * Where a store that keeps every level (Go's layout, and quorumd's own before tiles — see
 * merkle-tiles.ts) keeps a complete subtree's hash: its position in the order appendLeaves
 * makes them (each leaf, then the subtrees it completes, bottom up) — the order of Go's
 * golang.org/x/mod/sumdb/tlog (StoredHashIndex). Level l's n-th hash comes right after
 * level l−1's (2n+1)-th; level 0's n-th is at n + n/2 + n/4 + ….
 */
export function storedHashIndex(level: number, index: number): number {
  let n = index;
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = Math.floor(n / 2)) i += n;
  return i + level;
}

/** How many hashes a store of every level holds for a tree of `size` leaves (where leaf `size` goes next). */
export function storedHashCount(size: number): number {
  return storedHashIndex(0, size);
}

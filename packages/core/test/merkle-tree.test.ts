import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import {
  appendLeaves,
  completeSubtrees,
  storedHashCount,
  storedHashIndex,
  checkpointBody,
  consistencyProof,
  inclusionProof,
  nodeMerkleHasher as H,
  noteVerifierKey,
  openCheckpoint,
  parseNoteVerifierKey,
  rawEd25519PublicKey,
  signNote,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
  type SubtreeRef,
} from '../src';

/** RFC 6962 section 2.1, word for word over the whole list of leaf hashes: the reference the stored-subtree algorithms must agree with. */
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

/** A tree grown leaf by leaf with appendLeaves, as the sealer grows it: its stored complete subtrees, and a reader over them. */
function grow(texts: string[], batch = 7): { leaves: Uint8Array[]; read: (refs: readonly SubtreeRef[]) => Uint8Array[] } {
  const stored = new Map<string, Uint8Array>();
  const leaves = texts.map((t) => H.leaf(Buffer.from(t)));
  let frontier: Uint8Array[] = [];
  for (let at = 0; at < leaves.length; at += batch) {
    const step = appendLeaves(at, frontier, leaves.slice(at, at + batch), H);
    for (const n of step.nodes) stored.set(`${n.level}/${n.index}`, n.hash);
    frontier = step.frontier;
  }
  return {
    leaves,
    read: (refs) =>
      refs.map((r) => {
        const h = stored.get(`${r.level}/${r.index}`);
        if (!h) throw new Error(`no stored subtree ${r.level}/${r.index}`);
        return h;
      }),
  };
}

const texts = (n: number): string[] => Array.from({ length: n }, (_, i) => `{"seq":${i + 1}}`);
const hex = (hs: Uint8Array[]): string[] => hs.map((h) => Buffer.from(h).toString('hex'));

describe('the audit Merkle tree (RFC 6962 / 9162)', () => {
  it('hashes a leaf as SHA-256(0x00 || text) and a node as SHA-256(0x01 || left || right): the RFC 6962 empty-ish vectors', () => {
    // RFC 6962 test vectors (certificate-transparency-go): the leaf of the empty string, and of 0x00.
    expect(Buffer.from(H.leaf(Buffer.alloc(0))).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(Buffer.from(H.leaf(Buffer.of(0))).toString('hex')).toBe('96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7');
  });

  it('grows the same root, inclusion and consistency proofs from stored subtrees as RFC 6962 computes over all leaves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 140 }), fc.integer({ min: 1, max: 33 }), fc.nat(), fc.nat(), async (size, batch, a, b) => {
        const { leaves, read } = grow(texts(size), batch);
        const root = await treeRoot(size, read, H);
        expect(Buffer.from(root).equals(Buffer.from(naiveRoot(leaves)))).toBe(true);
        const index = a % size;
        expect(hex(await inclusionProof(index, size, read, H))).toEqual(hex(naivePath(index, leaves)));
        const from = 1 + (b % size);
        expect(hex(await consistencyProof(from, size, read, H))).toEqual(hex(from === size ? [] : naiveSubproof(from, leaves, true)));
      }),
      { numRuns: 300 },
    );
  });

  it('completes subtrees in the storage order of Go sumdb/tlog: each new hash at the next stored index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 70 }), (size, count) => {
        const { read } = grow(texts(size || 1));
        const frontier = size === 0 ? [] : read(completeSubtrees(0, size));
        const { nodes } = appendLeaves(size, frontier, texts(count).map((t) => H.leaf(Buffer.from(t))), H);
        expect(nodes.map((n) => storedHashIndex(n.level, n.index))).toEqual(Array.from({ length: nodes.length }, (_, i) => storedHashCount(size) + i));
        expect(storedHashCount(size + count)).toBe(storedHashCount(size) + nodes.length);
      }),
      { numRuns: 200 },
    );
    // Go's StoredHashIndex(1, 0) = 2, (0, 2) = 3, (2, 0) = 6.
    expect([storedHashIndex(1, 0), storedHashIndex(0, 2), storedHashIndex(2, 0)]).toEqual([2, 3, 6]);
  });

  it('verifies every inclusion proof of a 1,000-entry log, and consistency proofs between random sizes', async () => {
    const { leaves, read } = grow(texts(1000), 100);
    const root = await treeRoot(1000, read, H);
    for (let i = 0; i < 1000; i++) {
      expect(verifyInclusion(i, 1000, leaves[i] as Uint8Array, await inclusionProof(i, 1000, read, H), root, H)).toBe(true);
    }
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), async (x, y) => {
        const [from, to] = x <= y ? [x, y] : [y, x];
        const proof = await consistencyProof(from, to, read, H);
        expect(verifyConsistency(from, to, await treeRoot(from, read, H), await treeRoot(to, read, H), proof, H)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a tampered leaf, a tampered proof hash, and a proof for another size or index', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 200 }), fc.nat(), fc.nat(), async (size, a, b) => {
        const { leaves, read } = grow(texts(size));
        const root = await treeRoot(size, read, H);
        const index = a % size;
        const proof = await inclusionProof(index, size, read, H);
        const leaf = leaves[index] as Uint8Array;
        expect(verifyInclusion(index, size, H.leaf(Buffer.from('tampered')), proof, root, H)).toBe(false);
        if (proof.length > 0) {
          const bad = proof.map((p) => Buffer.from(p));
          const flipped = bad[b % bad.length] as Buffer;
          flipped.writeUInt8(flipped.readUInt8(0) ^ 1, 0);
          expect(verifyInclusion(index, size, leaf, bad, root, H)).toBe(false);
        }
        const other = 1 + (b % size);
        if (other !== size && index < other) {
          // The same proof, claimed for the tree of another size (whose root it is checked against).
          expect(verifyInclusion(index, other, leaf, proof, await treeRoot(other, read, H), H)).toBe(false);
        }
        expect(verifyInclusion((index + 1) % size, size, leaf, proof, root, H)).toBe(false);
        const from = 1 + (b % (size - 1));
        const cproof = await consistencyProof(from, size, read, H);
        const fromRoot = await treeRoot(from, read, H);
        expect(verifyConsistency(from, size, fromRoot, root, cproof, H)).toBe(true);
        expect(verifyConsistency(from, size, H.leaf(Buffer.from('x')), root, cproof, H)).toBe(false);
        expect(verifyConsistency(from, size, fromRoot, H.leaf(Buffer.from('x')), cproof, H)).toBe(false);
        if (from > 1 && from < size - 1) expect(verifyConsistency(from - 1, size, await treeRoot(from - 1, read, H), root, cproof, H)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('checkpoints as C2SP signed notes', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = rawEd25519PublicKey(publicKey);
  const name = 'quorumd/quorumd-a';
  const body = checkpointBody(name, 7, H.leaf(Buffer.from('r')));

  it('opens a note it signed with the verifier key it publishes, and reads the checkpoint body', () => {
    const note = signNote(body, name, raw, (m) => sign(null, m, privateKey));
    expect(note.startsWith(`${body}\n— ${name} `)).toBe(true);
    const vkey = noteVerifierKey(name, raw);
    expect(vkey).toMatch(/^quorumd\/quorumd-a\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/u);
    const opened = openCheckpoint(note, parseNoteVerifierKey(vkey));
    expect(opened).toEqual({ ok: true, checkpoint: { origin: name, size: 7, root: Buffer.from(H.leaf(Buffer.from('r'))) } });
  });

  it('refuses a note signed by another key under the same name, and a body changed after signing', () => {
    const other = generateKeyPairSync('ed25519');
    const forged = signNote(body, name, rawEd25519PublicKey(other.publicKey), (m) => sign(null, m, other.privateKey));
    const verifier = parseNoteVerifierKey(noteVerifierKey(name, raw));
    expect(openCheckpoint(forged, verifier)).toMatchObject({ ok: false });
    const note = signNote(body, name, raw, (m) => sign(null, m, privateKey));
    expect(openCheckpoint(note.replace('\n7\n', '\n8\n'), verifier)).toMatchObject({ ok: false, reason: expect.stringContaining('does not verify') });
  });
});

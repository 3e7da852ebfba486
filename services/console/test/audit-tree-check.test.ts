import { generateKeyPairSync, sign } from 'node:crypto';
import { appendLeaves, auditLeafHash, checkpointBody, consistencyProof, inclusionProof, nodeMerkleHasher, rawEd25519PublicKey, signNote, treeRoot, type SubtreeRef } from '@quorumd/core';
import { checkAuditTree } from '../src/audit-tree-check';

/** The console's tree check (browser hashing, node-forge) agrees with the sealer's notes and the service's proofs (Node), and fails on a rewrite. */
describe('console audit tree check', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const origin = 'quorumd/quorumd-a';
  const texts = Array.from({ length: 37 }, (_, i) => `{"seq":${i + 1},"type":"t","data":{"n":"é${i + 1}"}}`);
  const stored = new Map<string, Uint8Array>();
  for (const n of appendLeaves(0, [], texts.map(auditLeafHash), nodeMerkleHasher).nodes) stored.set(`${n.level}/${n.index}`, n.hash);
  const read = (refs: readonly SubtreeRef[]) => refs.map((r) => stored.get(`${r.level}/${r.index}`) as Uint8Array);
  const b64 = (hs: Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('base64'));
  const note = async (size: number, key = privateKey, pub = publicKey) => signNote(checkpointBody(origin, size, await treeRoot(size, read, nodeMerkleHasher)), origin, rawEd25519PublicKey(pub), (m) => sign(null, m, key));

  it('verifies the latest note, the recomputed root and the proofs; refuses a rewritten entry and a note of another key', async () => {
    const input = { entries: texts, publicKeyPem, latest: await note(30), oldest: await note(7), consistency: b64(await consistencyProof(7, 30, read, nodeMerkleHasher)), inclusion: b64(await inclusionProof(29, 30, read, nodeMerkleHasher)) };
    expect(await checkAuditTree(input)).toEqual({ ok: true, line: expect.stringMatching(/^audit tree OK: the checkpoint of quorumd\/quorumd-a at entry 30 verified/) });
    expect((await checkAuditTree({ ...input, entries: texts.map((t, i) => (i === 3 ? t.replace('é4', 'x4') : t)) })).line).toMatch(/not the Merkle root/);
    const other = generateKeyPairSync('ed25519');
    expect((await checkAuditTree({ ...input, latest: await note(30, other.privateKey, other.publicKey) })).line).toMatch(/BROKEN: the checkpoint is not signed by the audit key/);
    expect((await checkAuditTree({ ...input, consistency: b64(await consistencyProof(8, 30, read, nodeMerkleHasher)) })).line).toMatch(/consistency proof .* does not verify/);
  });
});

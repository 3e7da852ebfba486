import forge from 'node-forge';
import { appendLeaves, treeRoot, verifyConsistency, verifyInclusion, type MerkleHasher, type SubtreeRef } from '@quorumd/core/dist/merkle-tree';
import { ed25519Check } from './audit-crypto';
import { base64ToBytes, binaryToBytes, bytesToBinary, pemBody } from './byte-encoding';

/**
 * The console's Verify, second half: the audit log as a transparency log. The latest signed
 * checkpoint (a C2SP signed note) must open with the deployment's audit key, its root must be
 * the Merkle root (RFC 6962) of the entries the first half checked, recomputed here; the
 * service's consistency proof from the oldest signed note to it and its inclusion proof of the
 * last entry it covers must verify (RFC 9162) — core's merkle-tree.ts, with node-forge's
 * SHA-256 (the tree's algorithms are synchronous).
 */
const utf8 = new TextEncoder();

function sha256(...parts: Uint8Array[]): Uint8Array {
  const md = forge.md.sha256.create();
  for (const p of parts) md.update(bytesToBinary(p));
  return binaryToBytes(md.digest().getBytes());
}

const forgeMerkleHasher: MerkleHasher = {
  leaf: (data) => sha256(Uint8Array.of(0), data),
  node: (left, right) => sha256(Uint8Array.of(1), left, right),
};

interface OpenedNote {
  origin: string;
  size: number;
  root: Uint8Array;
}

/** Opens a signed note with the audit key (its signature line under the origin's name); its checkpoint, or why not. */
async function openNoteInBrowser(note: string, publicKeyPem: string): Promise<OpenedNote | string> {
  const split = note.lastIndexOf('\n\n');
  if (!note.endsWith('\n') || split < 0) return 'the checkpoint is not a signed note';
  const text = note.slice(0, split + 1);
  const [origin = '', sizeText = '', rootText = ''] = text.split('\n');
  const raw = pemRaw(publicKeyPem);
  const keyHash = sha256(utf8.encode(`${origin}\n`), Uint8Array.of(1), raw).subarray(0, 4);
  const check = await ed25519Check(publicKeyPem);
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m || m[1] !== origin) continue;
    const sig = base64ToBytes(m[2] as string);
    if (sig.length !== 68 || !sig.subarray(0, 4).every((b, i) => b === keyHash[i])) continue;
    if (!(await check(utf8.encode(text), sig.subarray(4)))) return `the signature of ${origin} on the checkpoint does not verify with the audit key`;
    if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) return 'the checkpoint size is not a number';
    return { origin, size: Number(sizeText), root: base64ToBytes(rootText) };
  }
  return `the checkpoint is not signed by the audit key under ${origin}`;
}

function pemRaw(pem: string): Uint8Array {
  const der = pemBody(pem);
  return der.subarray(der.length - 32);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface TreeCheckInput {
  /** The entries' texts from seq 1 (the chain check's). */
  entries: readonly string[];
  publicKeyPem: string;
  /** The latest signed checkpoint, and the oldest one with a note. */
  latest: string;
  oldest: string;
  /** The service's consistency proof from the oldest's size to the latest's, and its inclusion proof of the latest's last leaf (base64). */
  consistency: readonly string[];
  inclusion: readonly string[];
}

/** One line: what was checked, or the first thing that fails (prefixed `BROKEN`). */
export async function checkAuditTree(input: TreeCheckInput): Promise<{ ok: boolean; line: string }> {
  const broken = (why: string) => ({ ok: false, line: `audit tree BROKEN: ${why}` });
  const latest = await openNoteInBrowser(input.latest, input.publicKeyPem);
  if (typeof latest === 'string') return broken(latest);
  const oldest = await openNoteInBrowser(input.oldest, input.publicKeyPem);
  if (typeof oldest === 'string') return broken(oldest);
  if (latest.size > input.entries.length) return broken(`the log ends at entry ${input.entries.length}, before the signed checkpoint at entry ${latest.size}`);
  const stored = new Map<string, Uint8Array>();
  const leaves = input.entries.slice(0, latest.size).map((t) => forgeMerkleHasher.leaf(utf8.encode(t)));
  for (const n of appendLeaves(0, [], leaves, forgeMerkleHasher).nodes) stored.set(`${n.level}/${n.index}`, n.hash);
  const read = (refs: readonly SubtreeRef[]) => refs.map((r) => stored.get(`${r.level}/${r.index}`) as Uint8Array);
  if (!equal(await treeRoot(latest.size, read, forgeMerkleHasher), latest.root)) return broken(`the checkpoint at entry ${latest.size} is not the Merkle root of the entries up to it: an entry was rewritten`);
  if (!verifyConsistency(oldest.size, latest.size, oldest.root, latest.root, input.consistency.map(base64ToBytes), forgeMerkleHasher)) {
    return broken(`the service's consistency proof from the checkpoint at entry ${oldest.size} to the one at entry ${latest.size} does not verify: the log was rewritten between them`);
  }
  if (!verifyInclusion(latest.size - 1, latest.size, leaves[latest.size - 1] as Uint8Array, input.inclusion.map(base64ToBytes), latest.root, forgeMerkleHasher)) {
    return broken(`the service's inclusion proof of entry ${latest.size} does not verify`);
  }
  return { ok: true, line: `audit tree OK: the checkpoint of ${latest.origin} at entry ${latest.size} verified, its Merkle root recomputed, consistent with the one at entry ${oldest.size}, entry ${latest.size} proven included` };
}

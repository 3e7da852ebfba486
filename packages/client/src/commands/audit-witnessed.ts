import { readFileSync } from 'node:fs';
import {
  appendLeaves,
  auditLeafHash,
  nodeMerkleHasher,
  noteVerifierKey,
  openCheckpoint,
  parseCheckpointBody,
  parseNoteVerifierKey,
  parseWitnessVerifierKey,
  rawEd25519PublicKey,
  splitNote,
  treeRoot,
  verifyCosignature,
  type SubtreeRef,
} from '@quorumd/core';
import type { QuorumClient } from '../quorum-client';

/** A key given as its text (`<name>+<hash>+<key>`) or as a file holding it. */
function keyText(given: string): string {
  return given.includes('+') ? given : readFileSync(given, 'utf8').trim();
}

/** The Merkle root (RFC 6962) of entries' texts, computed here. */
async function rootOf(texts: readonly string[]): Promise<Buffer> {
  const stored = new Map<string, Uint8Array>();
  for (const n of appendLeaves(0, [], texts.map(auditLeafHash), nodeMerkleHasher).nodes) stored.set(`${n.level}/${n.index}`, n.hash);
  const read = (refs: readonly SubtreeRef[]): Uint8Array[] => refs.map((r) => stored.get(`${r.level}/${r.index}`) as Uint8Array);
  return Buffer.from(await treeRoot(texts.length, read, nodeMerkleHasher));
}

/**
 * `quorum audit verify --witness KEY`: the service's latest checkpoint (GET /v1/audit/checkpoint)
 * must open with the log's audit key (pinned, or as published), carry a cosignature of that
 * witness that verifies (C2SP tlog-cosignature v1), and its root must be the root of the
 * log's entries up to its size, computed here from the entries.
 */
export async function witnessedCheckpoint(client: QuorumClient, witnessKeys: readonly string[], pinnedPem: string | undefined): Promise<{ ok: true; line: string } | { ok: false; reason: string }> {
  const note = await client.auditCheckpointNote();
  let origin: string;
  try {
    origin = parseCheckpointBody(splitNote(note).text).origin;
  } catch (err) {
    return { ok: false, reason: `the checkpoint is not a signed tlog-checkpoint: ${(err as Error).message}` };
  }
  const pem = pinnedPem ?? (await client.auditPublicKeyPem());
  const opened = openCheckpoint(note, parseNoteVerifierKey(noteVerifierKey(origin, rawEd25519PublicKey(pem))));
  if (!opened.ok) return { ok: false, reason: `checkpoint: ${opened.reason}` };
  const { size, root } = opened.checkpoint;
  const witnessed: string[] = [];
  for (const given of witnessKeys) {
    let witness: ReturnType<typeof parseWitnessVerifierKey>;
    try {
      witness = parseWitnessVerifierKey(keyText(given));
    } catch (err) {
      return { ok: false, reason: `--witness: ${(err as Error).message}` };
    }
    const cosigned = verifyCosignature(note, witness);
    if (!cosigned.ok) return { ok: false, reason: `checkpoint at entry ${size}: ${cosigned.reason}` };
    witnessed.push(`${witness.name} (${new Date(cosigned.timestamp * 1000).toISOString()})`);
  }
  const entries = await client.auditRaw(size);
  if (entries.length < size) return { ok: false, reason: `the log ends at entry ${entries.length}, before the witnessed checkpoint at entry ${size}: its tail was cut` };
  if (!(await rootOf(entries)).equals(root)) return { ok: false, reason: `the witnessed checkpoint at entry ${size} is not the Merkle root of the log's entries up to it: an entry was rewritten` };
  return { ok: true, line: `checkpoint at entry ${size} cosigned by ${witnessed.join(', ')}` };
}

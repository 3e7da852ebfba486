import { auditLeafHash, nodeMerkleHasher, openCheckpoint, parseAuditEntry, parseNoteVerifierKey, parseTokenBytes, verifyInclusion } from '@quorumd/core';
import type { Bundle } from './quorum-client';

/**
 * A bundle's proof of being logged (its `logProof`), checked offline against a pinned audit
 * verifier key: the checkpoint opens with that key (a note signed by any other key — a log
 * rewritten and re-signed — fails), and each entry it carries is in that checkpoint's tree
 * (RFC 9162 inclusion proof) at its index, is the token's own `token.approved` or
 * `token.consumed` entry with the seq of that index, and the token's `token.approved` is one
 * of them. Kept apart from bundle-verify.ts: the approvals' check does not depend on it.
 */
export type LogProofVerdict =
  | {
      ok: true;
      /** The checkpoint's origin and size. */
      origin: string;
      size: number;
      /** The entries proven, `type@seq`. */
      entries: string[];
    }
  | { ok: false; reason: string };

export function verifyBundleLogProof(bundle: Bundle, verifierKeyText: string): LogProofVerdict {
  const proof = bundle.logProof;
  if (!proof) return { ok: false, reason: 'the bundle carries no proof of being logged (no logProof: its entries were not covered by a signed checkpoint when it was made; fetch the bundle again)' };
  let tokenId: string;
  try {
    tokenId = parseTokenBytes(Buffer.from(bundle.tokenBytes, 'base64')).id;
  } catch (err) {
    return { ok: false, reason: `token bytes: ${(err as Error).message}` };
  }
  return verifyLogProof(proof, verifierKeyText, tokenId);
}

/** A log proof (a bundle's `logProof`, or the `Quorum-Log-Proof` receipt of an AWS CloudHSM token file's fetch) of token `tokenId`. */
export function verifyLogProof(proof: NonNullable<Bundle['logProof']>, verifierKeyText: string, tokenId: string): LogProofVerdict {
  let verifier: ReturnType<typeof parseNoteVerifierKey>;
  try {
    verifier = parseNoteVerifierKey(verifierKeyText);
  } catch (err) {
    return { ok: false, reason: `--audit-key: ${(err as Error).message}` };
  }
  const opened = openCheckpoint(proof.checkpoint, verifier);
  if (!opened.ok) return { ok: false, reason: `audit checkpoint: ${opened.reason}` };
  const { size, root, origin } = opened.checkpoint;
  const proven: string[] = [];
  for (const entry of proof.entries) {
    const hashes = entry.hashes.map((h) => Buffer.from(h, 'base64'));
    if (!verifyInclusion(entry.index, size, auditLeafHash(entry.text), hashes, root, nodeMerkleHasher)) {
      return { ok: false, reason: `audit entry ${entry.index + 1}: its inclusion proof does not verify against the signed checkpoint of size ${size} (the entry or the proof was changed)` };
    }
    let parsed: ReturnType<typeof parseAuditEntry>;
    try {
      parsed = parseAuditEntry(entry.text);
    } catch {
      return { ok: false, reason: `audit entry ${entry.index + 1} is not JSON` };
    }
    if (parsed.seq !== entry.index + 1) return { ok: false, reason: `audit entry at index ${entry.index} holds seq ${String(parsed.seq)}` };
    const id = (parsed.data as { id?: unknown } | null)?.id;
    if ((parsed.type !== 'token.approved' && parsed.type !== 'token.consumed') || id !== tokenId) {
      return { ok: false, reason: `audit entry ${parsed.seq} is ${parsed.type} of ${String(id)}, not the approval or use of token ${tokenId}` };
    }
    proven.push(`${parsed.type}@${parsed.seq}`);
  }
  if (!proven.some((p) => p.startsWith('token.approved@'))) return { ok: false, reason: `the bundle proves no token.approved entry of token ${tokenId} in the signed log` };
  return { ok: true, origin, size, entries: proven };
}

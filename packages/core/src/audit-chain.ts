import { createHash, createPublicKey, verify as verifySignatureWith, type KeyObject } from 'node:crypto';
import { GENESIS_HASH, chainInput, checkpointText, type AuditCrypto } from './audit-ledger';

/**
 * The audit chain's hashing and checkpoint signatures with Node's crypto: what the sealer
 * computes, and the `AuditCrypto` that the Node verifiers (npm run audit:verify, quorum
 * audit verify) hand to the one verifier (audit-ledger.ts).
 */

/** The chain's next hash: SHA-256 over the previous hash (hex), a newline and the entry's text. */
export function chainHash(previous: string, entryText: string): string {
  return createHash('sha256').update(chainInput(previous, entryText), 'utf8').digest('hex');
}

/** The hashes of a run of entries, continuing from `previous`. */
export function chainHashes(entryTexts: readonly string[], previous = GENESIS_HASH): string[] {
  const out: string[] = [];
  let prev = previous;
  for (const text of entryTexts) {
    prev = chainHash(prev, text);
    out.push(prev);
  }
  return out;
}

/** Exactly what a checkpoint signs: five lines, each ended by `\n`. */
export function checkpointMessage(issuer: string, seq: number, hash: string, at: string): Buffer {
  return Buffer.from(checkpointText(issuer, seq, hash, at), 'utf8');
}

function ed25519Valid(publicKey: KeyObject, message: string, signatureBase64: string): boolean {
  try {
    return verifySignatureWith(null, Buffer.from(message, 'utf8'), publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/** Node's hashing and Ed25519 check for the verifier; without a key (PEM or KeyObject) no checkpoint verifies. */
export function nodeAuditCrypto(publicKey?: KeyObject | string): AuditCrypto {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return {
    sha256Hex: (text) => createHash('sha256').update(text, 'utf8').digest('hex'),
    ...(key ? { checkpointSignatureValid: (message: string, signature: string) => ed25519Valid(key, message, signature) } : {}),
  };
}

import { decodeSignature, parseQuorumPublicKey, parseTokenBytes, toKeyObject, verifySignature, type SignatureAlg } from '@quorumd/core';
import type { Bundle } from './quorum-client';

export type BundleVerdict = { ok: true; tokenId: string; approvals: number; m: number } | { ok: false; reason: string };

/**
 * Offline check of an approval bundle: canonical token bytes, and approvals from distinct
 * keys of distinct users that verify over those bytes, at least as many as the token
 * needs — its signed m, or the bundle's `required` when the M of its operation was raised
 * after issue (the same rule the server applies). With `trusted` (fingerprints of keys
 * known to belong to COs), only those keys count.
 */
export function verifyBundle(bundle: Bundle, trusted?: Set<string>): BundleVerdict {
  let bytes: Buffer;
  let m: number;
  let tokenId: string;
  try {
    bytes = Buffer.from(bundle.tokenBytes, 'base64');
    const doc = parseTokenBytes(bytes);
    m = Math.max(doc.m, typeof bundle.required === 'number' ? bundle.required : 0);
    tokenId = doc.id;
  } catch (err) {
    return { ok: false, reason: `token bytes: ${err instanceof Error ? err.message : String(err)}` };
  }
  const counted = new Set<string>();
  const users = new Set<number>();
  for (const approval of bundle.approvals ?? []) {
    try {
      const key = parseQuorumPublicKey(approval.publicKeyPem);
      if (key.fingerprint !== approval.fingerprint) return { ok: false, reason: `approval of user ${approval.userId}: fingerprint does not match its key` };
      if (trusted && !trusted.has(key.fingerprint)) return { ok: false, reason: `approval of user ${approval.userId}: key ${key.fingerprint.slice(0, 16)}… is not a trusted key` };
      if (!verifySignature(toKeyObject(key), approval.alg as SignatureAlg, bytes, decodeSignature(approval.signature))) {
        return { ok: false, reason: `approval of user ${approval.userId}: signature does not verify` };
      }
      counted.add(key.fingerprint);
      users.add(approval.userId);
    } catch (err) {
      return { ok: false, reason: `approval of user ${approval.userId}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const approvals = Math.min(counted.size, users.size);
  if (approvals < m) return { ok: false, reason: `${approvals} of ${m} approvals` };
  return { ok: true, tokenId, approvals, m };
}

/** SHA-256 fingerprint of a PEM public key file's SubjectPublicKeyInfo. */
export function fingerprintOf(pem: string): string {
  return parseQuorumPublicKey(pem).fingerprint;
}


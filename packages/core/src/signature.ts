import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { BoundedMap } from './bounded-map';
import { QuorumError } from './errors';

export const SIGNATURE_ALGS = ['RS256', 'PS256'] as const;
export type SignatureAlg = (typeof SIGNATURE_ALGS)[number];

/** PS256 as docs/token-format.md says: RSA-PSS, SHA-256, MGF1-SHA-256, salt length 32. */
export const PSS_SALT_LENGTH = 32;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function checkAlg(alg: unknown): SignatureAlg {
  if (alg === undefined) return 'RS256';
  if (typeof alg !== 'string' || !(SIGNATURE_ALGS as readonly string[]).includes(alg)) {
    throw new QuorumError('RET_BAD_REQUEST', 'alg must be RS256 or PS256');
  }
  return alg as SignatureAlg;
}

/** Strict standard base64 (no whitespace, correct padding), as signatures travel in JSON. */
export function decodeSignature(text: unknown): Buffer {
  if (typeof text !== 'string' || text.length === 0 || text.length > 1400 || !BASE64.test(text)) {
    throw new QuorumError('RET_SIGNATURE_INVALID', 'signature must be standard base64');
  }
  return Buffer.from(text, 'base64');
}

/**
 * Verifies an RSA signature with node:crypto. Returns false for any signature that does
 * not verify, including ones of the wrong length.
 */
export function verifySignature(key: KeyObject, alg: SignatureAlg, data: Buffer, signature: Buffer): boolean {
  const modulusBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (signature.length !== modulusBytes) return false;
  try {
    if (alg === 'PS256') {
      return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_LENGTH }, signature);
    }
    return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}

/** SHA-256 (hex) of a public key's DER SubjectPublicKeyInfo: its fingerprint. */
export function keyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * Key objects per fingerprint, so the hot path never re-parses a PEM. A fingerprint names
 * exactly one key, so an entry never goes stale; a PEM enters only when it is the key its
 * fingerprint names (a key stored under another key's fingerprint is refused). The cache
 * is bounded by dropping the oldest entry.
 */
export class KeyObjectCache {
  private readonly entries: BoundedMap<string, KeyObject>;
  constructor(capacity = 10_000) {
    this.entries = new BoundedMap(capacity);
  }

  /** The cached key object of a fingerprint, if any: lets the caller skip loading the PEM. */
  peek(fingerprint: string): KeyObject | undefined {
    return this.entries.get(fingerprint);
  }

  get(fingerprint: string, pem: string): KeyObject {
    const cached = this.entries.get(fingerprint);
    if (cached) return cached;
    const key = createPublicKey({ key: pem, format: 'pem' });
    if (keyFingerprint(key) !== fingerprint) throw new QuorumError('RET_QUORUM_KEY_INVALID', 'The stored quorum key does not match its fingerprint');
    return this.entries.set(fingerprint, key);
  }
}

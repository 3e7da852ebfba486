import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { QuorumError } from './errors';

export const KEY_BITS_MIN = 2048;
export const KEY_BITS_MAX = 4096;
const MAX_PEM_LENGTH = 16384;

/** A validated quorum public key. */
export interface QuorumPublicKey {
  /** SubjectPublicKeyInfo PEM, re-encoded (the canonical form that is stored). */
  pem: string;
  /** SHA-256 (hex) of the DER SubjectPublicKeyInfo. */
  fingerprint: string;
  bits: number;
}

function invalid(reason: string): QuorumError {
  return new QuorumError('RET_QUORUM_KEY_INVALID', `Quorum key refused: ${reason}`);
}

/**
 * Parses a PEM public key (SPKI "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY") with node-forge
 * and accepts only RSA 2048-4096 bits with e = 65537.
 */
export function parseQuorumPublicKey(pem: unknown): QuorumPublicKey {
  if (typeof pem !== 'string' || pem.length === 0 || pem.length > MAX_PEM_LENGTH) {
    throw invalid('not a PEM string');
  }
  if (/PRIVATE KEY-----/.test(pem)) throw invalid('a private key was sent; send only the public key');
  let key: forge.pki.rsa.PublicKey;
  try {
    key = forge.pki.publicKeyFromPem(pem) as forge.pki.rsa.PublicKey;
  } catch (err) {
    const text = err instanceof Error ? err.message : '';
    throw invalid(/OID/i.test(text) ? 'only RSA keys are accepted' : 'malformed PEM');
  }
  if (!key || typeof key.n?.bitLength !== 'function' || !key.e) throw invalid('not an RSA public key');
  const bits = key.n.bitLength();
  if (bits < KEY_BITS_MIN || bits > KEY_BITS_MAX) throw invalid(`${bits}-bit modulus (2048-4096 required)`);
  if (key.e.toString(10) !== '65537') throw invalid('public exponent must be 65537');
  const der = Buffer.from(forge.asn1.toDer(forge.pki.publicKeyToAsn1(key)).getBytes(), 'binary');
  return {
    pem: forge.pki.publicKeyToPem(key),
    fingerprint: createHash('sha256').update(der).digest('hex'),
    bits,
  };
}

/** node:crypto key object for a validated key (what the hot verify path uses). */
export function toKeyObject(key: QuorumPublicKey): KeyObject {
  return createPublicKey({ key: key.pem, format: 'pem', type: 'spki' });
}

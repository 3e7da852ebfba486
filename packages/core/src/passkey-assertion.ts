import { createHash, createPublicKey, verify } from 'node:crypto';

/** The COSE algorithms a passkey may use: ES256, EdDSA (Ed25519), RS256. */
export const PASSKEY_ALGORITHMS = { ES256: -7, EdDSA: -8, RS256: -257 } as const;
export type PasskeyAlgorithm = keyof typeof PASSKEY_ALGORITHMS;

/** A passkey assertion as it is checked offline (every binary field base64url, as WebAuthn gives it). */
export interface PasskeyProof {
  credentialId: string;
  publicKeyPem: string;
  algorithm: string;
  authenticatorData: string;
  clientDataJSON: string;
  signature: string;
}

/** Where the assertion must have been made: the relying party's id and the console's origin. */
export interface PasskeyExpectation {
  /** base64url(SHA-256(the exact bytes the officer signs)). */
  challenge: string;
  rpId: string;
  origin: string;
}

/** The authenticator data flags: user present, user verified. */
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

/**
 * The WebAuthn challenge of an approval: base64url of SHA-256 of the exact bytes the officer
 * signs with its RSA key (the token bytes, or an AWS CloudHSM token's approval data), so that
 * the passkey's assertion is bound to those bytes and to nothing else.
 */
export function passkeyChallenge(signedBytes: Buffer): string {
  return createHash('sha256').update(signedBytes).digest('base64url');
}

/** The counter an assertion's authenticator data carries (bytes 33-36, big-endian). */
export function assertionCounter(authenticatorData: Buffer): number {
  return authenticatorData.length >= 37 ? authenticatorData.readUInt32BE(33) : -1;
}

/**
 * Checks a passkey assertion with nothing but its own bytes and the credential's public key:
 * clientDataJSON says `webauthn.get`, the expected challenge and origin; the authenticator
 * data names the RP ID (its SHA-256) and has user presence and user verification set; the
 * signature verifies over authenticatorData || SHA-256(clientDataJSON). Answers what is wrong,
 * or undefined. The same check as the openssl commands in docs/passkeys.md.
 */
export function passkeyProofProblem(proof: PasskeyProof, expected: PasskeyExpectation): string | undefined {
  let client: { type?: unknown; challenge?: unknown; origin?: unknown };
  const clientData = Buffer.from(proof.clientDataJSON, 'base64url');
  try {
    client = JSON.parse(clientData.toString('utf8')) as typeof client;
  } catch {
    return 'clientDataJSON is not JSON';
  }
  if (client.type !== 'webauthn.get') return `clientDataJSON type is ${JSON.stringify(client.type)}, not "webauthn.get"`;
  if (client.challenge !== expected.challenge) return 'the assertion was made for other bytes (its challenge is not SHA-256 of these token bytes)';
  if (client.origin !== expected.origin) return `the assertion was made on ${JSON.stringify(client.origin)}, not ${JSON.stringify(expected.origin)}`;
  const data = Buffer.from(proof.authenticatorData, 'base64url');
  if (data.length < 37) return 'authenticatorData is too short';
  if (!data.subarray(0, 32).equals(createHash('sha256').update(expected.rpId).digest())) return `the assertion names another RP ID than ${expected.rpId}`;
  const flags = data[32] ?? 0;
  if ((flags & FLAG_UP) === 0) return 'the authenticator reports no user presence';
  if ((flags & FLAG_UV) === 0) return 'the authenticator reports no user verification';
  const signed = Buffer.concat([data, createHash('sha256').update(clientData).digest()]);
  const algorithm = proof.algorithm as PasskeyAlgorithm;
  if (!(algorithm in PASSKEY_ALGORITHMS)) return `unknown passkey algorithm ${JSON.stringify(proof.algorithm)}`;
  try {
    const key = createPublicKey(proof.publicKeyPem);
    const ok = verify(algorithm === 'EdDSA' ? null : 'sha256', signed, key, Buffer.from(proof.signature, 'base64url'));
    return ok ? undefined : 'the passkey signature does not verify';
  } catch (err) {
    return `the passkey signature does not verify (${err instanceof Error ? err.message : String(err)})`;
  }
}

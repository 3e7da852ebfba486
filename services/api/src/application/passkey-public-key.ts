import { createPublicKey } from 'node:crypto';
import { QuorumError, type PasskeyAlgorithm } from '@quorumd/core';
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';

/**
 * A passkey's public key as a registration gives it (COSE) in the form offline checks use:
 * PEM SubjectPublicKeyInfo (openssl, node:crypto), with the algorithm named as JOSE does.
 * Only ES256 (P-256), EdDSA (Ed25519) and RS256 are taken.
 */
export function passkeyPublicKey(coseKey: Uint8Array): { pem: string; algorithm: PasskeyAlgorithm } {
  const decoded = decodeCredentialPublicKey(new Uint8Array(coseKey));
  const alg = decoded.get(cose.COSEKEYS.alg);
  const b64 = (value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64url') : '');
  let jwk: Record<string, string>;
  let algorithm: PasskeyAlgorithm;
  if (cose.isCOSEPublicKeyEC2(decoded) && alg === cose.COSEALG.ES256 && decoded.get(cose.COSEKEYS.crv) === cose.COSECRV.P256) {
    jwk = { kty: 'EC', crv: 'P-256', x: b64(decoded.get(cose.COSEKEYS.x)), y: b64(decoded.get(cose.COSEKEYS.y)) };
    algorithm = 'ES256';
  } else if (cose.isCOSEPublicKeyOKP(decoded) && alg === cose.COSEALG.EdDSA && decoded.get(cose.COSEKEYS.crv) === cose.COSECRV.ED25519) {
    jwk = { kty: 'OKP', crv: 'Ed25519', x: b64(decoded.get(cose.COSEKEYS.x)) };
    algorithm = 'EdDSA';
  } else if (cose.isCOSEPublicKeyRSA(decoded) && alg === cose.COSEALG.RS256) {
    jwk = { kty: 'RSA', n: b64(decoded.get(cose.COSEKEYS.n)), e: b64(decoded.get(cose.COSEKEYS.e)) };
    algorithm = 'RS256';
  } else {
    throw new QuorumError('RET_PASSKEY_INVALID', 'The passkey uses an algorithm quorumd does not take (ES256, EdDSA or RS256)');
  }
  const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  return { pem, algorithm };
}

import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { passkeyChallenge, passkeyProofProblem, type PasskeyProof } from '@quorumd/core';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { passkeyPublicKey } from '../../services/api/src/application/passkey-public-key';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/** A proof as a bundle carries it, made with `key` (ES256, EdDSA or RS256), over `bytes`. */
function proofOf(algorithm: 'ES256' | 'EdDSA' | 'RS256', privateKey: KeyObject, publicKey: KeyObject, bytes: Buffer, flags = 0x05): PasskeyProof {
  const authenticatorData = Buffer.concat([sha256('localhost'), Buffer.from([flags]), Buffer.from([0, 0, 0, 7])]);
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: passkeyChallenge(bytes), origin: 'http://localhost:8080' }));
  const signed = Buffer.concat([authenticatorData, sha256(clientDataJSON)]);
  const signature = sign(algorithm === 'EdDSA' ? null : 'sha256', signed, privateKey);
  return {
    credentialId: 'AAAA',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    algorithm,
    authenticatorData: authenticatorData.toString('base64url'),
    clientDataJSON: clientDataJSON.toString('base64url'),
    signature: signature.toString('base64url'),
  };
}

/** The offline check of a passkey assertion (quorum verify's), for each algorithm a passkey may use. */
describe('offline passkey proofs', () => {
  const bytes = Buffer.from('{"the":"token bytes"}');
  const expected = { challenge: passkeyChallenge(bytes), rpId: 'localhost', origin: 'http://localhost:8080' };
  const pairs = {
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    EdDSA: generateKeyPairSync('ed25519'),
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  };

  it.each(Object.keys(pairs) as (keyof typeof pairs)[])('verifies a %s assertion over the token bytes, and refuses it for other bytes or without user verification', (alg) => {
    const { privateKey, publicKey } = pairs[alg];
    expect(passkeyProofProblem(proofOf(alg, privateKey, publicKey, bytes), expected)).toBeUndefined();
    expect(passkeyProofProblem(proofOf(alg, privateKey, publicKey, Buffer.from('other bytes')), expected)).toMatch(/other bytes/);
    expect(passkeyProofProblem(proofOf(alg, privateKey, publicKey, bytes, 0x01), expected)).toMatch(/no user verification/);
    expect(passkeyProofProblem(proofOf(alg, privateKey, publicKey, bytes), { ...expected, rpId: 'example.com' })).toMatch(/another RP ID/);
    const other = pairs[alg === 'ES256' ? 'EdDSA' : 'ES256'];
    const forged = { ...proofOf(alg, privateKey, publicKey, bytes), publicKeyPem: other.publicKey.export({ type: 'spki', format: 'pem' }).toString(), algorithm: alg === 'ES256' ? 'EdDSA' : 'ES256' };
    expect(passkeyProofProblem(forged, expected)).toMatch(/does not verify/);
  });

  it('turns a registration\'s COSE key into the PEM SPKI a bundle carries, for ES256, EdDSA and RS256 (and no other)', () => {
    const jwk = (alg: keyof typeof pairs) => pairs[alg].publicKey.export({ format: 'jwk' });
    const b = (text: string | undefined) => new Uint8Array(Buffer.from(text ?? '', 'base64url'));
    const cose: Record<keyof typeof pairs, Map<number, number | Uint8Array>> = {
      ES256: new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, b(jwk('ES256').x)], [-3, b(jwk('ES256').y)]]),
      EdDSA: new Map<number, number | Uint8Array>([[1, 1], [3, -8], [-1, 6], [-2, b(jwk('EdDSA').x)]]),
      RS256: new Map<number, number | Uint8Array>([[1, 3], [3, -257], [-1, b(jwk('RS256').n)], [-2, b(jwk('RS256').e)]]),
    };
    for (const alg of Object.keys(pairs) as (keyof typeof pairs)[]) {
      const key = passkeyPublicKey(isoCBOR.encode(cose[alg]));
      expect(key).toEqual({ algorithm: alg, pem: pairs[alg].publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    }
    // ES384 (P-384): not taken.
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    expect(() => passkeyPublicKey(isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -35], [-1, 2], [-2, b(p384.x)], [-3, b(p384.y)]])))).toThrow(/algorithm/);
  });
});

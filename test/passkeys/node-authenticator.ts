import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64u = (data: Buffer | Uint8Array) => Buffer.from(data).toString('base64url');
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/** What a made-up assertion gets wrong on purpose (each one a refusal the API must make). */
export interface AssertionOverrides {
  origin?: string;
  rpId?: string;
  /** Leave the user-verified flag clear. */
  noUserVerification?: boolean;
  /** Use this counter instead of the next one. */
  counter?: number;
  type?: string;
}

/**
 * A FIDO2 authenticator emulated in Node: one ES256 (P-256) credential, authenticator data
 * and clientDataJSON built by hand (as the WebAuthn spec lays them out), attestation "none".
 * Its answers are the JSON @simplewebauthn/browser would hand the API.
 */
export class NodeAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly privateKey: KeyObject;
  private readonly publicJwk: { x: string; y: string };
  counter = 0;

  constructor(
    readonly rpId = 'localhost',
    readonly origin = 'http://localhost:8080',
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    const jwk = pair.publicKey.export({ format: 'jwk' });
    this.publicJwk = { x: jwk.x ?? '', y: jwk.y ?? '' };
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  private coseKey(): Uint8Array {
    // kty 2 (EC2), alg -7 (ES256), crv 1 (P-256), x, y.
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(this.publicJwk.x, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(this.publicJwk.y, 'base64url'))],
      ]),
    );
  }

  private authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }

  /** A registration response to `options` (from POST /v1/users/{id}/passkeys/options). */
  register(options: { challenge: string }, overrides: { noUserVerification?: boolean } = {}): object {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), length, this.credentialId, Buffer.from(this.coseKey())]);
    // UP | (UV) | AT
    const flags = 0x01 | (overrides.noUserVerification ? 0 : 0x04) | 0x40;
    const authData = this.authData(this.rpId, flags, this.counter, attested);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData)]]) as never);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: this.origin, crossOrigin: false }));
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** An assertion over `challenge` (base64url), as startAuthentication answers; the counter moves on. */
  assert(challenge: string, overrides: AssertionOverrides = {}): { id: string; rawId: string; type: string; response: Record<string, string>; clientExtensionResults: object } {
    this.counter += 1;
    const counter = overrides.counter ?? this.counter;
    const flags = 0x01 | (overrides.noUserVerification ? 0 : 0x04);
    const authenticatorData = this.authData(overrides.rpId ?? this.rpId, flags, counter);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: overrides.type ?? 'webauthn.get', challenge, origin: overrides.origin ?? this.origin, crossOrigin: false }));
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authenticatorData), signature: b64u(signature) },
      clientExtensionResults: {},
    };
  }
}

/** The challenge of an approval: base64url(SHA-256(the bytes the officer signs)). */
export function challengeOf(bytes: Buffer): string {
  return sha256(bytes).toString('base64url');
}

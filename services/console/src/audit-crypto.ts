import forge from 'node-forge';
import type { AuditCrypto } from '@quorumd/core/dist/audit-ledger';
import { base64ToBytes, bytesToBinary, bytesToHex, pemBody } from './byte-encoding';

/**
 * The browser's hashing and Ed25519 check for the one audit verifier (core's
 * verifyAuditLedger, which `quorum audit verify` and `npm run audit:verify` run too):
 * WebCrypto where the browser has it, else node-forge's.
 */
const utf8 = new TextEncoder();

async function sha256Hex(text: string): Promise<string> {
  const data = utf8.encode(text);
  const s = globalThis.crypto?.subtle;
  if (s) return bytesToHex(new Uint8Array(await s.digest('SHA-256', data as Uint8Array<ArrayBuffer>)));
  return forge.md.sha256.create().update(bytesToBinary(data)).digest().toHex();
}

type Ed25519Check = (message: Uint8Array, signature: Uint8Array) => Promise<boolean>;

export async function ed25519Check(publicKeyPem: string): Promise<Ed25519Check> {
  const spki = pemBody(publicKeyPem);
  const s = globalThis.crypto?.subtle;
  if (s) {
    try {
      const key = await s.importKey('spki', spki as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
      return async (message, signature) => s.verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
    } catch {
      // no Ed25519 in this browser's WebCrypto: node-forge below
    }
  }
  const raw = spki.subarray(spki.length - 32);
  return async (message, signature) => {
    try {
      return forge.pki.ed25519.verify({ message: bytesToBinary(message), encoding: 'binary', signature: bytesToBinary(signature), publicKey: bytesToBinary(raw) });
    } catch {
      return false;
    }
  };
}

/** The verifier's crypto in this browser; without a published key no checkpoint verifies. */
export async function browserAuditCrypto(publicKeyPem: string | undefined): Promise<AuditCrypto> {
  if (!publicKeyPem) return { sha256Hex };
  const check = await ed25519Check(publicKeyPem);
  return {
    sha256Hex,
    checkpointSignatureValid: async (message, signatureBase64) => {
      let signature: Uint8Array;
      try {
        signature = base64ToBytes(signatureBase64);
      } catch {
        return false;
      }
      return check(utf8.encode(message), signature);
    },
  };
}

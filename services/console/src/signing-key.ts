import forge from 'node-forge';
import { base64UrlToBytes, binaryToBytes, bytesToBase64, bytesToBinary, bytesToHex, pemBody } from './byte-encoding';

/**
 * The officer's private key, for this sign-in only: read from a PEM file the officer picks,
 * held in this tab's memory, never sent anywhere and never stored (a reload forgets it).
 * WebCrypto reads PKCS#8 and signs; node-forge reads what WebCrypto cannot (PKCS#1,
 * encrypted PKCS#8 or PKCS#1), and the key is then handed to WebCrypto as a key it will not
 * export. Where WebCrypto is missing (a page not served over HTTPS or from localhost),
 * node-forge signs too. Signatures are RS256: RSASSA-PKCS1-v1_5 with SHA-256.
 */
export interface SigningKey {
  /** SHA-256 (hex) of the DER SubjectPublicKeyInfo: the fingerprint quorumd shows for registered keys. */
  readonly fingerprint: string;
  readonly bits: number;
  /** What read the file and what signs: for the officer's information. */
  readonly reader: string;
  readonly publicKeyPem: string;
  /** Standard base64 of the RS256 signature over `data`. */
  sign(data: Uint8Array): Promise<string>;
}

export class KeyFileError extends Error {
  constructor(
    message: string,
    /** True when the file is fine but encrypted and the passphrase is missing or wrong. */
    readonly needsPassphrase = false,
  ) {
    super(message);
    this.name = 'KeyFileError';
  }
}

const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
/** WebCrypto's types, named so that the browser's and Node's typings (the unit tests) both fit. */
type Subtle = (typeof globalThis.crypto)['subtle'];
type WebCryptoKey = Awaited<ReturnType<Subtle['importKey']>>;
const MIN_BITS = 2048;
const MAX_BITS = 4096;

function subtle(): Subtle | undefined {
  return globalThis.crypto?.subtle;
}

/** SHA-256 of `data`, hex (WebCrypto, or node-forge where WebCrypto is missing). */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const s = subtle();
  if (s) return bytesToHex(new Uint8Array(await s.digest('SHA-256', data as Uint8Array<ArrayBuffer>)));
  return forge.md.sha256.create().update(bytesToBinary(data)).digest().toHex();
}

/** The fingerprint exactly as the API computes it: SHA-256 over node-forge's DER of the SubjectPublicKeyInfo. */
function publicHalf(n: forge.jsbn.BigInteger, e: forge.jsbn.BigInteger): { fingerprint: string; bits: number; pem: string } {
  const key = forge.pki.setRsaPublicKey(n, e);
  const der = forge.asn1.toDer(forge.pki.publicKeyToAsn1(key)).getBytes();
  const bits = n.bitLength();
  if (bits < MIN_BITS || bits > MAX_BITS) throw new KeyFileError(`This is a ${bits}-bit RSA key; quorum keys are 2048 to 4096 bits`);
  if (e.toString(10) !== '65537') throw new KeyFileError('This RSA key’s public exponent is not 65537; quorumd accepts only 65537');
  return { fingerprint: forge.md.sha256.create().update(der).digest().toHex(), bits, pem: forge.pki.publicKeyToPem(key) };
}

function bigInteger(bytes: Uint8Array): forge.jsbn.BigInteger {
  return new forge.jsbn.BigInteger(bytesToHex(bytes), 16);
}

/** Reads a private key PEM (PKCS#8, PKCS#1, encrypted PKCS#8 or PKCS#1 with `passphrase`). */
export async function readPrivateKey(pem: string, passphrase: string): Promise<SigningKey> {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  if (!label) throw new KeyFileError('This file is not a PEM key (no -----BEGIN ... KEY----- line)');
  if (label === 'PRIVATE KEY') return readPkcs8(pem);
  if (label === 'ENCRYPTED PRIVATE KEY' || label === 'RSA PRIVATE KEY') return readWithForge(pem, passphrase, label);
  if (/PUBLIC KEY|CERTIFICATE/.test(label)) throw new KeyFileError(`This file holds a ${label.toLowerCase()}, not a private key: pick the private key`);
  throw new KeyFileError(`This file holds an ${label}; quorum keys are RSA (PKCS#8 or PKCS#1 PEM)`);
}

async function readPkcs8(pem: string): Promise<SigningKey> {
  const s = subtle();
  if (!s) return readWithForge(pem, '', 'PRIVATE KEY');
  const der = pemBody(pem) as Uint8Array<ArrayBuffer>;
  let readable: WebCryptoKey;
  try {
    readable = await s.importKey('pkcs8', der, RS256, true, ['sign']);
  } catch {
    throw new KeyFileError('This PKCS#8 file is not an RSA private key (or it is damaged)');
  }
  const jwk = await s.exportKey('jwk', readable);
  if (!jwk.n || !jwk.e) throw new KeyFileError('This PKCS#8 file is not an RSA private key');
  const half = publicHalf(bigInteger(base64UrlToBytes(jwk.n)), bigInteger(base64UrlToBytes(jwk.e)));
  // Signing goes through a copy WebCrypto will never export.
  const key = await s.importKey('pkcs8', der, RS256, false, ['sign']);
  return webCryptoKey(key, half, 'WebCrypto');
}

function webCryptoKey(key: WebCryptoKey, half: { fingerprint: string; bits: number; pem: string }, reader: string): SigningKey {
  return {
    fingerprint: half.fingerprint,
    bits: half.bits,
    reader,
    publicKeyPem: half.pem,
    sign: async (data) => bytesToBase64(new Uint8Array(await crypto.subtle.sign(RS256, key, data as Uint8Array<ArrayBuffer>))),
  };
}

async function readWithForge(pem: string, passphrase: string, label: string): Promise<SigningKey> {
  const encrypted = label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
  if (encrypted && passphrase === '') throw new KeyFileError('This key is encrypted: type its passphrase', true);
  let key: forge.pki.rsa.PrivateKey | null;
  try {
    key = (encrypted ? forge.pki.decryptRsaPrivateKey(pem, passphrase) : forge.pki.privateKeyFromPem(pem)) as forge.pki.rsa.PrivateKey | null;
  } catch (err) {
    const text = err instanceof Error ? err.message : '';
    if (/OID/i.test(text)) throw new KeyFileError('This file is not an RSA private key; quorum keys are RSA');
    throw new KeyFileError(encrypted ? 'The passphrase does not open this key' : 'This private key could not be read (damaged PEM?)', encrypted);
  }
  if (!key || !key.n) throw new KeyFileError(encrypted ? 'The passphrase does not open this key' : 'This is not an RSA private key', encrypted);
  const half = publicHalf(key.n, key.e);
  const reader = encrypted ? 'node-forge (encrypted PEM)' : 'node-forge (PKCS#1)';
  const s = subtle();
  if (s) {
    const der = binaryToBytes(forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key))).getBytes()) as Uint8Array<ArrayBuffer>;
    const handle = await s.importKey('pkcs8', der, RS256, false, ['sign']);
    der.fill(0);
    return webCryptoKey(handle, half, `${reader}, signing with WebCrypto`);
  }
  const forgeKey = key;
  return {
    fingerprint: half.fingerprint,
    bits: half.bits,
    reader: `${reader}, signing with node-forge (no WebCrypto on this page)`,
    publicKeyPem: half.pem,
    sign: async (data) => {
      const md = forge.md.sha256.create().update(bytesToBinary(data));
      return btoa(forgeKey.sign(md));
    },
  };
}

/** "ab12 cd34 …": a fingerprint in groups of four, for reading aloud and comparing. */
export function formatFingerprint(fingerprint: string): string {
  return (fingerprint.match(/.{1,4}/g) ?? []).join(' ');
}

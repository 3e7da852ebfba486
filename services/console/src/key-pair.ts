import forge from 'node-forge';
import { toPem } from './byte-encoding';
import { readPrivateKey, type SigningKey } from './signing-key';

/** PBKDF2-HMAC-SHA256 rounds for a downloaded key encrypted with a passphrase (OWASP 2021 figure). */
const PBKDF2_ROUNDS = 310_000;

export interface NewKeyPair {
  /** PKCS#8 PEM, encrypted (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC) when a passphrase was given. */
  privatePem: string;
  /** SPKI PEM: what registerQuorumPubKey takes. */
  publicPem: string;
  key: SigningKey;
}

/**
 * A new RSA-2048 quorum key pair, made in this tab (WebCrypto; node-forge where WebCrypto
 * is missing). The private key leaves the tab only as the file the officer downloads.
 */
export async function generateKeyPair(passphrase: string): Promise<NewKeyPair> {
  const s = globalThis.crypto?.subtle;
  let pkcs8Pem: string;
  if (s) {
    const pair = await s.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    pkcs8Pem = toPem('PRIVATE KEY', new Uint8Array(await s.exportKey('pkcs8', pair.privateKey)));
  } else {
    const pair = await new Promise<forge.pki.rsa.KeyPair>((resolve, reject) =>
      forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 }, (err, keys) => (err ? reject(err) : resolve(keys))),
    );
    pkcs8Pem = forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(pair.privateKey)));
  }
  const key = await readPrivateKey(pkcs8Pem, '');
  const privatePem = passphrase === '' ? pkcs8Pem : encryptPrivateKey(pkcs8Pem, passphrase);
  return { privatePem, publicPem: key.publicKeyPem, key };
}

/** Encrypted PKCS#8 that openssl, the quorum CLI and this console read back with the passphrase. */
function encryptPrivateKey(pkcs8Pem: string, passphrase: string): string {
  const key = forge.pki.privateKeyFromPem(pkcs8Pem);
  return forge.pki.encryptRsaPrivateKey(key, passphrase, { algorithm: 'aes256', prfAlgorithm: 'sha256', count: PBKDF2_ROUNDS });
}

/** Offers `text` as a file download (a blob: link the page makes and revokes). */
export function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

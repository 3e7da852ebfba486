import { readFileSync } from 'node:fs';
import { QuorumError, signWithForge, type SignatureAlg } from '@quorumd/core';
import forge from 'node-forge';

/**
 * Something that signs token bytes for a CO. The node-forge signer below reads a PEM file;
 * an HSM- or agent-backed signer implements the same two members.
 */
export interface Signer {
  readonly alg: SignatureAlg;
  /** Standard base64 of the signature over `data`. */
  sign(data: Buffer): Promise<string>;
}

/** RS256 / PS256 with node-forge over an RSA private key PEM (PKCS#1, PKCS#8, or encrypted PKCS#8). */
export class ForgeSigner implements Signer {
  private constructor(
    private readonly pem: string,
    readonly alg: SignatureAlg,
    private readonly passphrase: string | undefined,
  ) {}

  static fromPem(pem: string, options: { alg?: SignatureAlg; passphrase?: string } = {}): ForgeSigner {
    const encrypted = pem.includes('ENCRYPTED');
    if (encrypted && options.passphrase === undefined) throw new QuorumError('RET_BAD_REQUEST', 'The private key is encrypted: give its passphrase');
    const signer = new ForgeSigner(pem, options.alg ?? 'RS256', encrypted ? options.passphrase : undefined);
    signer.publicKeyPem(); // fails now, not at the first signature, if the key cannot be read
    return signer;
  }

  static fromFile(path: string, options: { alg?: SignatureAlg; passphrase?: string } = {}): ForgeSigner {
    return ForgeSigner.fromPem(readFileSync(path, 'utf8'), options);
  }

  private privateKey(): forge.pki.rsa.PrivateKey {
    const key = (this.passphrase === undefined
      ? forge.pki.privateKeyFromPem(this.pem)
      : forge.pki.decryptRsaPrivateKey(this.pem, this.passphrase)) as forge.pki.rsa.PrivateKey | null;
    if (!key) throw new QuorumError('RET_BAD_REQUEST', 'The private key could not be read (wrong passphrase?)');
    return key;
  }

  /** The public half, as the SPKI PEM that registerQuorumPubKey takes. */
  publicKeyPem(): string {
    const key = this.privateKey();
    return forge.pki.publicKeyToPem(forge.pki.setRsaPublicKey(key.n, key.e));
  }

  async sign(data: Buffer): Promise<string> {
    return signWithForge(this.pem, this.alg, data, this.passphrase);
  }
}

/** A new RSA key pair made with node-forge; the private key encrypted (PKCS#8, AES-256) when a passphrase is given. */
export function generateQuorumKey(bits: number, passphrase?: string): { privatePem: string; publicPem: string } {
  if (!Number.isInteger(bits) || bits < 2048 || bits > 4096) throw new QuorumError('RET_BAD_REQUEST', 'bits must be 2048-4096');
  const pair = forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 });
  const privatePem =
    passphrase === undefined
      ? forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(pair.privateKey)))
      : forge.pki.encryptRsaPrivateKey(pair.privateKey, passphrase, { algorithm: 'aes256' });
  return { privatePem, publicPem: forge.pki.publicKeyToPem(pair.publicKey) };
}

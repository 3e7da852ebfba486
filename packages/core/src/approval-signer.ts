import forge from 'node-forge';
import { PSS_SALT_LENGTH, type SignatureAlg } from './signature';

/**
 * Signs token bytes (or a key-registration challenge) with an RSA private key, using
 * node-forge as the CLI and SDK do. RS256 is what `openssl dgst -sha256 -sign` makes;
 * PS256 is RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
 */
export function signWithForge(privateKeyPem: string, alg: SignatureAlg, data: Buffer, passphrase?: string): string {
  const key = (passphrase === undefined
    ? forge.pki.privateKeyFromPem(privateKeyPem)
    : forge.pki.decryptRsaPrivateKey(privateKeyPem, passphrase)) as forge.pki.rsa.PrivateKey | null;
  if (!key) throw new Error('The private key could not be read (wrong passphrase?)');
  const md = forge.md.sha256.create();
  md.update(data.toString('binary'));
  const signature =
    alg === 'PS256'
      ? key.sign(md, forge.pss.create({ md: forge.md.sha256.create(), mgf: forge.mgf.mgf1.create(forge.md.sha256.create()), saltLength: PSS_SALT_LENGTH }))
      : key.sign(md);
  return Buffer.from(signature, 'binary').toString('base64');
}

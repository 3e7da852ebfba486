import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Real openssl, for interoperability: keys from `openssl genrsa`, signatures from `openssl dgst`. */
export class OpenSsl {
  readonly dir = mkdtempSync(join(tmpdir(), 'quorumd-openssl-'));
  private n = 0;

  private file(name: string): string {
    this.n += 1;
    return join(this.dir, `${this.n}-${name}`);
  }

  /** `openssl genrsa` private key PEM and its public key PEM. */
  genrsa(bits = 2048): { privatePem: string; publicPem: string; privatePath: string } {
    const privatePath = this.file('key.pem');
    execFileSync('openssl', ['genrsa', '-out', privatePath, String(bits)], { stdio: 'pipe' });
    const publicPem = execFileSync('openssl', ['rsa', '-in', privatePath, '-pubout'], { stdio: 'pipe' }).toString();
    return { privatePem: readFileSync(privatePath, 'utf8'), publicPem, privatePath };
  }

  /** An EC (P-256) key pair. */
  genec(): { privatePath: string; publicPem: string } {
    const privatePath = this.file('ec.pem');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', privatePath], { stdio: 'pipe' });
    const publicPem = execFileSync('openssl', ['ec', '-in', privatePath, '-pubout'], { stdio: 'pipe' }).toString();
    return { privatePath, publicPem };
  }

  /** `openssl dgst -sha256 -sign key -out sig data`, base64. PS256 with salt length 32. */
  sign(privatePath: string, data: Buffer, alg: 'RS256' | 'PS256' = 'RS256'): string {
    const dataPath = this.file('data.bin');
    const sigPath = this.file('data.sig');
    writeFileSync(dataPath, data);
    const pss = alg === 'PS256' ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] : [];
    execFileSync('openssl', ['dgst', '-sha256', ...pss, '-sign', privatePath, '-out', sigPath, dataPath], { stdio: 'pipe' });
    return readFileSync(sigPath).toString('base64');
  }

  /** `openssl dgst -sha256 -verify pub -signature sig data`: true when it prints "Verified OK". */
  verify(publicPem: string, data: Buffer, signatureB64: string, alg: 'RS256' | 'PS256' = 'RS256'): boolean {
    const pubPath = this.file('pub.pem');
    const dataPath = this.file('data.bin');
    const sigPath = this.file('data.sig');
    writeFileSync(pubPath, publicPem);
    writeFileSync(dataPath, data);
    writeFileSync(sigPath, Buffer.from(signatureB64, 'base64'));
    const pss = alg === 'PS256' ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] : [];
    try {
      const out = execFileSync('openssl', ['dgst', '-sha256', ...pss, '-verify', pubPath, '-signature', sigPath, dataPath], { stdio: 'pipe' });
      return out.toString().includes('Verified OK');
    } catch {
      return false;
    }
  }

  /** An RSA key with a chosen public exponent (openssl genpkey). */
  genrsaExponent(bits: number, exponent: number): { publicPem: string } {
    const privatePath = this.file('e.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-pkeyopt', `rsa_keygen_pubexp:${exponent}`, '-out', privatePath], { stdio: 'pipe' });
    return { publicPem: execFileSync('openssl', ['rsa', '-in', privatePath, '-pubout'], { stdio: 'pipe' }).toString() };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

import { execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuorumPublicKey } from '@quorumd/core';
import { KeyFileError, readPrivateKey } from '../src/signing-key';

/**
 * The console's key reading and signing (WebCrypto and node-forge, as in the browser; Node
 * has the same WebCrypto): every PEM form openssl writes gives the fingerprint the API
 * computes, and a signature openssl verifies.
 */
describe('console signing key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'console-key-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' }).toString();
  const pkcs8 = join(dir, 'pkcs8.pem');
  openssl('genrsa', '-out', pkcs8, '2048');
  const publicPem = openssl('rsa', '-in', pkcs8, '-pubout');
  const fingerprint = parseQuorumPublicKey(publicPem).fingerprint;

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const forms: [string, string[], string][] = [
    ['PKCS#8', [], ''],
    ['PKCS#1', ['rsa', '-in', pkcs8, '-traditional', '-out'], ''],
    ['encrypted PKCS#8', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', pkcs8, '-passout', 'pass:secret words', '-out'], 'secret words'],
    ['encrypted PKCS#1', ['rsa', '-in', pkcs8, '-traditional', '-aes256', '-passout', 'pass:secret words', '-out'], 'secret words'],
  ];
  it.each(forms)('reads %s, with the API’s fingerprint, and signs RS256 as openssl verifies', async (name, args, passphrase) => {
    const path = args.length === 0 ? pkcs8 : join(dir, `${name.replace(/\W/g, '')}.pem`);
    if (args.length > 0) openssl(...args, path);
    const key = await readPrivateKey(readFileSync(path, 'utf8'), passphrase);
    expect(key.fingerprint).toBe(fingerprint);
    expect(key.bits).toBe(2048);
    expect(parseQuorumPublicKey(key.publicKeyPem).fingerprint).toBe(fingerprint);
    const data = new TextEncoder().encode('{"the":"token bytes"}');
    const signature = await key.sign(data);
    expect(verify('sha256', data, createPublicKey(publicPem), Buffer.from(signature, 'base64'))).toBe(true);
  });

  it('asks for the passphrase of an encrypted key, and says when it is wrong', async () => {
    const path = join(dir, 'encrypted.pem');
    openssl('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', pkcs8, '-passout', 'pass:right', '-out', path);
    const pem = readFileSync(path, 'utf8');
    await expect(readPrivateKey(pem, '')).rejects.toMatchObject({ needsPassphrase: true, message: expect.stringMatching(/encrypted: type its passphrase/) });
    await expect(readPrivateKey(pem, 'wrong')).rejects.toMatchObject({ needsPassphrase: true, message: expect.stringMatching(/passphrase does not open/) });
  });

  it('refuses what is not an RSA private key of 2048-4096 bits', async () => {
    const ec = join(dir, 'ec.pem');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', ec);
    await expect(readPrivateKey(readFileSync(ec, 'utf8'), '')).rejects.toThrow(/not an RSA private key/);
    await expect(readPrivateKey(publicPem, '')).rejects.toThrow(/public key, not a private key/);
    await expect(readPrivateKey('hello', '')).rejects.toThrow(KeyFileError);
    const small = join(dir, 'small.pem');
    openssl('genrsa', '-traditional', '-out', small, '1024');
    await expect(readPrivateKey(readFileSync(small, 'utf8'), '')).rejects.toThrow(/1024-bit RSA key; quorum keys are 2048 to 4096 bits/);
  });
});

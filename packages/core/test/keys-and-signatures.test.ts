import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { KeyObjectCache, decodeSignature, parseQuorumPublicKey, signWithForge, toKeyObject, verifySignature } from '../src';
import { OpenSsl } from '../../../test/support/openssl';

const openssl = new OpenSsl();
afterAll(() => openssl.cleanup());
const key2048 = openssl.genrsa(2048);
const data = Buffer.from('{"id":"t","v":1}', 'utf8');

describe('quorum public keys', () => {
  it('accept an openssl RSA-2048 key and fingerprint its DER SubjectPublicKeyInfo', () => {
    const pubPath = join(openssl.dir, 'fp.pem');
    writeFileSync(pubPath, key2048.publicPem);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', pubPath, '-outform', 'DER']);
    const key = parseQuorumPublicKey(key2048.publicPem);
    expect(key.bits).toBe(2048);
    expect(key.fingerprint).toBe(createHash('sha256').update(der).digest('hex'));
  });

  it('accept PKCS#1 "RSA PUBLIC KEY" PEM and 4096 bits', () => {
    const pkcs1 = forge.pki.publicKeyToRSAPublicKeyPem(forge.pki.publicKeyFromPem(key2048.publicPem));
    expect(parseQuorumPublicKey(pkcs1).fingerprint).toBe(parseQuorumPublicKey(key2048.publicPem).fingerprint);
    expect(parseQuorumPublicKey(openssl.genrsa(4096).publicPem).bits).toBe(4096);
  });

  it.each([
    ['a 1024-bit key', () => openssl.genrsa(1024).publicPem, /1024-bit/],
    ['an EC key', () => openssl.genec().publicPem, /only RSA/],
    ['e = 3', () => openssl.genrsaExponent(2048, 3).publicPem, /65537/],
    ['garbage', () => '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', /malformed/],
    ['a private key', () => key2048.privatePem, /private key/],
    ['not a string', () => 42, /PEM/],
  ])('refuse %s with RET_QUORUM_KEY_INVALID', (_, make, message) => {
    expect(() => parseQuorumPublicKey(make())).toThrow(expect.objectContaining({ code: 'RET_QUORUM_KEY_INVALID', message: expect.stringMatching(message) }));
  });
});

describe('approval signatures', () => {
  const keyObject = toKeyObject(parseQuorumPublicKey(key2048.publicPem));

  it.each(['RS256', 'PS256'] as const)('node-forge %s signatures verify with openssl dgst -verify and node:crypto', (alg) => {
    const signature = signWithForge(key2048.privatePem, alg, data);
    expect(openssl.verify(key2048.publicPem, data, signature, alg)).toBe(true);
    expect(verifySignature(keyObject, alg, data, decodeSignature(signature))).toBe(true);
  });

  it.each(['RS256', 'PS256'] as const)('openssl dgst -sign %s signatures verify', (alg) => {
    const signature = openssl.sign(key2048.privatePath, data, alg);
    expect(verifySignature(keyObject, alg, data, decodeSignature(signature))).toBe(true);
  });

  it('refuse other bytes, another key, the other algorithm and wrong lengths', () => {
    const signature = decodeSignature(signWithForge(key2048.privatePem, 'RS256', data));
    expect(verifySignature(keyObject, 'RS256', Buffer.from('other'), signature)).toBe(false);
    expect(verifySignature(keyObject, 'PS256', data, signature)).toBe(false);
    const other = toKeyObject(parseQuorumPublicKey(openssl.genrsa(2048).publicPem));
    expect(verifySignature(other, 'RS256', data, signature)).toBe(false);
    expect(verifySignature(keyObject, 'RS256', data, signature.subarray(1))).toBe(false);
    expect(verifySignature(keyObject, 'RS256', data, Buffer.concat([signature, Buffer.alloc(1)]))).toBe(false);
  });

  it.each(['', 'not base64!', 'QUJD', 'QUJDRA', 'QU JD', 'QUJDRA===', 'x'.repeat(2000)])('refuse malformed base64 %j', (text) => {
    if (text === 'QUJD') return expect(decodeSignature(text)).toEqual(Buffer.from('ABC'));
    expect(() => decodeSignature(text)).toThrow(expect.objectContaining({ code: 'RET_SIGNATURE_INVALID' }));
  });

  it('cache one key object per fingerprint', () => {
    const cache = new KeyObjectCache(1);
    const other = openssl.genrsa(2048);
    const fpA = parseQuorumPublicKey(key2048.publicPem).fingerprint;
    const fpB = parseQuorumPublicKey(other.publicPem).fingerprint;
    const a = cache.get(fpA, key2048.publicPem);
    expect(cache.get(fpA, key2048.publicPem)).toBe(a);
    cache.get(fpB, other.publicPem);
    expect(cache.get(fpA, key2048.publicPem)).not.toBe(a);
  });

  it('refuses a stored key that is not the key its fingerprint names', () => {
    const cache = new KeyObjectCache();
    const fpA = parseQuorumPublicKey(key2048.publicPem).fingerprint;
    expect(() => cache.get(fpA, openssl.genrsa(2048).publicPem)).toThrow(expect.objectContaining({ code: 'RET_QUORUM_KEY_INVALID' }));
    expect(cache.peek(fpA)).toBeUndefined();
  });
});

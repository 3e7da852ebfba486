import { generateKeyPairSync, sign } from 'node:crypto';
import { chainHashes, checkpointMessage, nodeAuditCrypto, verifyAuditLedger, type AuditCheckpoint, type AuditLedger } from '@quorumd/core';
import { browserAuditCrypto } from '../src/audit-crypto';

/** The console's Verify runs core's one audit verifier with the browser's crypto: the same verdict as with Node's (quorum audit verify, npm run audit:verify), on intact and tampered logs. */
describe('console audit crypto', () => {
  const ISSUER = 'quorumd-a';
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').privateKey;
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  const texts = Array.from({ length: 12 }, (_, i) => `{"seq":${i + 1},"at":"2026-11-29T00:00:00.000Z","type":"t","actor":"system","data":{"n":"é${i + 1}"}}`);
  const hashes = chainHashes(texts);
  const checkpoint = (seq: number, key = privateKey, issuer = ISSUER): AuditCheckpoint => {
    const at = '2026-11-29T00:00:01.000Z';
    const hash = hashes[seq - 1]!;
    return { seq, hash, at, signature: sign(null, checkpointMessage(issuer, seq, hash, at), key).toString('base64') };
  };
  const intact: AuditLedger = { entries: texts, headSeq: 12, hashes: hashes.slice(0, 10), checkpoints: [checkpoint(5), checkpoint(10)], issuer: ISSUER };

  const cases: [string, AuditLedger, string | undefined][] = [
    ['intact', intact, publicKeyPem],
    ['an entry edited', { ...intact, entries: texts.map((t, i) => (i === 6 ? t.replace('é7', 'x7') : t)) }, publicKeyPem],
    ['an unsealed entry edited', { ...intact, entries: texts.map((t, i) => (i === 11 ? t.replace('é12', 'x12') : t)) }, publicKeyPem],
    ['entries reordered', { ...intact, entries: [texts[0]!, texts[2]!, texts[1]!, ...texts.slice(3)] }, publicKeyPem],
    ['the tail cut', { ...intact, entries: texts.slice(0, 9), hashes: hashes.slice(0, 9), headSeq: 9 }, publicKeyPem],
    ['shorter than the head', { ...intact, entries: texts.slice(0, 11) }, publicKeyPem],
    ['a forged checkpoint', { ...intact, checkpoints: [checkpoint(5, other)] }, publicKeyPem],
    ['another deployment’s checkpoint', { ...intact, checkpoints: [checkpoint(5, privateKey, 'quorumd-b')] }, publicKeyPem],
    ['no key to check checkpoints with', intact, undefined],
    ['not JSON', { ...intact, entries: ['{', ...texts.slice(1)] }, publicKeyPem],
  ];
  it.each(cases)('%s: the same verdict as with Node’s crypto', async (_name, ledger, pem) => {
    const node = await verifyAuditLedger(ledger, nodeAuditCrypto(pem));
    const browser = await verifyAuditLedger(ledger, await browserAuditCrypto(pem));
    expect(browser).toEqual(node);
  });

  it('finds an intact log intact, and the others broken', async () => {
    const verdicts = await Promise.all(cases.map(async ([, ledger, pem]) => verifyAuditLedger(ledger, await browserAuditCrypto(pem))));
    expect(verdicts.map((v) => v.ok)).toEqual([true, false, true, false, false, false, false, false, false, false]);
    expect(verdicts[0]).toMatchObject({ ok: true, entries: 12, sealed: 10, pending: 2, checkpoints: 2, head: hashes[9] });
  });
});

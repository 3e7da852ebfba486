import { generateKeyPairSync, sign } from 'node:crypto';
import { chainHashes, checkpointMessage, verifyAuditLedger, type AuditCheckpoint } from '@quorumd/core';
import { checkAuditLedger, type AuditLedgerInput } from '../src/audit-ledger-check';

/** The console's audit check reaches the verdict `quorum audit verify` (core's verifyAuditLedger) reaches, on intact and tampered logs. */
describe('console audit check', () => {
  const ISSUER = 'quorumd-a';
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').privateKey;
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  const texts = Array.from({ length: 12 }, (_, i) => `{"seq":${i + 1},"at":"2026-11-29T00:00:00.000Z","type":"t","actor":{"kind":"system"},"data":{"n":"é${i + 1}"}}`);
  const hashes = chainHashes(texts);
  const checkpoint = (seq: number, key = privateKey, issuer = ISSUER): AuditCheckpoint => {
    const at = '2026-11-29T00:00:01.000Z';
    const hash = hashes[seq - 1]!;
    return { seq, hash, at, signature: sign(null, checkpointMessage(issuer, seq, hash, at), key).toString('base64') };
  };
  const intact: AuditLedgerInput = { entries: texts, headSeq: 12, checkpoints: [checkpoint(5), checkpoint(10)], issuer: ISSUER, publicKeyPem };

  const cases: [string, AuditLedgerInput][] = [
    ['intact', intact],
    ['an entry edited', { ...intact, entries: texts.map((t, i) => (i === 6 ? t.replace('é7', 'x7') : t)) }],
    ['entries reordered', { ...intact, entries: [texts[0]!, texts[2]!, texts[1]!, ...texts.slice(3)] }],
    ['the tail cut', { ...intact, entries: texts.slice(0, 9), headSeq: 9 }],
    ['shorter than the head', { ...intact, entries: texts.slice(0, 11) }],
    ['a forged checkpoint', { ...intact, checkpoints: [checkpoint(5, other)] }],
    ['another deployment’s checkpoint', { ...intact, checkpoints: [checkpoint(5, privateKey, 'quorumd-b')] }],
    ['no key to check checkpoints with', { ...intact, publicKeyPem: undefined }],
    ['not JSON', { ...intact, entries: ['{', ...texts.slice(1)] }],
  ];
  it.each(cases)('%s: the same verdict as quorum audit verify', async (_name, ledger) => {
    const core = verifyAuditLedger({ ...ledger, hashes: [], ...(ledger.publicKeyPem ? { publicKey } : {}) });
    const mine = await checkAuditLedger(ledger);
    if (core.ok) expect(mine).toEqual({ ok: true, entries: core.entries, head: hashes[core.entries - 1], checkpoints: core.checkpoints });
    else expect(mine).toEqual(core);
  });
});

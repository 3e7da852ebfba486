import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { GENESIS_HASH, chainHash, chainHashes, checkpointMessage, nodeAuditCrypto, verifyAuditLedger, type AuditCheckpoint, type AuditLedger, type AuditVerdict } from '../src';

const ISSUER = 'quorumd-a';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

function entries(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `{"seq":${i + 1},"at":"2026-11-29T00:00:00.000Z","type":"t","actor":"system","data":{"n":${i + 1}}}`);
}

function checkpoint(seq: number, hash: string, key = privateKey, issuer = ISSUER): AuditCheckpoint {
  const at = '2026-11-29T00:00:01.000Z';
  return { seq, hash, at, signature: sign(null, checkpointMessage(issuer, seq, hash, at), key).toString('base64') };
}

/** A sealed ledger of n entries with a checkpoint at every `every`-th entry. */
function ledger(n: number, every = 5): AuditLedger {
  const texts = entries(n);
  const hashes = chainHashes(texts);
  const checkpoints = hashes.map((hash, i) => ({ seq: i + 1, hash })).filter((c) => c.seq % every === 0).map((c) => checkpoint(c.seq, c.hash));
  return { entries: texts, headSeq: n, hashes, checkpoints, issuer: ISSUER };
}

/** The one verifier, with Node's crypto and the deployment's key pinned. */
function verify(l: AuditLedger): Promise<AuditVerdict> {
  return verifyAuditLedger(l, nodeAuditCrypto(publicKey));
}

describe('audit ledger', () => {
  it('chains SHA-256 over the previous hash, a newline and the entry', async () => {
    const text = entries(1)[0]!;
    expect(chainHash(GENESIS_HASH, text)).toBe(createHash('sha256').update(`${GENESIS_HASH}\n${text}`).digest('hex'));
  });

  it('signs exactly five lines, each ended by a newline', async () => {
    expect(checkpointMessage('quorumd-a', 12, 'ab'.repeat(32), '2026-11-29T00:00:01.000Z').toString()).toBe(
      `quorumd audit checkpoint v1\nquorumd-a\n12\n${'ab'.repeat(32)}\n2026-11-29T00:00:01.000Z\n`,
    );
  });

  it('holds when intact, and reports an unsealed tail as pending, not broken', async () => {
    expect(await verify(ledger(12))).toMatchObject({ ok: true, entries: 12, sealed: 12, pending: 0, checkpoints: 2 });
    const l = ledger(12);
    expect(await verify({ ...l, hashes: l.hashes.slice(0, 9) })).toMatchObject({ ok: true, sealed: 9, pending: 3 });
  });

  it('names a cut tail: against the head, and against a checkpoint when the head was cut too', async () => {
    const l = ledger(12);
    expect(await verify({ ...l, entries: l.entries.slice(0, 9), hashes: l.hashes.slice(0, 9) })).toMatchObject({ ok: false, what: 'log', seq: 10, reason: expect.stringMatching(/head says 12/) });
    const cut = { ...l, entries: l.entries.slice(0, 9), hashes: l.hashes.slice(0, 9), headSeq: 9 };
    expect(await verify(cut)).toMatchObject({ ok: false, what: 'checkpoint', seq: 10, reason: expect.stringMatching(/tail was cut/) });
  });

  it('names the last entry rewritten with a recomputed hash (its checkpoint no longer matches)', async () => {
    const l = ledger(10);
    const texts = [...l.entries];
    texts[9] = texts[9]!.replace('"n":10', '"n":99');
    const hashes = chainHashes(texts);
    expect(await verify({ ...l, entries: texts, hashes })).toMatchObject({ ok: false, what: 'checkpoint', seq: 10, reason: expect.stringMatching(/rewritten/) });
  });

  it('names an edit in the middle, and a reorder', async () => {
    const l = ledger(10);
    const edited = [...l.entries];
    edited[4] = edited[4]!.replace('"type":"t"', '"type":"x"');
    expect(await verify({ ...l, entries: edited })).toMatchObject({ ok: false, what: 'entry', seq: 5 });
    const reordered = [...l.entries];
    [reordered[3], reordered[4]] = [reordered[4]!, reordered[3]!];
    expect(await verify({ ...l, entries: reordered })).toMatchObject({ ok: false, what: 'entry', seq: 4, reason: expect.stringMatching(/reordered/) });
  });

  it('names a forged checkpoint signature, and a checkpoint of another deployment', async () => {
    const l = ledger(10);
    const forged = { ...l.checkpoints[1]!, signature: Buffer.alloc(64, 7).toString('base64') };
    expect(await verify({ ...l, checkpoints: [l.checkpoints[0]!, forged] })).toMatchObject({ ok: false, what: 'checkpoint', seq: 10, reason: expect.stringMatching(/does not verify/) });
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(await verify({ ...l, checkpoints: [checkpoint(5, l.hashes[4]!, other)] })).toMatchObject({ ok: false, what: 'checkpoint', seq: 5 });
    expect(await verify({ ...l, checkpoints: [checkpoint(5, l.hashes[4]!, privateKey, 'quorumd-b')] })).toMatchObject({ ok: false, what: 'checkpoint', seq: 5 });
  });
});

import { createHash } from 'node:crypto';
import { GENESIS_HASH, verifyAuditChain } from '../src';

function chain(n: number): string[] {
  const out: string[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const body = `{"seq":${seq},"at":"2026-11-29T00:00:00.000Z","type":"t","actor":{"kind":"system"},"data":{"n":${seq}},"prev":"${prev}"}`;
    prev = createHash('sha256').update(body).digest('hex');
    out.push(`${body.slice(0, -1)},"hash":"${prev}"}`);
  }
  return out;
}

describe('audit hash chain', () => {
  it('verifies an intact chain', () => {
    expect(verifyAuditChain(chain(5))).toMatchObject({ ok: true, entries: 5 });
  });

  it('names the entry whose content was altered', () => {
    const entries = chain(5);
    entries[2] = (entries[2] as string).replace('"n":3', '"n":4');
    expect(verifyAuditChain(entries)).toMatchObject({ ok: false, brokenSeq: 3, reason: expect.stringMatching(/hash does not match/) });
  });

  it('names the entry after one that was rewritten with a fresh hash', () => {
    const entries = chain(5);
    const forged = chain(5).map((e) => e.replace('"n":2', '"n":9'));
    const body = (forged[1] as string).replace(/,"hash":"[0-9a-f]{64}"}$/, '}');
    entries[1] = `${body.slice(0, -1)},"hash":"${createHash('sha256').update(body).digest('hex')}"}`;
    expect(verifyAuditChain(entries)).toMatchObject({ ok: false, brokenSeq: 3, reason: expect.stringMatching(/link/) });
  });

  it('names a removed entry', () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verifyAuditChain(entries)).toMatchObject({ ok: false, brokenSeq: 2 });
  });
});

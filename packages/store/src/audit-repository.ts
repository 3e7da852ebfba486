import { GENESIS_HASH, verifyAuditChain, type AuditVerdict } from '@quorumd/core';
import type { StoreContext } from './store-context';

export class AuditRepository {
  constructor(private readonly ctx: StoreContext) {}

  async length(): Promise<number> {
    return this.ctx.read((r) => r.llen(this.ctx.keys.audit()));
  }

  /** Raw entries from sequence number `fromSeq` (1-based), at most `limit`. */
  async page(fromSeq: number, limit: number): Promise<string[]> {
    const start = Math.max(0, fromSeq - 1);
    return this.ctx.read((r) => r.lrange(this.ctx.keys.audit(), start, start + limit - 1));
  }

  /** Checks the whole chain in pages. */
  async verify(pageSize = 1000): Promise<AuditVerdict> {
    let prev = GENESIS_HASH;
    let seq = 1;
    for (;;) {
      const raw = await this.page(seq, pageSize);
      const verdict = verifyAuditChain(raw, prev, seq);
      if (!verdict.ok) return { ...verdict, entries: seq - 1 + verdict.entries };
      if (raw.length < pageSize) return { ok: true, entries: seq - 1 + raw.length, head: verdict.head };
      prev = verdict.head;
      seq += raw.length;
    }
  }
}

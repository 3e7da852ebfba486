import { nodeAuditCrypto, verifyAuditLedger, type AuditCheckpoint, type AuditFreshness, type AuditLedger, type AuditVerdict } from '@quorumd/core';
import type { StoreContext } from './store-context';

/** The audit ledger in Redis: entries, the sealer's hashes, the head, signed checkpoints, the public key. */
export class AuditRepository {
  constructor(private readonly ctx: StoreContext) {}

  async length(): Promise<number> {
    return this.ctx.read((r) => r.llen(this.ctx.keys.audit()));
  }

  /** The last sequence number appended. */
  async headSeq(): Promise<number> {
    return Number((await this.ctx.read((r) => r.hget(this.ctx.keys.auditHead(), 'seq'))) ?? 0);
  }

  /** The last entry sealed: its seq and the chain's hash there. */
  async sealed(): Promise<{ seq: number; hash: string | undefined }> {
    const [seq, hash] = await this.ctx.read((r) => r.hmget(this.ctx.keys.auditSealed(), 'seq', 'hash'));
    return { seq: Number(seq ?? 0), hash: hash ?? undefined };
  }

  /** Raw entries from sequence number `fromSeq` (1-based), at most `limit`. */
  async page(fromSeq: number, limit: number): Promise<string[]> {
    const start = Math.max(0, fromSeq - 1);
    return this.ctx.read((r) => r.lrange(this.ctx.keys.audit(), start, start + limit - 1));
  }

  /** The sealed hashes (hex) from sequence number `fromSeq` (1-based), at most `limit`. */
  async hashes(fromSeq: number, limit: number): Promise<string[]> {
    const start = Math.max(0, fromSeq - 1);
    const raw = await this.ctx.read((r) => r.lrangeBuffer(this.ctx.keys.auditHashes(), start, start + limit - 1));
    return raw.map((h) => h.toString('hex'));
  }

  /** Checkpoints after `afterSeq`, oldest first. */
  async checkpoints(afterSeq = 0): Promise<AuditCheckpoint[]> {
    const raw = await this.ctx.read((r) => r.lrange(this.ctx.keys.auditCheckpoints(), 0, -1));
    return raw.map((line) => JSON.parse(line) as AuditCheckpoint).filter((c) => c.seq > afterSeq);
  }

  /** The audit public key (PEM) this deployment's checkpoints are signed for, once a sealer published it. */
  async publicKeyPem(): Promise<string | undefined> {
    return (await this.ctx.read((r) => r.get(this.ctx.keys.auditPublicKey()))) ?? undefined;
  }

  /** Everything a verifier reads, in one consistent snapshot (MULTI). */
  async ledger(): Promise<AuditLedger> {
    const k = this.ctx.keys;
    const replies = await this.ctx.read((r) =>
      r.multi().hget(k.auditHead(), 'seq').lrange(k.audit(), 0, -1).lrangeBuffer(k.auditHashes(), 0, -1).lrange(k.auditCheckpoints(), 0, -1).hget(k.meta(), 'issuer').exec(),
    );
    const value = (i: number): unknown => replies?.[i]?.[1];
    return {
      headSeq: Number(value(0) ?? 0),
      entries: value(1) as string[],
      hashes: (value(2) as Buffer[]).map((h) => h.toString('hex')),
      checkpoints: (value(3) as string[]).map((line) => JSON.parse(line) as AuditCheckpoint),
      issuer: (value(4) as string | null) ?? '',
    };
  }

  /**
   * Checks the ledger as stored. `publicKeyPem` pins the key checkpoints must verify with
   * (default: the one published in Redis — which whoever writes Redis could replace; pin
   * it from outside for tamper evidence). `checkpoints` replaces Redis's own list (e.g. the
   * file kept outside Redis). `freshness` also checks that sealing and signing keep up.
   */
  async verify(options: { publicKeyPem?: string; checkpoints?: AuditCheckpoint[]; freshness?: AuditFreshness } = {}): Promise<AuditVerdict> {
    const ledger = await this.ledger();
    const pem = options.publicKeyPem ?? (await this.publicKeyPem());
    return verifyAuditLedger({ ...ledger, checkpoints: options.checkpoints ?? ledger.checkpoints }, nodeAuditCrypto(pem), options.freshness);
  }
}

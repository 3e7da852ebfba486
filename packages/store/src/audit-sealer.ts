import { GENESIS_HASH, chainHashes, checkpointMessage, type AuditCheckpoint } from '@quorumd/core';
import { SYSTEM } from './store-context';
import type { QuorumStore } from './quorum-store';

/** Signs checkpoints with the audit key (Ed25519), whose private half never lives in Redis. */
export interface AuditSigner {
  publicKeyPem: string;
  sign(message: Buffer): Buffer;
}

export interface AuditSealerOptions {
  /** This sealer's id (unique per process), held in the lease. */
  id: string;
  /** Without a signer the sealer seals but signs no checkpoint. */
  signer?: AuditSigner;
  /** How long a lease lasts without renewal: a killed sealer is replaced after this. */
  leaseMs?: number;
  /** How often the sealer looks for new entries. */
  pollMs?: number;
  /** How often, at most, a checkpoint is signed (when the head moved). */
  checkpointIntervalMs: number;
  /** Entries hashed per script call. */
  batch?: number;
  /** Called after each checkpoint is stored (the process appends it to its file). */
  onCheckpoint?: (checkpoint: AuditCheckpoint) => void;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Seals the audit log: computes the chain's hashes (SHA-256, in Node) strictly in sequence
 * order and writes them, and signs a checkpoint of the sealed head every interval in which
 * it moved. Any number of processes run one; a lease in Redis lets exactly one work at a
 * time, and a killed one's lease runs out after `leaseMs`, when another takes over.
 */
export class AuditSealer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastCheckpointAt = 0;
  private issuer: string | undefined;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly batch: number;

  constructor(
    private readonly store: QuorumStore,
    private readonly options: AuditSealerOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 3000;
    this.pollMs = options.pollMs ?? 100;
    this.batch = options.batch ?? 1000;
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops after the round in hand (it keeps its lease until it runs out). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch((err: unknown) => this.options.log('audit sealer round failed; retrying', { err: err instanceof Error ? err.message : String(err) }))
        .finally(() => this.schedule(this.pollMs));
    }, ms);
  }

  /** One round: hold the lease, seal what is new, sign a checkpoint when due. */
  async round(): Promise<void> {
    const ctx = this.store.ctx;
    const held = (await ctx.run('auditSealerLease', {}, SYSTEM, [this.options.id, this.leaseMs])) === 1;
    if (!held) return;
    while (!this.stopped && (await this.sealNext()) === this.batch);
    await this.checkpointIfDue();
  }

  /** Seals up to `batch` entries after the last sealed one; answers how many. */
  private async sealNext(): Promise<number> {
    const sealed = await this.store.audit.sealed();
    const texts = await this.store.audit.page(sealed.seq + 1, this.batch);
    if (texts.length === 0) return 0;
    const hashes = chainHashes(texts, sealed.hash ?? GENESIS_HASH);
    // Stored as raw 32-byte digests (half the memory of hex); the last one also as hex in audit:sealed.
    await this.store.ctx.run('sealAudit', {}, SYSTEM, [this.options.id, sealed.seq, hashes[hashes.length - 1] as string, ...hashes.map((h) => Buffer.from(h, 'hex'))]);
    return texts.length;
  }

  private async checkpointIfDue(): Promise<void> {
    const signer = this.options.signer;
    const now = this.store.ctx.clock();
    if (!signer || now - this.lastCheckpointAt < this.options.checkpointIntervalMs) return;
    const sealed = await this.store.audit.sealed();
    if (sealed.seq === 0 || sealed.hash === undefined) return;
    const last = (await this.store.ctx.read((r) => r.lindex(this.store.keys.auditCheckpoints(), -1))) ?? undefined;
    if (last !== undefined && (JSON.parse(last) as AuditCheckpoint).seq >= sealed.seq) return;
    this.issuer ??= (await this.store.ctx.read((r) => r.hget(this.store.keys.meta(), 'issuer'))) ?? '';
    const at = new Date(now).toISOString();
    const signature = signer.sign(checkpointMessage(this.issuer, sealed.seq, sealed.hash, at)).toString('base64');
    const checkpoint: AuditCheckpoint = { seq: sealed.seq, hash: sealed.hash, at, signature };
    const stored = await this.store.ctx.run('addAuditCheckpoint', {}, SYSTEM, [this.options.id, JSON.stringify(checkpoint), sealed.seq, signer.publicKeyPem]);
    this.lastCheckpointAt = now;
    if (stored === 1) this.options.onCheckpoint?.(checkpoint);
  }
}

import { AUDIT_TREE_TILE_HEIGHT, GENESIS_HASH, appendLeaves, auditLeafHash, chainHashes, checkpointBody, checkpointMessage, checkpointText, completeSubtrees, defaultAuditOrigin, defaultMaxCheckpointAgeMs, isStoredLevel, nodeAuditCrypto, nodeMerkleHasher, parseAuditEntry, rawEd25519PublicKey, signNote, storedTileCount, type AuditCheckpoint, type AuditCrypto } from '@quorumd/core';
import { AUDIT_TREE_CHUNK } from './redis-contract';
import { SYSTEM } from './store-context';
import type { QuorumStore } from './quorum-store';

/** The `token.approved` and `token.consumed` entries among `texts` (entries size+1, size+2, ...), by token id. */
function tokenEntriesOf(size: number, texts: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  texts.forEach((text, i) => {
    if (!text.includes('"token.approved"') && !text.includes('"token.consumed"')) return;
    try {
      const entry = parseAuditEntry(text);
      const id = (entry.data as { id?: unknown } | null)?.id;
      if ((entry.type === 'token.approved' || entry.type === 'token.consumed') && typeof id === 'string') (out[id] ??= []).push(size + i + 1);
    } catch {
      // Not JSON: the verifier names it; the tree holds it all the same.
    }
  });
  return out;
}

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
  /** The last checkpoint this sealer's process signed before (the last line of its checkpoint file). */
  lastCheckpoint?: AuditCheckpoint;
  /** How long a lease lasts without renewal: a killed sealer is replaced after this. */
  leaseMs?: number;
  /** How often the sealer looks for new entries. */
  pollMs?: number;
  /** How often, at most, a checkpoint is signed (when the head moved). */
  checkpointIntervalMs: number;
  /** How long sealing or signing may lag before it is an error (default: 5 intervals, at least 10 s). */
  maxLagMs?: number;
  /** The checkpoints' origin and note key name (QUORUM_AUDIT_ORIGIN; default `quorumd/<issuer>`). */
  origin?: string;
  /** Entries hashed per script call. */
  batch?: number;
  /** Called after each checkpoint is stored (the process appends it to its file). */
  onCheckpoint?: (checkpoint: AuditCheckpoint) => void;
  log: (message: string, fields?: Record<string, unknown>) => void;
  /** Sealing or signing has stopped (the lease held by another for too long, a refused signature): an operator must look. */
  alarm: (message: string, fields?: Record<string, unknown>) => void;
}

/** How far behind the audit log's sealing and signing are, as this sealer sees it. */
export interface AuditSealStatus {
  /** How long the oldest entry not sealed yet has waited, s (0: all sealed). */
  sealLagSeconds: number;
  /** How long entries past the newest checkpoint have waited uncovered, s (0: all covered). */
  checkpointAgeSeconds: number;
}

/**
 * Seals the audit log: computes the chain's hashes (SHA-256, in Node) strictly in sequence
 * order and writes them, and signs a checkpoint of the sealed head every interval in which
 * it moved. Any number of processes run one; a lease in Redis lets exactly one work at a
 * time, and a killed one's lease runs out after `leaseMs`, when another takes over.
 *
 * What to sign is decided from this sealer's own state — the last checkpoint it signed (or
 * its file's last one) — never from Redis's checkpoint list, which whoever writes Redis
 * could fill with a fake far ahead. Every round, holder or not, it measures how far sealing
 * and signing lag (`status()`), and raises an alarm when either lags more than `maxLagMs`.
 */
export class AuditSealer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastCheckpointAt = 0;
  private issuer: string | undefined;
  /** The newest checkpoint this sealer knows was signed with its key: its own, or one in Redis that verifies. */
  private newest: AuditCheckpoint | undefined;
  /** The last checkpoint this sealer signed (what it signs next must extend it). */
  private signed: AuditCheckpoint | undefined;
  private current: AuditSealStatus = { sealLagSeconds: 0, checkpointAgeSeconds: 0 };
  /** Since when (this sealer's clock) the log has waited unsealed past `seq`. */
  private unsealed: { seq: number; since: number } | undefined;
  /** Since when (this sealer's clock) the log has waited uncovered past checkpoint `seq`. */
  private uncovered: { seq: number; since: number } | undefined;
  /** The check of checkpoints with this sealer's own public key. */
  private ownKey: AuditCrypto | undefined;
  private rawPublicKey: Buffer | undefined;
  /** When each alarm was last raised (one per `maxLagMs` each). */
  private readonly alarmedAt = new Map<string, number>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly maxLagMs: number;

  constructor(
    private readonly store: QuorumStore,
    private readonly options: AuditSealerOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 3000;
    this.pollMs = options.pollMs ?? 100;
    this.batch = options.batch ?? 1000;
    this.maxLagMs = options.maxLagMs ?? defaultMaxCheckpointAgeMs(options.checkpointIntervalMs);
    this.signed = options.lastCheckpoint;
    this.newest = options.lastCheckpoint;
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

  /** How far sealing and signing lag, as of the last round. */
  status(): AuditSealStatus {
    return { ...this.current };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch((err: unknown) => this.options.log('audit sealer round failed; retrying', { err }))
        .finally(() => this.schedule(this.pollMs));
    }, ms);
  }

  /** One round: hold the lease, seal what is new, sign a checkpoint when due; then measure the lag. */
  async round(): Promise<void> {
    const ctx = this.store.ctx;
    const lease = async (): Promise<boolean> => (await ctx.run('auditSealerLease', {}, SYSTEM, { sealerId: this.options.id, leaseMs: this.leaseMs })) === 1;
    if (await lease()) {
      // A backlog (a long migration of an existing log, say) takes many batches: the lease is renewed after each.
      while (!this.stopped && (await this.sealNext()) === this.batch && (await lease()));
      await this.checkpointIfDue();
    } else {
      await this.learnNewestCheckpoint();
    }
    await this.measure();
  }

  /**
   * Seals up to `batch` entries after the last sealed one, and adds them to the Merkle tree;
   * answers how many. A tree behind the chain (a log sealed before the tree was kept, or a
   * round stopped between the two scripts) is grown first, `batch` entries at a time: that
   * is the one-time migration of an existing chain.
   */
  private async sealNext(): Promise<number> {
    const sealed = await this.store.audit.sealed();
    if (sealed.treeSize < sealed.seq) {
      const behind = await this.store.audit.page(sealed.treeSize + 1, Math.min(this.batch, sealed.seq - sealed.treeSize));
      if (behind.length === 0) return 0;
      await this.growTree(sealed.treeSize, behind);
      return behind.length;
    }
    const texts = await this.store.audit.page(sealed.seq + 1, this.batch);
    if (texts.length === 0) return 0;
    const hashes = chainHashes(texts, sealed.hash ?? GENESIS_HASH);
    // Stored as raw 32-byte digests (half the memory of hex); the last one also as hex in audit:sealed.
    await this.store.ctx.run('sealAudit', {}, SYSTEM, {
      sealerId: this.options.id,
      sealedSeq: sealed.seq,
      lastHash: hashes[hashes.length - 1] as string,
      hashes: hashes.map((h) => Buffer.from(h, 'hex')),
    });
    await this.growTree(sealed.seq, texts);
    return texts.length;
  }

  /**
   * Adds the entries after the first `size` to the Merkle tree: of the complete subtrees they
   * finish, those of the kept levels (4, 8, …; the lower ones are folded from the entries
   * when asked). Growing from 0 over a tree kept in another layout replaces it (the script).
   */
  private async growTree(size: number, texts: readonly string[]): Promise<void> {
    const frontier = await this.store.audit.subtrees(completeSubtrees(0, size));
    const { nodes } = appendLeaves(size, frontier, texts.map(auditLeafHash), nodeMerkleHasher);
    const kept = nodes.filter((n) => isStoredLevel(n.level, AUDIT_TREE_TILE_HEIGHT));
    await this.store.ctx.run('growAuditTree', {}, SYSTEM, {
      sealerId: this.options.id,
      treeSize: size,
      newSize: size + texts.length,
      tokenEntries: JSON.stringify(tokenEntriesOf(size, texts)),
      height: AUDIT_TREE_TILE_HEIGHT,
      firstIndex: storedTileCount(size, AUDIT_TREE_TILE_HEIGHT),
      chunk: AUDIT_TREE_CHUNK,
      // In the order appendLeaves completes them: the storage order (storedTileIndex).
      hashes: Buffer.concat(kept.map((n) => n.hash)),
    });
  }

  /** The signed note of the tree of the first `size` entries, when the tree holds them. */
  private async signedTreeNote(signer: AuditSigner, size: number): Promise<string | undefined> {
    if ((await this.store.audit.treeSize()) < size) return undefined;
    const origin = this.options.origin ?? defaultAuditOrigin(await this.issuerName());
    this.rawPublicKey ??= rawEd25519PublicKey(signer.publicKeyPem);
    const body = checkpointBody(origin, size, await this.store.audit.root(size));
    return signNote(body, origin, this.rawPublicKey, (message) => signer.sign(message));
  }

  private async checkpointIfDue(): Promise<void> {
    const signer = this.options.signer;
    const now = this.store.ctx.clock();
    if (!signer || now - this.lastCheckpointAt < this.options.checkpointIntervalMs) return;
    const sealed = await this.store.audit.sealed();
    if (sealed.seq === 0 || sealed.hash === undefined) return;
    const last = this.signed;
    if (last !== undefined && sealed.seq === last.seq && sealed.hash === last.hash) return;
    if (last !== undefined) {
      // What it signs should extend what it signed. If not, Redis's log was cut or rewritten
      // (or the checkpoint file is another deployment's): an alarm, and it signs all the same —
      // the verifier finds the old checkpoint off the chain, and the entries from now on stay covered.
      const [there] = sealed.seq >= last.seq ? await this.store.audit.hashes(last.seq, 1) : [undefined];
      if (there !== last.hash) {
        this.refuse(now, 'the sealed audit chain in Redis no longer holds the last checkpoint this sealer signed (its tail cut, or an entry up to it rewritten; or the checkpoint file is another deployment\'s)', {
          sealedSeq: sealed.seq,
          signedSeq: last.seq,
        });
      }
    }
    const issuer = await this.issuerName();
    const at = new Date(now).toISOString();
    const signature = signer.sign(checkpointMessage(issuer, sealed.seq, sealed.hash, at)).toString('base64');
    const note = await this.signedTreeNote(signer, sealed.seq);
    const checkpoint: AuditCheckpoint = { seq: sealed.seq, hash: sealed.hash, at, signature, ...(note === undefined ? {} : { note }) };
    await this.store.ctx.run('addAuditCheckpoint', {}, SYSTEM, { sealerId: this.options.id, checkpoint: JSON.stringify(checkpoint), seq: sealed.seq, publicKeyPem: signer.publicKeyPem });
    this.lastCheckpointAt = now;
    this.signed = checkpoint;
    this.newest = checkpoint;
    this.options.onCheckpoint?.(checkpoint);
  }

  /** A sealer that does not hold the lease learns of the holder's checkpoints only from those in Redis that verify with its own key. */
  private async learnNewestCheckpoint(): Promise<void> {
    const signer = this.options.signer;
    if (!signer) return;
    const raw = await this.store.ctx.read((r) => r.lindex(this.store.keys.auditCheckpoints(), -1));
    if (raw === null) return;
    let checkpoint: AuditCheckpoint;
    try {
      checkpoint = JSON.parse(raw) as AuditCheckpoint;
    } catch {
      return;
    }
    if (this.newest && checkpoint.seq <= this.newest.seq) return;
    this.ownKey ??= nodeAuditCrypto(signer.publicKeyPem);
    const valid = this.ownKey.checkpointSignatureValid?.(checkpointText(await this.issuerName(), checkpoint.seq, checkpoint.hash, checkpoint.at), checkpoint.signature);
    if (valid === true) this.newest = checkpoint;
  }

  /**
   * The lag of sealing (oldest unsealed entry) and of signing (oldest entry no checkpoint
   * covers), by this sealer's own clock: since it first saw the entry waiting (an unsealed
   * entry's own `at` could be rewritten by whoever writes Redis; it only ever adds to the lag,
   * for a backlog found at start); an alarm past `maxLagMs`.
   */
  private async measure(): Promise<void> {
    const now = this.store.ctx.clock();
    const [head, sealed] = await Promise.all([this.store.audit.headSeq(), this.store.audit.sealed()]);
    const covered = this.newest?.seq ?? 0;
    this.unsealed = head > sealed.seq ? (this.unsealed?.seq === sealed.seq ? this.unsealed : { seq: sealed.seq, since: now }) : undefined;
    this.uncovered = head > covered ? (this.uncovered?.seq === covered ? this.uncovered : { seq: covered, since: now }) : undefined;
    const firstUnsealed = this.unsealed ? await this.appendedAt(sealed.seq + 1) : undefined;
    const sealLagMs = this.unsealed ? Math.max(now - this.unsealed.since, firstUnsealed === undefined ? 0 : now - firstUnsealed) : 0;
    const checkpointAgeMs = this.uncovered ? Math.max(now - this.uncovered.since, sealLagMs) : 0;
    this.current = { sealLagSeconds: Math.max(0, sealLagMs) / 1000, checkpointAgeSeconds: Math.max(0, checkpointAgeMs) / 1000 };
    if (sealLagMs > this.maxLagMs || checkpointAgeMs > this.maxLagMs) {
      const lease = await this.store.ctx.read((r) => r.get(this.store.keys.auditSealer()));
      const what = sealLagMs > this.maxLagMs ? 'audit sealing has stopped' : 'audit checkpoints have stopped';
      this.refuse(now, `${what}: entries wait longer than ${this.maxLagMs} ms (the sealer lease holder is stopped or blocked, or not a quorumd sealer): the unsigned tail could be rewritten`, {
        ...this.current,
        headSeq: head,
        sealedSeq: sealed.seq,
        checkpointSeq: covered,
        leaseHolder: lease,
        self: this.options.id,
      });
    }
  }

  /** When entry `seq` was appended (ms), if there is one. */
  private async appendedAt(seq: number): Promise<number | undefined> {
    const [text] = await this.store.audit.page(seq, 1);
    if (text === undefined) return undefined;
    try {
      const at = Date.parse(parseAuditEntry(text).at);
      return Number.isNaN(at) ? undefined : at;
    } catch {
      return undefined;
    }
  }

  /** An alarm, each at most once per `maxLagMs` (every round would flood the log). */
  private refuse(now: number, message: string, fields: Record<string, unknown>): void {
    if (now - (this.alarmedAt.get(message) ?? -Infinity) < this.maxLagMs) return;
    this.alarmedAt.set(message, now);
    this.options.alarm(message, fields);
  }

  private async issuerName(): Promise<string> {
    this.issuer ??= (await this.store.ctx.read((r) => r.hget(this.store.keys.meta(), 'issuer'))) ?? '';
    return this.issuer;
  }
}

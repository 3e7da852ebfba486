import { AUDIT_TREE_TILE_HEIGHT, auditLeafHash, consistencyProof, inclusionProof, nodeAuditCrypto, nodeMerkleHasher, storedTileIndex, tiledReader, treeRoot, verifyAuditLedger, type AuditCheckpoint, type AuditFreshness, type AuditLedger, type AuditVerdict, type SubtreeReader, type TiledReads } from '@quorumd/core';
import { AUDIT_TREE_CHUNK } from './redis-contract';
import { SYSTEM, type StoreContext } from './store-context';

/** The audit ledger in Redis: entries, the sealer's hashes, the head, signed checkpoints, the public key. */
/** What a bundle carries to prove it was logged (see logProofOf; checked by the client's bundle-log-proof.ts). */
export interface AuditLogProof {
  /** The signed checkpoint (C2SP signed note) the proofs are against. */
  checkpoint: string;
  entries: { index: number; text: string; hashes: string[] }[];
}

/** The tree's size as `audit:sealed` holds it: 0 unless it is kept in tiles of this height (`treeHeight`). */
function treeSizeOf(tree: string | null | undefined, height: string | null | undefined): number {
  return height === String(AUDIT_TREE_TILE_HEIGHT) ? Number(tree ?? 0) : 0;
}

export class AuditRepository {
  constructor(private readonly ctx: StoreContext) {}

  async length(): Promise<number> {
    return this.ctx.read((r) => r.llen(this.ctx.keys.audit()));
  }

  /** The last sequence number appended. */
  async headSeq(): Promise<number> {
    return Number((await this.ctx.read((r) => r.hget(this.ctx.keys.auditHead(), 'seq'))) ?? 0);
  }

  /**
   * The last entry sealed: its seq and the chain's hash there; and how many entries the
   * Merkle tree holds in the tiled layout (0 for a tree kept in another layout — every level,
   * as before tiles — which the sealer regrows once from entry 1).
   */
  async sealed(): Promise<{ seq: number; hash: string | undefined; treeSize: number }> {
    const [seq, hash, tree, height] = await this.ctx.read((r) => r.hmget(this.ctx.keys.auditSealed(), 'seq', 'hash', 'tree', 'treeHeight'));
    return { seq: Number(seq ?? 0), hash: hash ?? undefined, treeSize: treeSizeOf(tree, height) };
  }

  /** How many entries the Merkle tree holds (the sealer grows it right after the chain). */
  async treeSize(): Promise<number> {
    const [tree, height] = await this.ctx.read((r) => r.hmget(this.ctx.keys.auditSealed(), 'tree', 'treeHeight'));
    return treeSizeOf(tree, height);
  }

  /**
   * The hash of any complete subtree of the Merkle tree, in the order asked: folded from the
   * kept tiles (levels 4, 8, …) and the entries' texts, all read in one round trip; throws
   * when one is missing (not grown that far).
   */
  readonly subtrees: SubtreeReader = tiledReader(AUDIT_TREE_TILE_HEIGHT, (reads) => this.readTiles(reads), nodeMerkleHasher);

  /** The kept hashes and the leaves (hashed from the entries' texts) `reads` names, in one pipeline. */
  private async readTiles(reads: TiledReads): Promise<{ stored: Buffer[]; leaves: Buffer[][] }> {
    const replies = await this.ctx.read((r) => {
      const pipeline = r.pipeline();
      for (const ref of reads.stored) {
        const at = storedTileIndex(ref.level, ref.index, AUDIT_TREE_TILE_HEIGHT);
        const chunk = Math.floor(at / AUDIT_TREE_CHUNK);
        const offset = (at - chunk * AUDIT_TREE_CHUNK) * 32;
        pipeline.getrangeBuffer(this.ctx.keys.auditTree(chunk), offset, offset + 31);
      }
      for (const range of reads.leaves) pipeline.lrange(this.ctx.keys.audit(), range.lo, range.hi - 1);
      return pipeline.exec();
    });
    const reply = (i: number): unknown => {
      const [err, value] = replies?.[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      return value;
    };
    const stored = reads.stored.map((ref, i) => {
      const h = reply(i);
      if (!Buffer.isBuffer(h) || h.length !== 32) throw new Error(`the audit tree has no subtree ${ref.level}/${ref.index}`);
      return h;
    });
    const leaves = reads.leaves.map((range, n) => {
      const texts = reply(reads.stored.length + n) as string[];
      if (texts.length !== range.hi - range.lo) throw new Error(`the audit log has no entries ${range.lo + 1}..${range.hi}`);
      return texts.map(auditLeafHash);
    });
    return { stored, leaves };
  }

  /** The Merkle root of the first `size` entries (size ≥ 1, within the tree). */
  async root(size: number): Promise<Buffer> {
    return Buffer.from(await treeRoot(size, this.subtrees, nodeMerkleHasher));
  }

  /** The RFC 9162 inclusion proof of entry `index` (0-based leaf index, seq − 1) in the tree of `size` entries. */
  async inclusionProof(index: number, size: number): Promise<Buffer[]> {
    return (await inclusionProof(index, size, this.subtrees, nodeMerkleHasher)).map((h) => Buffer.from(h));
  }

  /** The RFC 9162 consistency proof from the tree of `from` entries to that of `to`. */
  async consistencyProof(from: number, to: number): Promise<Buffer[]> {
    return (await consistencyProof(from, to, this.subtrees, nodeMerkleHasher)).map((h) => Buffer.from(h));
  }

  /** The leaf hashes of entries from seq `fromSeq`, at most `limit` (as far as the tree holds them): hashed from their texts. */
  async leafHashes(fromSeq: number, limit: number): Promise<Buffer[]> {
    const size = await this.treeSize();
    const count = Math.min(limit, size - fromSeq + 1);
    if (fromSeq < 1 || count <= 0) return [];
    return (await this.page(fromSeq, count)).map(auditLeafHash);
  }

  /** The newest checkpoint that carries a signed note (those signed before the tree was kept have none). */
  async latestNotedCheckpoint(): Promise<(AuditCheckpoint & { note: string }) | undefined> {
    const all = await this.checkpoints();
    for (let i = all.length - 1; i >= 0; i--) {
      const c = all[i] as AuditCheckpoint;
      if (typeof c.note === 'string') return c as AuditCheckpoint & { note: string };
    }
    return undefined;
  }

  /** The witnesses' cosignature lines stored for the checkpoint of `size` ('' when none). */
  async cosignatures(size: number): Promise<string> {
    return (await this.ctx.read((r) => r.hget(this.ctx.keys.auditCosignatures(), String(size)))) ?? '';
  }

  /** Stores cosignature lines a witness answered for the checkpoint of `size`. */
  async addCosignatures(size: number, lines: string): Promise<void> {
    await this.ctx.run('addAuditCosignatures', {}, SYSTEM, { size, lines });
  }

  /** The newest signed checkpoint with the witnesses' cosignatures appended (a note with more signature lines). */
  async cosignedCheckpoint(): Promise<{ size: number; note: string } | undefined> {
    const latest = await this.latestNotedCheckpoint();
    if (!latest) return undefined;
    return { size: latest.seq, note: latest.note + (await this.cosignatures(latest.seq)) };
  }

  /**
   * A token's proof of being logged: the newest signed checkpoint (note), and each of the
   * token's `token.approved` / `token.consumed` entries that it covers with its index
   * (seq − 1), its text and its inclusion proof in that tree. Entries not covered by a
   * checkpoint yet (appended within the last interval) are left out; undefined when none is.
   */
  async logProofOf(tokenId: string): Promise<AuditLogProof | undefined> {
    const [checkpoint, seqsText] = await Promise.all([this.latestNotedCheckpoint(), this.ctx.read((r) => r.hget(this.ctx.keys.auditTokenEntries(), tokenId))]);
    if (!checkpoint || !seqsText) return undefined;
    const size = checkpoint.seq;
    const seqs = seqsText.split(' ').map(Number).filter((seq) => seq >= 1 && seq <= size);
    if (seqs.length === 0) return undefined;
    const entries = await Promise.all(
      seqs.map(async (seq) => {
        const [[text], hashes] = await Promise.all([this.page(seq, 1), this.inclusionProof(seq - 1, size)]);
        return { index: seq - 1, text: text ?? '', hashes: hashes.map((h) => h.toString('base64')) };
      }),
    );
    return { checkpoint: checkpoint.note, entries };
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

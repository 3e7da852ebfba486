import { createHash } from 'node:crypto';

/**
 * The audit log is a hash chain (SPEC 7). Each stored entry is one JSON text whose last
 * member is `"hash":"<64 hex>"`; the hash is the SHA-256 of the same text without that
 * member, and `prev` inside it is the hash of the entry before (64 zeros for the first).
 * Verifying needs only the stored texts, in order.
 */
export const GENESIS_HASH = '0'.repeat(64);
const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"}$/;

export interface AuditEntry {
  seq: number;
  at: string;
  type: string;
  actor: unknown;
  data: unknown;
  prev: string;
  hash: string;
}

export type AuditVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenSeq: number; index: number; reason: string };

export function parseAuditEntry(raw: string): AuditEntry {
  return JSON.parse(raw) as AuditEntry;
}

/** Checks a chain of raw entries, naming the first one that does not hold. */
export function verifyAuditChain(rawEntries: readonly string[], startPrev = GENESIS_HASH, startSeq = 1): AuditVerdict {
  let prev = startPrev;
  for (let index = 0; index < rawEntries.length; index++) {
    const raw = rawEntries[index] as string;
    const expectedSeq = startSeq + index;
    const broken = (reason: string): AuditVerdict => ({ ok: false, entries: rawEntries.length, brokenSeq: expectedSeq, index, reason });
    const match = HASH_SUFFIX.exec(raw);
    if (!match) return broken('entry does not end with its hash');
    const preimage = raw.slice(0, match.index) + '}';
    const digest = createHash('sha256').update(preimage, 'utf8').digest('hex');
    if (digest !== match[1]) return broken('entry hash does not match its content');
    let entry: AuditEntry;
    try {
      entry = parseAuditEntry(raw);
    } catch {
      return broken('entry is not JSON');
    }
    if (entry.seq !== expectedSeq) return broken(`sequence ${String(entry.seq)} where ${expectedSeq} was expected`);
    if (entry.prev !== prev) return broken('entry does not link to the hash of the entry before');
    prev = entry.hash;
  }
  return { ok: true, entries: rawEntries.length, head: prev };
}

/**
 * The one audit verifier: `npm run audit:verify`, `quorum audit verify` and the console's
 * Verify all hand it what they fetched (entries, sealed hashes, checkpoints) and the hashing
 * and signature checks of their platform (node:crypto, or WebCrypto in the browser), and
 * print its verdict with `describeAuditVerdict`. No I/O here, and no import of Node's
 * modules: the console bundles this module for the browser.
 *
 * The ledger: each entry is one JSON text `{"seq","at","type","actor","data"}`, appended in
 * sequence by the state change it records. A sealer chains them outside Redis's scripts:
 * hash(n) = SHA-256(hash(n-1) as hex, "\n", entry n's text), hash(0) = 64 zeros.
 * Checkpoints sign a head (seq, hash) with an Ed25519 key that never lives in Redis, so a
 * cut or rewritten tail no longer matches a checkpoint kept elsewhere.
 */
import { AuditMeaning } from './audit-meaning';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  at: string;
  type: string;
  actor: unknown;
  data: unknown;
}

export interface AuditCheckpoint {
  seq: number;
  /** The chain's hash at `seq`, hex. */
  hash: string;
  /** When it was signed, RFC 3339 (as stored). */
  at: string;
  /** Ed25519 signature over `checkpointText(...)` as UTF-8, base64. */
  signature: string;
  /**
   * The same head as a C2SP signed note: a tlog-checkpoint of the Merkle tree of the first
   * `seq` entries, signed with the same key (see tlog-checkpoint.ts). Absent in checkpoints
   * signed before the tree was kept.
   */
  note?: string;
}

export function parseAuditEntry(raw: string): AuditEntry {
  return JSON.parse(raw) as AuditEntry;
}

/** Exactly what a checkpoint signs (as UTF-8): five lines, each ended by `\n`. */
export function checkpointText(issuer: string, seq: number, hash: string, at: string): string {
  return `quorumd audit checkpoint v1\n${issuer}\n${seq}\n${hash}\n${at}\n`;
}

/** The text the chain hashes for an entry: the previous hash (hex), a newline, the entry's text. */
export function chainInput(previous: string, entryText: string): string {
  return `${previous}\n${entryText}`;
}

/** The platform's hashing and signature check, as the caller has them (sync or async). */
export interface AuditCrypto {
  /** SHA-256 of the text's UTF-8 bytes, hex. */
  sha256Hex(text: string): string | Promise<string>;
  /**
   * Whether `signatureBase64` is an Ed25519 signature over `message` (UTF-8) by the audit
   * public key the verifier pinned. Absent: no key to check checkpoints with.
   */
  checkpointSignatureValid?: (message: string, signatureBase64: string) => boolean | Promise<boolean>;
}

/**
 * How old, by default, the newest checkpoint may be while entries it does not cover wait
 * (and how long an entry may wait unsealed): 5 checkpoint intervals, at least 10 s.
 */
export function defaultMaxCheckpointAgeMs(checkpointIntervalMs: number): number {
  return Math.max(10_000, 5 * checkpointIntervalMs);
}

/** A check of a live deployment: whether sealing and signing keep up, as of `now`. */
export interface AuditFreshness {
  /** The verifier's time, ms since the epoch. */
  now: number;
  /** `--max-checkpoint-age`: see defaultMaxCheckpointAgeMs. */
  maxCheckpointAgeMs: number;
}

/** Everything a verifier reads, from Redis or from files and the API. */
export interface AuditLedger {
  /** The entries' texts, from seq 1, as stored. */
  entries: readonly string[];
  /** The last sequence number the store says it appended (its head). */
  headSeq: number;
  /** The stored hashes, hex, from seq 1 (as far as sealed). */
  hashes: readonly string[];
  checkpoints: readonly AuditCheckpoint[];
  /** The deployment's name, signed into every checkpoint. */
  issuer: string;
}

export type AuditVerdict =
  | {
      ok: true;
      entries: number;
      /** Entries sealed (hashed) so far; the rest are pending, not broken. */
      sealed: number;
      pending: number;
      /** The chain's hash at the last sealed entry. */
      head: string;
      checkpoints: number;
    }
  | { ok: false; entries: number; what: 'entry' | 'checkpoint' | 'log'; seq: number; reason: string };

/**
 * Checks a ledger and names the first entry or checkpoint that does not hold: each entry is
 * JSON with the next sequence number; each stored hash is the chain's; each entry's meaning
 * holds after the ones before it (its actor existed; what it says was approved was, see
 * audit-meaning.ts); the log reaches the
 * head the store recorded; every checkpoint's signature verifies with the pinned key; each
 * checkpoint's (seq, hash) is in the chain; and the log is not shorter than the newest
 * checkpoint. Entries past the last stored hash are pending: not yet sealed, not broken.
 */
export async function verifyAuditLedger(ledger: AuditLedger, crypto: AuditCrypto, freshness?: AuditFreshness): Promise<AuditVerdict> {
  const { entries } = ledger;
  const broken = (what: 'entry' | 'checkpoint' | 'log', seq: number, reason: string): AuditVerdict => ({ ok: false, entries: entries.length, what, seq, reason });
  const computed: string[] = [];
  /** Each entry's `at`, ms since the epoch (NaN when it is not a time). */
  const appended: number[] = [];
  const meaning = new AuditMeaning();
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const seq = i + 1;
    const text = entries[i] as string;
    let entry: AuditEntry;
    try {
      entry = parseAuditEntry(text);
    } catch {
      return broken('entry', seq, 'entry is not JSON');
    }
    if (entry.seq !== seq) return broken('entry', seq, `entry ${seq} holds sequence number ${String(entry.seq)}: entries were removed, added or reordered`);
    appended.push(Date.parse(entry.at));
    const next = crypto.sha256Hex(chainInput(prev, text));
    prev = typeof next === 'string' ? next : await next;
    computed.push(prev);
    const stored = ledger.hashes[i];
    if (stored !== undefined && stored !== prev) return broken('entry', seq, `entry ${seq} does not match its sealed hash: it was changed after sealing (or a hash before it was)`);
    const meaningless = meaning.take(entry);
    if (meaningless !== undefined) return broken('entry', seq, meaningless);
  }
  if (ledger.hashes.length > entries.length) return broken('log', entries.length + 1, `the log ends at entry ${entries.length} but ${ledger.hashes.length} entries were sealed: its tail was cut`);
  if (entries.length < ledger.headSeq) return broken('log', entries.length + 1, `the log ends at entry ${entries.length} but the head says ${ledger.headSeq}: its tail was cut`);
  if (entries.length > ledger.headSeq) return broken('log', ledger.headSeq + 1, `the log holds ${entries.length} entries but the head says ${ledger.headSeq}`);
  const checkpoints = [...ledger.checkpoints].sort((a, b) => a.seq - b.seq);
  for (const checkpoint of checkpoints) {
    const valid = crypto.checkpointSignatureValid;
    if (!valid) return broken('checkpoint', checkpoint.seq, 'no audit public key to verify checkpoints with');
    if (!(await valid(checkpointText(ledger.issuer, checkpoint.seq, checkpoint.hash, checkpoint.at), checkpoint.signature))) {
      return broken('checkpoint', checkpoint.seq, `checkpoint at entry ${checkpoint.seq}: the signature does not verify with the audit key for issuer ${ledger.issuer} (forged, or another deployment's)`);
    }
    if (checkpoint.seq > entries.length) {
      return broken('checkpoint', checkpoint.seq, `the log ends at entry ${entries.length}, before the checkpoint at entry ${checkpoint.seq}: its tail was cut`);
    }
    if (computed[checkpoint.seq - 1] !== checkpoint.hash) {
      return broken('checkpoint', checkpoint.seq, `checkpoint at entry ${checkpoint.seq} does not match the chain there: an entry up to ${checkpoint.seq} was rewritten`);
    }
  }
  const sealed = Math.min(ledger.hashes.length, entries.length);
  if (freshness) {
    const stale = staleness(checkpoints.at(-1), sealed, appended, freshness);
    if (stale) return broken('log', stale.seq, stale.reason);
  }
  return {
    ok: true,
    entries: entries.length,
    sealed,
    pending: entries.length - sealed,
    head: sealed > 0 ? (computed[sealed - 1] as string) : GENESIS_HASH,
    checkpoints: checkpoints.length,
  };
}

/**
 * Whether sealing or signing stopped: the newest checkpoint signed longer ago than the bound
 * while entries it does not cover exist (its time is signed: an entry's own `at` is not, and
 * whoever writes Redis can rewrite an unsealed one), or an entry unsealed for longer than the
 * bound. With no checkpoint at all, the first entry's time stands for the checkpoint's.
 */
function staleness(newest: AuditCheckpoint | undefined, sealed: number, appended: readonly number[], { now, maxCheckpointAgeMs: max }: AuditFreshness): { seq: number; reason: string } | undefined {
  const bound = `--max-checkpoint-age ${max / 1000} s`;
  const covered = newest?.seq ?? 0;
  if (covered < appended.length) {
    const since = newest ? Date.parse(newest.at) : (appended[0] as number);
    if (now - since > max) {
      const age = Math.round((now - since) / 1000);
      const last = newest ? `the newest checkpoint (entry ${newest.seq}, signed ${newest.at}) is ${age} s old` : `no checkpoint was signed in ${age} s`;
      return {
        seq: covered + 1,
        reason: `checkpoints stopped: ${last}, longer than ${bound}, while entry ${covered + 1} and after are not covered by one: the sealer is stopped, blocked (its lease held) or cannot sign, and the unsigned tail could be rewritten`,
      };
    }
  }
  const unsealedAt = appended[sealed];
  if (unsealedAt !== undefined && now - unsealedAt > max) {
    return {
      seq: sealed + 1,
      reason: `sealing stopped: entry ${sealed + 1} was appended ${Math.round((now - unsealedAt) / 1000)} s ago, longer than ${bound}, and is still not sealed: the sealer is stopped or blocked (its lease held)`,
    };
  }
  return undefined;
}

/** One line for a person: what was checked, or the first entry or checkpoint that fails. */
export function describeAuditVerdict(verdict: AuditVerdict): string {
  if (!verdict.ok) return `audit log BROKEN at ${verdict.what === 'checkpoint' ? 'checkpoint' : 'entry'} ${verdict.seq}: ${verdict.reason}`;
  if (verdict.entries === 0) return 'audit log EMPTY: no entries; is that the right Redis and prefix?';
  const pending = verdict.pending > 0 ? `, ${verdict.pending} pending (not sealed yet)` : '';
  return `audit log OK: ${verdict.entries} entries, ${verdict.sealed} sealed${pending}, ${verdict.checkpoints} signed checkpoint(s) verified, head ${verdict.head}`;
}

/** Checkpoints from a JSON-lines file (as the sealer appends them); blank lines skipped. */
export function parseCheckpointLines(text: string): AuditCheckpoint[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditCheckpoint);
}

/**
 * What an audit check says when no public key was pinned and it checks the checkpoints with
 * the key as published in Redis; `pinWith` is how the tool at hand takes a pinned key.
 */
export function unpinnedAuditKeyWarning(pinWith: string): string {
  return (
    'warning: no --public-key: the checkpoints are checked with the audit public key published in Redis: the service keeps in Redis the key it publishes, ' +
    'so whoever can write to Redis can replace that key and re-sign a rewritten log. For a check that does not trust Redis, ' +
    `pin the key: ${pinWith} audit.pub (the public half of the audit key file, QUORUM_AUDIT_KEY_FILE)`
  );
}

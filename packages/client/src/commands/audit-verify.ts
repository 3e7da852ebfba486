import { readFileSync } from 'node:fs';
import { QuorumError, defaultMaxCheckpointAgeMs, nodeAuditCrypto, parseCheckpointLines, unpinnedAuditKeyWarning, verifyAuditLedger, type AuditVerdict } from '@quorumd/core';
import type { QuorumClient } from '../quorum-client';

/** What `quorum audit verify` is told to check. */
export interface AuditVerifyOptions {
  /** An export (one entry per line, as GET /v1/audit?format=raw gives it) instead of the service. */
  file?: string;
  /** With `file`: the deployment name its checkpoints are signed for. */
  issuer?: string;
  /** Checkpoints kept outside the service (JSON lines) instead of its own list. */
  checkpoints?: string;
  /** The audit public key (PEM file) to pin. */
  publicKey?: string;
  /**
   * Seconds the newest checkpoint may be old while entries it does not cover are too (and an
   * entry may stay unsealed); default for the service: 5 of its checkpoint intervals, at least
   * 10 s; for a file: not checked unless given.
   */
  maxCheckpointAge?: string;
}

/** --max-checkpoint-age in ms (a positive number of seconds), or the default. */
function maxCheckpointAgeMs(given: string | undefined, fallback: number | undefined): number | undefined {
  if (given === undefined) return fallback;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(given) || Number(given) <= 0) throw new QuorumError('RET_BAD_REQUEST', `--max-checkpoint-age takes a number of seconds, not ${given}`);
  return Number(given) * 1000;
}

/**
 * The verdict of core's one audit verifier (the npm script's and the console's too) on what
 * the CLI fetched: an export file, or the service's entries, sealed hashes and checkpoints.
 * `note` takes warnings (the key not pinned).
 */
export async function auditVerdict(client: () => QuorumClient, opts: AuditVerifyOptions, note: (line: string) => void): Promise<AuditVerdict> {
  const pinned = opts.publicKey ? readFileSync(opts.publicKey, 'utf8') : undefined;
  if (opts.file) {
    const entries = readFileSync(opts.file, 'utf8').split('\n').filter(Boolean);
    const checkpoints = opts.checkpoints ? parseCheckpointLines(readFileSync(opts.checkpoints, 'utf8')) : [];
    const maxAge = maxCheckpointAgeMs(opts.maxCheckpointAge, undefined);
    const freshness = maxAge === undefined ? undefined : { now: Date.now(), maxCheckpointAgeMs: maxAge };
    return verifyAuditLedger({ entries, headSeq: entries.length, hashes: [], checkpoints, issuer: opts.issuer ?? '' }, nodeAuditCrypto(pinned), freshness);
  }
  // A checkpoint file is read before the log, as the service's own checkpoints are (see auditLedger).
  const kept = opts.checkpoints ? parseCheckpointLines(readFileSync(opts.checkpoints, 'utf8')) : undefined;
  const given = maxCheckpointAgeMs(opts.maxCheckpointAge, undefined);
  const ledger = await client().auditLedger();
  const maxAge = given ?? defaultMaxCheckpointAgeMs(ledger.head.checkpointIntervalMs ?? 1000);
  if (!pinned) note(unpinnedAuditKeyWarning('quorum audit verify --public-key'));
  return verifyAuditLedger(
    { entries: ledger.entries, headSeq: ledger.head.seq, hashes: ledger.hashes, checkpoints: kept ?? ledger.checkpoints, issuer: ledger.head.issuer },
    nodeAuditCrypto(pinned ?? ledger.publicKeyPem),
    { now: Date.now(), maxCheckpointAgeMs: maxAge },
  );
}

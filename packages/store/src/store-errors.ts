import { QuorumError, isErrorCode } from '@quorumd/core';

const UNAVAILABLE = [
  /enableOfflineQueue/i,
  /Connection is closed/i,
  /ECONNREFUSED/,
  /ECONNRESET/,
  /EPIPE/,
  /Command timed out/i,
  /max retries per request/i,
  /LOADING/,
  /BUSY/,
  /MASTERDOWN/,
  /READONLY/,
  /MISCONF/,
  // Redis Cluster: the slot moved or is moving, the cluster has no quorum, try again.
  /^MOVED /,
  /^ASK /,
  /CLUSTERDOWN/,
  /TRYAGAIN/,
  /NOREPLICAS/,
  // The script cache of the node is empty (a node that turned replica flushed it): nothing ran; ioredis loads it again on the next try.
  /NOSCRIPT/,
  /Failed to refresh slots cache/i,
  /Too many Cluster redirections/i,
  /Cluster isn't ready/i,
  /All sentinels are unreachable/i,
];

/** Whether an error means the store is away or moving (a lost connection, a failover, a slot on the move): no defect. */
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return UNAVAILABLE.some((pattern) => pattern.test(err.message)) || (err as { code?: string }).code === 'ECONNREFUSED';
}

/**
 * Turns what ioredis throws into a QuorumError: a script's refusal ("RET_CODE message")
 * keeps its code; a lost or refusing Redis becomes RET_STORE_UNAVAILABLE; anything else
 * is rethrown as it is (a defect, answered with a 500 and logged).
 */
export function toQuorumError(err: unknown): unknown {
  if (err instanceof QuorumError || !(err instanceof Error)) return err;
  const match = /^(RET_[A-Z_]+) ([\s\S]*)$/.exec(err.message);
  const code = match?.[1] ?? '';
  if (match && isErrorCode(code)) return new QuorumError(code, match[2]);
  if (isStoreUnavailable(err)) {
    return new QuorumError('RET_STORE_UNAVAILABLE', 'The store is unavailable; try again shortly');
  }
  return err;
}

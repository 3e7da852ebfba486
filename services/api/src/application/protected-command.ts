import { canonicalJson, normalizeOperation, type QuorumService } from '@quorumd/core';
import type { QuorumGate } from '@quorumd/store';
import type { Metrics } from '../metrics';
import { requesterKey, type Principal } from './principal';

/**
 * The inputs of the quorum gate for a protected command: the token the caller names, who
 * the caller is as a requester, and the exact operation it is about to run (normalised
 * as at issue, so it compares equal to what was signed), and whether the requester's own
 * vote counts (QUORUM_REQUESTER_MAY_APPROVE). The store's script decides.
 */
export function protectedGate(principal: Principal, quorumToken: string | undefined, operation: unknown, issuer: string, requesterMayApprove: boolean): QuorumGate {
  return { tokenId: quorumToken, requesterKey: requesterKey(principal), operation: canonicalJson(normalizeOperation(operation)), issuer, requesterMayApprove };
}

/** A protected command that ran with a token consumed it. */
export function countConsumed(metrics: Metrics, gate: QuorumGate, service: QuorumService): void {
  if (gate.tokenId) metrics.tokens.inc({ service, status: 'CONSUMED' });
}

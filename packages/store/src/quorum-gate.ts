import { sha256Hex } from '@quorumd/core';

/** What a protected command hands the store: the gate's inputs. */
export interface QuorumGate {
  /** Token id, or undefined when the caller sent none. */
  tokenId: string | undefined;
  requesterKey: string;
  /** Canonical JSON of the operation the command is about to run. */
  operation: string;
  issuer: string;
  /** QUORUM_REQUESTER_MAY_APPROVE: whether the requester's own vote counts. */
  requesterMayApprove: boolean;
}

/**
 * The gate's token id (absent: "no token", the empty id, which keeps the deployment's slot)
 * and its script arguments: the operation goes as its SHA-256, which the script compares with
 * the token's `operationDigest`.
 */
export function gateIdsAndArgs(gate: QuorumGate): { gateTokenId: string | undefined; args: string[] } {
  return { gateTokenId: gate.tokenId, args: [gate.requesterKey, sha256Hex(gate.operation), gate.issuer, gate.requesterMayApprove ? '1' : '0'] };
}

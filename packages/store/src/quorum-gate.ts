import { createHash } from 'node:crypto';
import { sha256Hex, type SignatureAlg } from '@quorumd/core';

/**
 * A vote that Node verified before the gate ran: the voter, the SHA-1 of the exact vote
 * record it verified (what the script compares, with Redis's own `redis.sha1hex`), and the
 * key registration it verified with.
 */
export interface VerifiedVote {
  userId: number;
  voteDigest: string;
  fingerprint: string;
}

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
  /**
   * The token's votes whose signatures verified in Node, and the digest of the signed bytes
   * they verified over: the script counts no other vote (a vote record written into Redis
   * without a valid signature never counts). Absent with no token.
   */
  verified?: { signedDigest: string; votes: VerifiedVote[] };
}

/** One vote of a token as Redis holds it, for verification: `alg|at|kgen|<raw signature>`. */
export interface GateVoteRecord {
  userId: number;
  alg: SignatureAlg;
  signature: Buffer;
  /** SHA-1 (hex) of the whole vote record. */
  voteDigest: string;
  /** The key registration the vote names, while it is still the voter's (a counting vote's key); undefined otherwise. */
  fingerprint: string | undefined;
}

/** A token's votes and the bytes they sign, read for the gate. */
export interface GateVotes {
  /** The token bytes, or an AWS CloudHSM token's approval data. */
  signedData: Buffer;
  /** SHA-1 (hex) of the token's `doc` and `hsm` fields as stored (see check_gate). */
  signedDigest: string;
  votes: GateVoteRecord[];
}

export function sha1Hex(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex');
}

/**
 * The gate's token id (absent: "no token", the empty id, which keeps the deployment's slot)
 * and its script arguments: the operation goes as its SHA-256, which the script compares with
 * the token's `operationDigest`. `verified` is the script's last argument:
 * `<signed digest> <user id>:<vote digest>:<fingerprint> ...` ('' with no token).
 */
export function gateIdsAndArgs(gate: QuorumGate): { gateTokenId: string | undefined; args: GateArgs } {
  const verified = gate.verified ? [gate.verified.signedDigest, ...gate.verified.votes.map((v) => `${v.userId}:${v.voteDigest}:${v.fingerprint}`)].join(' ') : '';
  return {
    gateTokenId: gate.tokenId,
    args: { requester: gate.requesterKey, operationDigest: sha256Hex(gate.operation), issuer: gate.issuer, requesterMayApprove: gate.requesterMayApprove ? '1' : '0', verified },
  };
}

/** The arguments every gated script takes (SCRIPT_ARGS: requester operationDigest issuer requesterMayApprove ... verified). */
interface GateArgs {
  requester: string;
  operationDigest: string;
  issuer: string;
  requesterMayApprove: '1' | '0';
  verified: string;
}

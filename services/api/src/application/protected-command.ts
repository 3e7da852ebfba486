import { QuorumError, canonicalJson, normalizeOperation, sha256Hex, verifySignature, type Operation, type QuorumService } from '@quorumd/core';
import type { GateVoteRecord, QuorumGate, QuorumStore, StoredToken, VerifiedVote } from '@quorumd/store';
import type { Metrics } from '../metrics';
import { actorOf, requesterKey, type Principal } from './principal';
import type { QuorumKeyObjects } from './quorum-key-objects';

/**
 * Why a gate refused the token it was given, as its refusal's `quorumToken` details say:
 * `not-found`, `other-issuer` (another deployment's), `other-requester` (someone else's: no
 * more is said), `other-service`, `other-operation`, or the token's state: `pending`,
 * `expired`, `rejected`, `consumed`, `deleted`, or `short` (APPROVED, but fewer counting
 * votes than it needs now). The requester also reads its status, service, operation and
 * counts, and for a PENDING token who can still approve it.
 */
interface GateRefusal {
  id: string;
  reason: 'not-found' | 'other-issuer' | 'other-requester' | 'other-service' | 'other-operation' | 'pending' | 'expired' | 'rejected' | 'consumed' | 'deleted' | 'short';
  status?: string;
  service?: string;
  operation?: Operation;
  approvals?: number;
  required?: number;
  canStillApprove?: { id: number; name: string }[];
}

const STATUS_REASONS: Partial<Record<string, GateRefusal['reason']>> = {
  PENDING: 'pending',
  EXPIRED: 'expired',
  REJECTED: 'rejected',
  CONSUMED: 'consumed',
  DELETED: 'deleted',
};

/**
 * The quorum gate in front of a protected command or /consume. The store's script decides
 * (the token's deployment, requester, service, exact operation, status and count), and it
 * counts only the votes this class verified first: each vote's signature over the token's
 * bytes with the key its registration names. A vote record that does not verify was
 * written into Redis by other means than an approval; it never counts and is audited.
 */
export class QuorumGates {
  constructor(
    private readonly store: QuorumStore,
    private readonly keys: QuorumKeyObjects,
    private readonly metrics: Metrics,
    private readonly options: { issuer: string; requesterMayApprove: boolean },
  ) {}

  /**
   * The gate for the token the caller names and the exact operation it is about to run
   * (normalised as at issue, so it compares equal to what was signed), with its votes verified.
   */
  async open(principal: Principal, quorumToken: string | undefined, operation: unknown): Promise<QuorumGate> {
    const gate: QuorumGate = {
      tokenId: quorumToken,
      requesterKey: requesterKey(principal),
      operation: canonicalJson(normalizeOperation(operation)),
      issuer: this.options.issuer,
      requesterMayApprove: this.options.requesterMayApprove,
    };
    if (quorumToken === undefined) return gate;
    const read = await this.store.tokens.gateVotes(quorumToken);
    // No token: the script answers that it does not exist.
    if (!read) return { ...gate, verified: { signedDigest: '', votes: [] } };
    const verified: VerifiedVote[] = [];
    const refused: GateVoteRecord[] = [];
    for (const vote of read.votes) {
      // A vote whose registration is no longer its voter's does not count anyway.
      if (vote.fingerprint === undefined) continue;
      if (await this.verifies(vote, vote.fingerprint, read.signedData)) verified.push({ userId: vote.userId, voteDigest: vote.voteDigest, fingerprint: vote.fingerprint });
      else refused.push(vote);
    }
    if (refused.length > 0) {
      this.metrics.gateVotesRefused.inc(refused.length);
      await this.store.tokens.refuseVotes(quorumToken, refused, actorOf(principal));
    }
    return { ...gate, verified: { signedDigest: read.signedDigest, votes: verified } };
  }

  /**
   * Runs a gated command (`service`: the one its gate requires; for /consume the one its caller
   * names, or undefined: the token's own); a refusal of its gate (RET_MXN_AUTH_FAILED) for a named token comes
   * back with `quorumToken` details: why, read from the token after the refusal (see
   * GateRefusal), so that a client can say what to do next without guessing.
   */
  async run<T>(gate: QuorumGate, service: QuorumService | string | undefined, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (!(err instanceof QuorumError) || err.code !== 'RET_MXN_AUTH_FAILED' || gate.tokenId === undefined) throw err;
      const token = await this.store.tokens.get(gate.tokenId, this.options.requesterMayApprove).catch(() => undefined);
      const quorumToken = await this.refusal(gate.tokenId, token, gate, service);
      throw new QuorumError(err.code, err.message, { ...err.details, quorumToken });
    }
  }

  private async refusal(id: string, token: StoredToken | undefined, gate: QuorumGate, service: string | undefined): Promise<GateRefusal> {
    if (!token) return { id, reason: 'not-found' };
    if (token.issuer !== this.options.issuer) return { id, reason: 'other-issuer' };
    // Only the requester reads what the token is for.
    if (token.requesterKey !== gate.requesterKey) return { id, reason: 'other-requester' };
    const approvals = token.approvals.filter((a) => a.counts).length;
    const seen = { status: token.status, service: token.doc.service, operation: token.doc.operation, approvals, required: token.required };
    if (service !== undefined && token.doc.service !== service) return { id, reason: 'other-service', ...seen };
    if (token.doc.operationDigest !== sha256Hex(gate.operation)) return { id, reason: 'other-operation', ...seen };
    const reason = STATUS_REASONS[token.status] ?? 'short';
    if (token.status !== 'PENDING') return { id, reason, ...seen };
    return { id, reason, ...seen, canStillApprove: await this.store.tokens.approvers(id, this.options.requesterMayApprove) };
  }

  private async verifies(vote: GateVoteRecord, fingerprint: string, signedData: Buffer): Promise<boolean> {
    const key = await this.keys.get(fingerprint).catch(() => undefined);
    return key !== undefined && verifySignature(key, vote.alg, signedData, vote.signature);
  }
}

/** A protected command that ran with a token consumed it. */
export function countConsumed(metrics: Metrics, gate: QuorumGate, service: QuorumService): void {
  if (gate.tokenId) metrics.tokens.inc({ service, status: 'CONSUMED' });
}

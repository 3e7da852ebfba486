import { canonicalJson, normalizeOperation, verifySignature, type QuorumService } from '@quorumd/core';
import type { GateVoteRecord, QuorumGate, QuorumStore, VerifiedVote } from '@quorumd/store';
import type { Metrics } from '../metrics';
import { actorOf, requesterKey, type Principal } from './principal';
import type { QuorumKeyObjects } from './quorum-key-objects';

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

  private async verifies(vote: GateVoteRecord, fingerprint: string, signedData: Buffer): Promise<boolean> {
    const key = await this.keys.get(fingerprint).catch(() => undefined);
    return key !== undefined && verifySignature(key, vote.alg, signedData, vote.signature);
  }
}

/** A protected command that ran with a token consumed it. */
export function countConsumed(metrics: Metrics, gate: QuorumGate, service: QuorumService): void {
  if (gate.tokenId) metrics.tokens.inc({ service, status: 'CONSUMED' });
}

import { randomBytes, randomUUID } from 'node:crypto';
import { QuorumError, checkAlg, decodeSignature, parseQuorumPublicKey, toKeyObject, verifySignature } from '@quorumd/core';
import type { QuorumStore, UserRecord } from '@quorumd/store';
import { actorOf, requireOfficer, type Principal } from './principal';

const CHALLENGE_TTL_MS = 5 * 60 * 1000;

/** registerQuorumPubKey: a challenge, then the key with its signature over it (proof of possession). */
export class QuorumKeysService {
  constructor(
    private readonly store: QuorumStore,
    private readonly issuer: string,
    private readonly requesterMayApprove: boolean,
  ) {}

  private requireSelfOfficer(principal: Principal, id: number): UserRecord {
    const caller = requireOfficer(principal);
    if (caller.id !== id) throw new QuorumError('RET_FORBIDDEN', 'A crypto officer registers only its own quorum key');
    return caller;
  }

  /** Step 1: bytes the new key must sign. */
  async challenge(principal: Principal, id: number): Promise<{ challengeId: string; challenge: string; expiresAt: string }> {
    this.requireSelfOfficer(principal, id);
    const challengeId = randomUUID();
    const text = `quorumd key registration v1 issuer=${this.issuer} user=${id} challenge=${challengeId} nonce=${randomBytes(32).toString('base64url')}`;
    const challenge = Buffer.from(text, 'utf8').toString('base64');
    await this.store.quorumKeys.createChallenge(challengeId, `${id}|${challenge}`, CHALLENGE_TTL_MS);
    return { challengeId, challenge, expiresAt: new Date(this.store.ctx.clock() + CHALLENGE_TTL_MS).toISOString() };
  }

  /** Step 2: the public key and its signature over the challenge. */
  async register(
    principal: Principal,
    id: number,
    input: { publicKeyPem: unknown; challengeId: string; signature: unknown; alg?: unknown },
  ): Promise<{ fingerprint: string }> {
    this.requireSelfOfficer(principal, id);
    const key = parseQuorumPublicKey(input.publicKeyPem);
    const alg = checkAlg(input.alg);
    const signature = decodeSignature(input.signature);
    const stored = await this.store.quorumKeys.challenge(input.challengeId);
    const [owner, challenge] = (stored ?? '').split('|');
    if (!stored || owner !== String(id) || !challenge) throw new QuorumError('RET_CHALLENGE_INVALID');
    if (!verifySignature(toKeyObject(key), alg, Buffer.from(challenge, 'base64'), signature)) {
      throw new QuorumError('RET_SIGNATURE_INVALID', 'The signature over the challenge does not verify with this key');
    }
    await this.store.quorumKeys.registerKey(id, { id: input.challengeId, value: stored }, key, this.requesterMayApprove, actorOf(principal));
    return { fingerprint: key.fingerprint };
  }
}

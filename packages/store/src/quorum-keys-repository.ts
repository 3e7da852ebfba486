import type { Actor, StoreContext } from './store-context';

/** Officers' quorum keys: registration challenges and registered keys (PEM by fingerprint). */
export class QuorumKeysRepository {
  constructor(private readonly ctx: StoreContext) {}

  async quorumKeyPem(fingerprint: string): Promise<string | undefined> {
    return (await this.ctx.read((r) => r.get(this.ctx.keys.quorumKey(fingerprint)))) ?? undefined;
  }

  async createChallenge(id: string, value: string, ttlMs: number): Promise<void> {
    await this.ctx.read((r) => r.set(this.ctx.keys.challenge(id), value, 'PX', ttlMs));
  }

  async challenge(id: string): Promise<string | undefined> {
    return (await this.ctx.read((r) => r.get(this.ctx.keys.challenge(id)))) ?? undefined;
  }

  async registerKey(
    userId: number,
    challenge: { id: string; value: string },
    key: { fingerprint: string; pem: string },
    /** Whether the requester's own vote counts (the tokens a replaced key carried are counted again). */
    requesterMayApprove: boolean,
    actor: Actor,
  ): Promise<void> {
    await this.ctx.run('registerKey', { challengeId: challenge.id, userId, fingerprint: key.fingerprint }, actor, {
      userId,
      challenge: challenge.value,
      fingerprint: key.fingerprint,
      publicKeyPem: key.pem,
      requesterMayApprove: requesterMayApprove ? '1' : '0',
    });
  }
}

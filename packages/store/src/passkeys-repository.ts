import type { Actor, StoreContext } from './store-context';

/** An officer's passkey as stored (the signature counter is kept apart, moved on by each approval). */
export interface StoredPasskey {
  id: string;
  name: string;
  /** The WebAuthn credential id, base64url. */
  credentialId: string;
  /** The credential public key as the authenticator gave it (COSE, base64url) and as PEM SPKI. */
  publicKeyCose: string;
  publicKeyPem: string;
  /** ES256, EdDSA or RS256. */
  algorithm: string;
  transports?: string[];
  createdAt: string;
}

/** A verified confirming assertion: the challenge it answered, its passkey, the counter it moves to. */
export interface PasskeyConfirmation {
  challenge: string;
  passkeyId: string;
  counter: number;
}

function confirmationArgs(confirmed: PasskeyConfirmation | undefined): { confirmChallenge: string; confirmPasskeyId: string; confirmCounter: number } {
  return { confirmChallenge: confirmed?.challenge ?? '', confirmPasskeyId: confirmed?.passkeyId ?? '', confirmCounter: confirmed?.counter ?? 0 };
}

/** Officers' passkeys: registration challenges, the passkeys, their counters. */
export class PasskeysRepository {
  constructor(private readonly ctx: StoreContext) {}

  /** One registration in flight per officer: new options replace the last ones. */
  private challengeId(userId: number): string {
    return `passkey:${userId}`;
  }

  /** The one-time challenge a confirmation by one of the officer's passkeys answers (adding or deleting one). */
  async createConfirmation(userId: number, challenge: string, ttlMs: number): Promise<void> {
    await this.ctx.read((r) => r.set(this.ctx.keys.challenge(`passkey-confirm:${userId}`), challenge, 'PX', ttlMs));
  }

  async confirmation(userId: number): Promise<string | undefined> {
    return (await this.ctx.read((r) => r.get(this.ctx.keys.challenge(`passkey-confirm:${userId}`)))) ?? undefined;
  }

  async createChallenge(userId: number, challenge: string, ttlMs: number): Promise<void> {
    await this.ctx.read((r) => r.set(this.ctx.keys.challenge(this.challengeId(userId)), challenge, 'PX', ttlMs));
  }

  async challenge(userId: number): Promise<string | undefined> {
    return (await this.ctx.read((r) => r.get(this.ctx.keys.challenge(this.challengeId(userId))))) ?? undefined;
  }

  /** The officer's passkeys with their counters, oldest first. */
  async list(userId: number): Promise<(StoredPasskey & { counter: number })[]> {
    const [records, counters] = await this.ctx.read((r) => Promise.all([r.hgetall(this.ctx.keys.userPasskeys(userId)), r.hgetall(this.ctx.keys.userPasskeyCounters(userId))]));
    return Object.values(records)
      .map((text) => JSON.parse(text) as StoredPasskey)
      .map((passkey) => ({ ...passkey, counter: Number(counters[passkey.id] ?? 0) }))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async register(userId: number, challenge: string, passkey: StoredPasskey, counter: number, confirmed: PasskeyConfirmation | undefined, actor: Actor): Promise<void> {
    await this.ctx.run('registerPasskey', { userId, challengeId: this.challengeId(userId) }, actor, {
      userId,
      challenge,
      passkeyId: passkey.id,
      credentialId: passkey.credentialId,
      record: JSON.stringify(passkey),
      counter,
      name: passkey.name,
      algorithm: passkey.algorithm,
      ...confirmationArgs(confirmed),
    });
  }

  async delete(userId: number, passkeyId: string, requesterMayApprove: boolean, confirmed: PasskeyConfirmation | undefined, actor: Actor): Promise<void> {
    await this.ctx.run('deletePasskey', { userId }, actor, { userId, passkeyId, requesterMayApprove: requesterMayApprove ? '1' : '0', ...confirmationArgs(confirmed) });
  }
}

import { QuorumError, userNameKey, type QuorumService, type UserType } from '@quorumd/core';
import type { Actor, StoreContext } from './store-context';

export interface UserRecord {
  id: number;
  name: string;
  type: UserType;
  passwordHash: string;
  loginFailureCnt: number;
  /** Fingerprint of the registered quorum key, if any. */
  fingerprint?: string;
  /** Set while locked after failed logins: the end of the lock (epoch ms), or 'forever' until a reset. */
  lockedUntil?: number | 'forever';
  createdAt: number;
}

/** What a protected command hands the store: the gate's inputs. */
export interface QuorumGate {
  /** Token id, or undefined when the caller sent none. */
  tokenId: string | undefined;
  requesterKey: string;
  /** Canonical JSON of the operation the command is about to run. */
  operation: string;
  issuer: string;
}

export function userFromHash(hash: Record<string, string>): UserRecord | undefined {
  if (!hash.id) return undefined;
  const user: UserRecord = {
    id: Number(hash.id),
    name: hash.name ?? '',
    type: (hash.type ?? 'CU') as UserType,
    passwordHash: hash.pw ?? '',
    loginFailureCnt: Number(hash.fails ?? 0),
    createdAt: Number(hash.created ?? 0),
  };
  if (hash.fp) user.fingerprint = hash.fp;
  if (hash.lockedUntil) user.lockedUntil = hash.lockedUntil === 'forever' ? 'forever' : Number(hash.lockedUntil);
  return user;
}

function flatToHash(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) hash[list[i] as string] = list[i + 1] as string;
  return hash;
}

export class UsersRepository {
  constructor(private readonly ctx: StoreContext) {}

  private gateKeyAndArgs(gate: QuorumGate): { tokenKey: string; args: string[] } {
    return { tokenKey: this.ctx.keys.token(gate.tokenId ?? ''), args: [gate.requesterKey, gate.operation, gate.issuer] };
  }

  async bootstrap(issuer: string, adminPasswordHash: string): Promise<{ issuer: string; created: boolean }> {
    const k = this.ctx.keys;
    const [stored, created] = (await this.ctx.run('bootstrap', [k.meta(), k.usersSeq(), k.usersByName()], { kind: 'system' }, [
      issuer,
      adminPasswordHash,
    ])) as [string, number];
    return { issuer: stored, created: created === 1 };
  }

  async isBootstrapped(): Promise<boolean> {
    return (await this.ctx.read((r) => r.exists(this.ctx.keys.usersSeq()))) === 1;
  }

  async get(id: number): Promise<UserRecord | undefined> {
    return userFromHash(await this.ctx.read((r) => r.hgetall(this.ctx.keys.user(id))));
  }

  async list(): Promise<UserRecord[]> {
    return this.ctx.read(async (r) => {
      const ids = await r.zrange(this.ctx.keys.users(), 0, -1);
      const pipeline = r.pipeline();
      for (const id of ids) pipeline.hgetall(this.ctx.keys.user(id));
      const results = (await pipeline.exec()) ?? [];
      return results.map(([, hash]) => userFromHash(hash as Record<string, string>)).filter((u): u is UserRecord => u !== undefined);
    });
  }

  async keyHolderIds(): Promise<number[]> {
    return (await this.ctx.read((r) => r.smembers(this.ctx.keys.keyHolders()))).map(Number).sort((a, b) => a - b);
  }

  async keyHolderCount(): Promise<number> {
    return this.ctx.read((r) => r.scard(this.ctx.keys.keyHolders()));
  }

  async quorumKeyPem(fingerprint: string): Promise<string | undefined> {
    return (await this.ctx.read((r) => r.get(this.ctx.keys.quorumKey(fingerprint)))) ?? undefined;
  }

  async create(
    gate: QuorumGate,
    user: { name: string; type: UserType; passwordHash: string },
    actor: Actor,
  ): Promise<number> {
    const k = this.ctx.keys;
    const { tokenKey, args } = this.gateKeyAndArgs(gate);
    const id = await this.ctx.run('createUser', [k.usersSeq(), k.usersByName(), tokenKey], actor, [
      ...args,
      user.name,
      userNameKey(user.name),
      user.type,
      user.passwordHash,
      this.ctx.retentionMs,
    ]);
    return Number(id);
  }

  /** Deletes a user, its sessions and API keys; `force` comes from the signed operation. */
  async delete(gate: QuorumGate, id: number, rules: { force: boolean; requesterMayApprove: boolean }, actor: Actor): Promise<void> {
    const k = this.ctx.keys;
    const { tokenKey, args } = this.gateKeyAndArgs(gate);
    await this.ctx.run('deleteUser', [k.user(id), k.usersByName(), tokenKey], actor, [
      ...args,
      id,
      this.ctx.retentionMs,
      rules.force ? '1' : '0',
      rules.requesterMayApprove ? '1' : '0',
    ]);
  }

  /** Changes a password; `gate` is undefined for a user changing its own. */
  async changePassword(gate: QuorumGate | undefined, id: number, passwordHash: string, actor: Actor): Promise<void> {
    const gated = gate ?? { tokenId: undefined, requesterKey: '', operation: '', issuer: '' };
    const { tokenKey, args } = this.gateKeyAndArgs(gated);
    await this.ctx.run('changePassword', [this.ctx.keys.user(id), tokenKey], actor, [
      ...args,
      id,
      passwordHash,
      gate ? '1' : '0',
      this.ctx.retentionMs,
    ]);
  }

  /** Counts a login attempt as failed up front; returns the user and password hash to check. */
  async loginAttempt(name: string, maxFailures: number): Promise<{ id: number; passwordHash: string }> {
    const [id, hash] = (await this.ctx.run('loginAttempt', [this.ctx.keys.usersByName()], { kind: 'system' }, [
      userNameKey(name),
      maxFailures,
    ])) as [string, string];
    return { id: Number(id), passwordHash: hash };
  }

  /**
   * Ends a login: on success resets the failure count, stores the session and, when
   * given, a password hash made with current parameters; a failure that reaches the
   * threshold locks the user for `lockoutMs` (0: until a password reset).
   */
  async loginFinish(
    user: { id: number; name: string },
    outcome: { success: boolean; rehash?: string },
    session: { tokenHash: string; expiresAt: number },
    lock: { maxFailures: number; lockoutMs: number },
  ): Promise<void> {
    const k = this.ctx.keys;
    await this.ctx.run('loginFinish', [k.user(user.id), k.session(session.tokenHash)], { kind: 'user', id: user.id, name: user.name }, [
      outcome.success ? '1' : '0',
      user.id,
      session.expiresAt,
      user.name,
      lock.maxFailures,
      lock.lockoutMs,
      outcome.rehash ?? '',
    ]);
  }

  async sessionUser(tokenHash: string): Promise<UserRecord | undefined> {
    const flat = await this.ctx.run('readSession', [this.ctx.keys.session(tokenHash)], { kind: 'system' });
    return userFromHash(flatToHash(flat));
  }

  async logout(tokenHash: string, actor: Actor & { kind: 'user' }): Promise<void> {
    await this.ctx.run('logout', [this.ctx.keys.session(tokenHash)], actor, [actor.id]);
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
    actor: Actor,
  ): Promise<void> {
    const k = this.ctx.keys;
    await this.ctx.run('registerKey', [k.challenge(challenge.id), k.user(userId), k.keyHolders()], actor, [
      userId,
      challenge.value,
      key.fingerprint,
      key.pem,
    ]);
  }

  async mValues(): Promise<Record<QuorumService, number>> {
    const hash = await this.ctx.read((r) => r.hgetall(this.ctx.keys.mValues()));
    return { USER_MGMT: Number(hash.USER_MGMT ?? 1), QUORUM_MGMT: Number(hash.QUORUM_MGMT ?? 1) };
  }

  /** setMValue; `force` comes from the signed operation. */
  async setMValue(gate: QuorumGate, service: QuorumService, m: number, rules: { force: boolean; requesterMayApprove: boolean }, actor: Actor): Promise<void> {
    const { tokenKey, args } = this.gateKeyAndArgs(gate);
    await this.ctx.run('setMValue', [this.ctx.keys.mValues(), tokenKey], actor, [
      ...args,
      service,
      m,
      rules.force ? '1' : '0',
      this.ctx.retentionMs,
      rules.requesterMayApprove ? '1' : '0',
    ]);
  }
}

export function assertFound<T>(value: T | undefined, code: 'RET_USER_NOT_FOUND' | 'RET_TOKEN_NOT_FOUND' | 'RET_NOT_FOUND'): T {
  if (value === undefined) throw new QuorumError(code);
  return value;
}

import { userNameKey, type UserType } from '@quorumd/core';
import { gateIdsAndArgs, type QuorumGate } from './quorum-gate';
import type { Actor, StoreContext } from './store-context';

export interface UserRecord {
  id: number;
  name: string;
  type: UserType;
  passwordHash: string;
  loginFailureCnt: number;
  /** The name it signs AWS CloudHSM token files as (default: its quorumd name). */
  hsmUsername: string;
  /** Fingerprint of the registered quorum key, if any. */
  fingerprint?: string;
  /** Set while locked after failed logins: the end of the lock (epoch ms), or 'forever' until a reset. */
  lockedUntil?: number | 'forever';
  /**
   * The password was chosen by someone else (a CO created, or its password reset, through a
   * quorum): until the user sets its own, its sessions may only do that (or log out).
   */
  passwordChangeRequired: boolean;
  createdAt: number;
}


export function userFromHash(hash: Record<string, string>): UserRecord | undefined {
  if (!hash.id) return undefined;
  const user: UserRecord = {
    id: Number(hash.id),
    name: hash.name ?? '',
    hsmUsername: hash.hsmu ?? hash.name ?? '',
    type: (hash.type ?? 'CU') as UserType,
    passwordHash: hash.pw ?? '',
    loginFailureCnt: Number(hash.fails ?? 0),
    passwordChangeRequired: hash.otp === '1',
    createdAt: Number(hash.created ?? 0),
  };
  if (hash.fp) user.fingerprint = hash.fp;
  if (hash.lockedUntil) user.lockedUntil = hash.lockedUntil === 'forever' ? 'forever' : Number(hash.lockedUntil);
  return user;
}

/** Users: the records, their creation, deletion and passwords (behind the quorum gate), and the bootstrap. */
export class UsersRepository {
  constructor(private readonly ctx: StoreContext) {}

  async bootstrap(issuer: string, adminPasswordHash: string): Promise<{ issuer: string; created: boolean }> {
    const [stored, created] = (await this.ctx.run('bootstrap', { userId: 1 }, { kind: 'system' }, { issuer, adminPasswordHash })) as [string, number];
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

  async create(
    gate: QuorumGate,
    user: { name: string; type: UserType; passwordHash: string },
    actor: Actor,
  ): Promise<number> {
    const { gateTokenId, args } = gateIdsAndArgs(gate);
    const id = await this.ctx.run('createUser', { gateTokenId }, actor, {
      ...args,
      name: user.name,
      nameKey: userNameKey(user.name),
      type: user.type,
      passwordHash: user.passwordHash,
      retentionMs: this.ctx.retentionMs,
    });
    return Number(id);
  }

  /** Deletes a user, its sessions and API keys; `force` comes from the signed operation. */
  async delete(gate: QuorumGate, id: number, rules: { force: boolean }, actor: Actor): Promise<void> {
    const { gateTokenId, args } = gateIdsAndArgs(gate);
    await this.ctx.run('deleteUser', { userId: id, gateTokenId }, actor, { ...args, userId: id, retentionMs: this.ctx.retentionMs, force: rules.force ? '1' : '0' });
  }

  /** Sets the name a user signs AWS CloudHSM token files as. */
  async setHsmUsername(id: number, hsmUsername: string, actor: Actor): Promise<void> {
    await this.ctx.run('setHsmUsername', { userId: id }, actor, { userId: id, hsmUsername });
  }

  /** Changes a password; `gate` is undefined for a user changing its own. */
  async changePassword(gate: QuorumGate | undefined, id: number, passwordHash: string, actor: Actor): Promise<void> {
    const gated = gate ?? { tokenId: undefined, requesterKey: '', operation: '', issuer: '', requesterMayApprove: true };
    const { gateTokenId, args } = gateIdsAndArgs(gated);
    await this.ctx.run('changePassword', { userId: id, gateTokenId }, actor, { ...args, userId: id, passwordHash, gated: gate ? '1' : '0', retentionMs: this.ctx.retentionMs });
  }
}

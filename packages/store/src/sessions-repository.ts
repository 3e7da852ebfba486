import { userNameKey } from '@quorumd/core';
import type { Actor, StoreContext } from './store-context';
import { userFromHash, type UserRecord } from './users-repository';

function flatToHash(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) hash[list[i] as string] = list[i + 1] as string;
  return hash;
}

export interface LoginAttempt {
  id: number;
  passwordHash: string;
  sessionGeneration: string;
}

/** How failed logins lock a user. */
export interface LockRules {
  maxFailures: number;
  /** 0: until a password reset. */
  lockoutMs: number;
  /** Used instead of a permanent lock that would leave a service's M out of reach. */
  fallbackLockoutMs: number;
  requesterMayApprove: boolean;
}

/** Logins and sessions: failure counting and locks, sessions stored by the SHA-256 of their token. */
export class SessionsRepository {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Counts a login attempt as failed up front; returns the user, the password hash to
   * check and the session generation (loginFinish refuses if either changed meanwhile).
   */
  async loginAttempt(name: string, maxFailures: number): Promise<LoginAttempt> {
    const [id, hash, generation] = (await this.ctx.run('loginAttempt', {}, { kind: 'system' }, [
      userNameKey(name),
      maxFailures,
    ])) as [string, string, string];
    return { id: Number(id), passwordHash: hash, sessionGeneration: generation };
  }

  /**
   * Ends a login (or a check of the current password, with no session): on success resets
   * the failure count, stores the session if given and a password hash made with current
   * parameters if given — unless the password or session generation changed since the
   * attempt (RET_LOGIN_FAILED); a failure that reaches the threshold locks the user.
   */
  async loginFinish(
    user: { id: number; name: string },
    attempt: LoginAttempt,
    outcome: { success: boolean; rehash?: string },
    session: { tokenHash: string; expiresAt: number } | undefined,
    lock: LockRules,
  ): Promise<void> {
    await this.ctx.run('loginFinish', { userId: user.id, sessionHash: session?.tokenHash ?? 'none' }, { kind: 'user', id: user.id, name: user.name }, [
      outcome.success ? '1' : '0',
      user.id,
      session?.expiresAt ?? 0,
      user.name,
      lock.maxFailures,
      lock.lockoutMs,
      outcome.rehash ?? '',
      attempt.passwordHash,
      attempt.sessionGeneration,
      session ? '1' : '0',
      lock.fallbackLockoutMs,
      lock.requesterMayApprove ? '1' : '0',
    ]);
  }

  async sessionUser(tokenHash: string): Promise<UserRecord | undefined> {
    const flat = await this.ctx.run('readSession', { sessionHash: tokenHash }, { kind: 'system' }, []);
    return userFromHash(flatToHash(flat));
  }

  async logout(tokenHash: string, actor: Actor & { kind: 'user' }): Promise<void> {
    await this.ctx.run('logout', { sessionHash: tokenHash }, actor, { userId: actor.id });
  }
}

import { userNameKey } from '@quorumd/core';
import type { Actor, StoreContext } from './store-context';
import { userFromHash, type UserRecord } from './users-repository';

function flatToHash(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) hash[list[i] as string] = list[i + 1] as string;
  return hash;
}

/** Logins and sessions: failure counting and locks, sessions stored by the SHA-256 of their token. */
export class SessionsRepository {
  constructor(private readonly ctx: StoreContext) {}

  /** Counts a login attempt as failed up front; returns the user and password hash to check. */
  async loginAttempt(name: string, maxFailures: number): Promise<{ id: number; passwordHash: string }> {
    const [id, hash] = (await this.ctx.run('loginAttempt', {}, { kind: 'system' }, [
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
    await this.ctx.run('loginFinish', { userId: user.id, sessionHash: session.tokenHash }, { kind: 'user', id: user.id, name: user.name }, [
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
    const flat = await this.ctx.run('readSession', { sessionHash: tokenHash }, { kind: 'system' });
    return userFromHash(flatToHash(flat));
  }

  async logout(tokenHash: string, actor: Actor & { kind: 'user' }): Promise<void> {
    await this.ctx.run('logout', { sessionHash: tokenHash }, actor, [actor.id]);
  }
}

import { userNameKey } from '@quorumd/core';
import type { Actor, StoreContext } from './store-context';
import { userFromHash, type UserRecord } from './users-repository';

function flatToHash(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) hash[list[i] as string] = list[i + 1] as string;
  return hash;
}

/** What login-attempt answered: wait, an unknown name (counted all the same), or the user to check. */
export type LoginAttempt =
  | { kind: 'wait'; waitMs: number }
  | { kind: 'unknown' }
  | {
      kind: 'user';
      id: number;
      passwordHash: string;
      sessionGeneration: string;
      /** The address's wait this try set ('' for none): a right password takes it back. */
      sourceWait: string;
    };

/**
 * How failed logins make a name and a source address wait. Past its free failures, each
 * failure makes the next try wait `firstWaitMs`, doubled for every further failure, at most
 * the longest wait of a name or of an address; counts are forgotten `keepMs` after the last try.
 */
export interface LoginThrottle {
  nameFreeFailures: number;
  sourceFreeFailures: number;
  firstWaitMs: number;
  nameLongestWaitMs: number;
  sourceLongestWaitMs: number;
  keepMs: number;
}

/** Logins and sessions: failed logins counted per name and per source address, sessions stored by the SHA-256 of their token. */
export class SessionsRepository {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Counts a login attempt as failed up front, for the name and for the source address,
   * unless either must wait; answers the user's password hash to check and its session
   * generation (loginFinish refuses if either changed meanwhile).
   */
  async loginAttempt(name: string, source: string, throttle: LoginThrottle): Promise<LoginAttempt> {
    const loginName = userNameKey(name);
    const answer = (await this.ctx.run('loginAttempt', { loginName, loginSource: source }, { kind: 'system' }, {
      nameKey: loginName,
      nameFreeFailures: throttle.nameFreeFailures,
      sourceFreeFailures: throttle.sourceFreeFailures,
      firstWaitMs: throttle.firstWaitMs,
      nameLongestWaitMs: throttle.nameLongestWaitMs,
      sourceLongestWaitMs: throttle.sourceLongestWaitMs,
      keepMs: throttle.keepMs,
    })) as [string, string | number, string?, string?];
    const [id, hash, generation, sourceWait] = answer;
    if (id === 'wait') return { kind: 'wait', waitMs: Number(hash) };
    if (id === '') return { kind: 'unknown' };
    return { kind: 'user', id: Number(id), passwordHash: String(hash), sessionGeneration: generation ?? '0', sourceWait: sourceWait ?? '' };
  }

  /**
   * Ends a login (or a check of the current password, with no session): a failure is only
   * audited (it was counted, and it ends nothing); a success stores the session if given and
   * a password hash made with current parameters if given, and clears the name's failures —
   * unless the password or session generation changed since the attempt (RET_LOGIN_FAILED) or
   * the user is locked (RET_USER_LOCKED).
   */
  async loginFinish(
    user: { id: number; name: string },
    attempt: LoginAttempt & { kind: 'user' },
    outcome: { success: boolean; rehash?: string },
    session: { tokenHash: string; expiresAt: number } | undefined,
    source: string,
  ): Promise<void> {
    const ids = { userId: user.id, sessionHash: session?.tokenHash ?? 'none', loginName: userNameKey(user.name), loginSource: source };
    await this.ctx.run('loginFinish', ids, { kind: 'user', id: user.id, name: user.name }, {
      passwordRight: outcome.success ? '1' : '0',
      userId: user.id,
      sessionExpiresAt: session?.expiresAt ?? 0,
      name: user.name,
      newPasswordHash: outcome.rehash ?? '',
      checkedPasswordHash: attempt.passwordHash,
      sessionGeneration: attempt.sessionGeneration,
      storeSession: session ? '1' : '0',
      sourceWait: attempt.sourceWait,
    });
  }

  async sessionUser(tokenHash: string): Promise<UserRecord | undefined> {
    const flat = await this.ctx.run('readSession', { sessionHash: tokenHash }, { kind: 'system' }, {});
    return userFromHash(flatToHash(flat));
  }

  async logout(tokenHash: string, actor: Actor & { kind: 'user' }): Promise<void> {
    await this.ctx.run('logout', { sessionHash: tokenHash }, actor, { userId: actor.id });
  }
}

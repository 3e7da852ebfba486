import { timingSafeEqual } from 'node:crypto';
import { API_KEY_PATTERN, API_KEY_PREFIX, BoundedMap, QuorumError, SESSION_PREFIX, decoyPasswordHash, hashPassword, needsRehash, newSessionToken, sha256Hex, verifyPassword } from '@quorumd/core';
import type { LockRules, LoginAttempt, QuorumStore, UserRecord } from '@quorumd/store';
import type { Principal } from './principal';

export interface NewSession {
  token: string;
  user: UserRecord;
  expiresAt: number;
}

/** A permanent lock that would leave a service's M out of reach lasts this long instead. */
const FALLBACK_LOCKOUT_MS = 900_000;

export interface AuthOptions {
  sessionTtlSeconds: number;
  maxLoginFailures: number;
  lockoutSeconds: number;
  requesterMayApprove: boolean;
}

/** How long a resolved session may stand in for a fresh read, where the write checks it anyway. */
const REMEMBER_SESSION_MS = 60_000;

/** Logins, sessions and bearer credentials. Secrets are kept only as SHA-256 hashes. */
export class AuthService {
  private readonly lock: LockRules;
  /** Sessions resolved lately (by token hash): the user as then read. */
  private readonly recentSessions = new BoundedMap<string, { user: UserRecord; at: number }>(10_000);

  constructor(
    private readonly store: QuorumStore,
    private readonly options: AuthOptions,
  ) {
    this.lock = {
      maxFailures: options.maxLoginFailures,
      lockoutMs: options.lockoutSeconds * 1000,
      fallbackLockoutMs: FALLBACK_LOCKOUT_MS,
      requesterMayApprove: options.requesterMayApprove,
    };
  }

  /**
   * Checks a user's password the way a login does: the attempt counts as a failure until
   * it succeeds, so guesses lock the user after `QUORUM_MAX_LOGIN_FAILURES`, and a reset
   * or lock that lands meanwhile wins. Returns the user; RET_LOGIN_FAILED or RET_USER_LOCKED.
   */
  private async checkPassword(name: string, password: string, session?: { tokenHash: string; expiresAt: number }): Promise<UserRecord> {
    let attempt: LoginAttempt;
    try {
      attempt = await this.store.sessions.loginAttempt(name, this.options.maxLoginFailures);
    } catch (err) {
      if (err instanceof QuorumError && err.code === 'RET_LOGIN_FAILED') {
        await verifyPassword(password, await decoyPasswordHash());
      }
      throw err;
    }
    const ok = await verifyPassword(password, attempt.passwordHash);
    // A hash made with older parameters is replaced at the first login that proves the password.
    const rehash = ok && needsRehash(attempt.passwordHash) ? await hashPassword(password) : undefined;
    const user = await this.store.users.get(attempt.id);
    if (!user) throw new QuorumError('RET_LOGIN_FAILED');
    await this.store.sessions.loginFinish(user, attempt, { success: ok, rehash }, session, this.lock);
    if (!ok) throw new QuorumError('RET_LOGIN_FAILED');
    return user;
  }

  async login(name: string, password: string): Promise<NewSession> {
    const token = newSessionToken();
    const expiresAt = this.store.ctx.clock() + this.options.sessionTtlSeconds * 1000;
    const user = await this.checkPassword(name, password, { tokenHash: sha256Hex(token), expiresAt });
    return { token, user, expiresAt };
  }

  /** A logged-in user proving its current password (to change it): counted like a login. */
  async confirmPassword(user: UserRecord, password: string): Promise<void> {
    await this.checkPassword(user.name, password);
  }

  /**
   * Resolves an Authorization header; RET_UNAUTHORIZED when absent, unknown or expired.
   * `checkedByTheWrite`: the route's script checks the session in the same step as its change
   * (an approval), so a session resolved in the last minute is taken as it was then, without
   * a round trip to Redis; a refusal is retried with a fresh read (see `again`).
   */
  async principal(authorization: string | undefined, options: { checkedByTheWrite?: boolean } = {}): Promise<Principal> {
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(authorization ?? '');
    if (!match) throw new QuorumError('RET_UNAUTHORIZED', 'Send Authorization: Bearer <session token or API key>');
    const credential = match[1] as string;
    const apiKey = API_KEY_PATTERN.exec(credential);
    if (apiKey) {
      const record = await this.store.apiKeys.get(apiKey[1] as string);
      const presented = Buffer.from(sha256Hex(credential), 'hex');
      const stored = Buffer.from(record?.secretHash ?? '', 'hex');
      if (!record || stored.length !== presented.length || !timingSafeEqual(stored, presented)) {
        throw new QuorumError('RET_UNAUTHORIZED', 'Unknown or revoked API key');
      }
      // An API key acts for its owner and never outlives it.
      const owner = await this.store.users.get(record.ownerId);
      if (!owner || owner.type !== 'CO') throw new QuorumError('RET_UNAUTHORIZED', 'Unknown or revoked API key');
      return { kind: 'apikey', key: record };
    }
    if (credential.startsWith(SESSION_PREFIX)) {
      const sessionHash = sha256Hex(credential);
      const now = this.store.ctx.clock();
      const recent = options.checkedByTheWrite ? this.recentSessions.get(sessionHash) : undefined;
      if (recent && now - recent.at < REMEMBER_SESSION_MS) return { kind: 'user', user: recent.user, sessionHash, remembered: true };
      const user = await this.store.sessions.sessionUser(sessionHash);
      if (user) {
        this.recentSessions.set(sessionHash, { user, at: now });
        return { kind: 'user', user, sessionHash };
      }
      this.recentSessions.delete(sessionHash);
      throw new QuorumError('RET_UNAUTHORIZED', 'Unknown or expired session');
    }
    // Same code either way; the message names what the credential looks like, never whether it existed.
    if (credential.startsWith(API_KEY_PREFIX)) throw new QuorumError('RET_UNAUTHORIZED', 'Unknown or revoked API key');
    throw new QuorumError('RET_UNAUTHORIZED', `Unknown credential: neither a session token (${SESSION_PREFIX}...) nor an API key (${API_KEY_PREFIX}...)`);
  }

  /**
   * Runs `write` as `principal`; when the principal was a remembered session and the write
   * was refused for the session or the signature (the session ended, the key changed since),
   * reads the session afresh and runs it once more: a stale memory never decides a refusal.
   */
  async again<T>(authorization: string | undefined, principal: Principal, write: (principal: Principal) => Promise<T>): Promise<T> {
    try {
      return await write(principal);
    } catch (err) {
      const retry = principal.kind === 'user' && principal.remembered && err instanceof QuorumError && ['RET_UNAUTHORIZED', 'RET_SIGNATURE_INVALID', 'RET_QUORUM_KEY_NOT_REGISTERED'].includes(err.code);
      if (!retry) throw err;
      this.recentSessions.delete(principal.sessionHash);
      const fresh = await this.principal(authorization);
      // The same key as remembered: a signature that did not verify is the caller's, not the memory's.
      if (err.code === 'RET_SIGNATURE_INVALID' && fresh.kind === 'user' && fresh.user.fingerprint === principal.user.fingerprint) throw err;
      return write(fresh);
    }
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.kind !== 'user') throw new QuorumError('RET_FORBIDDEN', 'API keys have no session to end');
    await this.store.sessions.logout(principal.sessionHash, { kind: 'user', id: principal.user.id, name: principal.user.name });
  }
}

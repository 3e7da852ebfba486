import { timingSafeEqual } from 'node:crypto';
import { API_KEY_PATTERN, API_KEY_PREFIX, BoundedMap, QuorumError, SESSION_PREFIX, decoyPasswordHash, hashPassword, needsRehash, newSessionToken, sha256Hex, verifyPassword } from '@quorumd/core';
import type { LoginThrottle, QuorumStore, UserRecord } from '@quorumd/store';
import { loginSource } from './login-source';
import type { Principal } from './principal';

export interface NewSession {
  token: string;
  user: UserRecord;
  expiresAt: number;
}

export interface AuthOptions {
  sessionTtlSeconds: number;
  /** Failed logins of a name before each further try must wait (QUORUM_MAX_LOGIN_FAILURES). */
  maxLoginFailures: number;
  /** The longest wait between tries (QUORUM_LOCKOUT_SECONDS). */
  lockoutSeconds: number;
}

/** The wait after the first failure past the free ones; it doubles with each further failure. */
const FIRST_LOGIN_WAIT_MS = 1000;
/** Failed logins from one source address (any names) before its tries must wait: at least this many. */
const SOURCE_FREE_FAILURES = 20;
/**
 * The longest wait of an address: shorter than a name's, since an address may be many people's
 * (an office behind NAT; every caller's, behind a reverse proxy, which quorumd cannot see through).
 */
const SOURCE_LONGEST_WAIT_MS = 60_000;
/** A name's or an address's failures are forgotten this long after its last try. */
const KEEP_LOGIN_FAILURES_MS = 86_400_000;

/** How long a resolved session may stand in for a fresh read, where the write checks it anyway. */
const REMEMBER_SESSION_MS = 60_000;

/** Logins, sessions and bearer credentials. Secrets are kept only as SHA-256 hashes. */
export class AuthService {
  private readonly throttle: LoginThrottle;
  /** Sessions resolved lately (by token hash): the user as then read. */
  private readonly recentSessions = new BoundedMap<string, { user: UserRecord; at: number }>(10_000);

  constructor(
    private readonly store: QuorumStore,
    private readonly options: AuthOptions,
  ) {
    this.throttle = {
      nameFreeFailures: options.maxLoginFailures,
      // An address may be many officers' (one office behind NAT): more room than one name.
      sourceFreeFailures: Math.max(SOURCE_FREE_FAILURES, 4 * options.maxLoginFailures),
      firstWaitMs: FIRST_LOGIN_WAIT_MS,
      nameLongestWaitMs: options.lockoutSeconds * 1000,
      sourceLongestWaitMs: Math.min(SOURCE_LONGEST_WAIT_MS, options.lockoutSeconds * 1000),
      keepMs: KEEP_LOGIN_FAILURES_MS,
    };
  }

  /**
   * Checks a user's password the way a login does. The attempt counts as a failure of the
   * name and of the source address until it succeeds; past the free failures, each failure
   * makes the next try wait (RET_LOGIN_THROTTLED, with `retryAfterSeconds`), and a try while
   * waiting is refused unchecked. An unknown name is counted, made to wait and answered exactly
   * as a wrong password is. A failure never locks the user nor ends its sessions; a reset that
   * lands meanwhile wins. Returns the user; RET_LOGIN_FAILED, RET_LOGIN_THROTTLED or RET_USER_LOCKED.
   */
  private async checkPassword(name: string, password: string, ip: string, session?: { tokenHash: string; expiresAt: number }): Promise<UserRecord> {
    const source = loginSource(ip);
    const attempt = await this.store.sessions.loginAttempt(name, source, this.throttle);
    if (attempt.kind === 'wait') {
      const retryAfterSeconds = Math.max(1, Math.ceil(attempt.waitMs / 1000));
      throw new QuorumError('RET_LOGIN_THROTTLED', `Too many failed logins for this name or from this address: try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
    if (attempt.kind === 'unknown') {
      await verifyPassword(password, await decoyPasswordHash());
      throw new QuorumError('RET_LOGIN_FAILED');
    }
    const ok = await verifyPassword(password, attempt.passwordHash);
    // A hash made with older parameters is replaced at the first login that proves the password.
    const rehash = ok && needsRehash(attempt.passwordHash) ? await hashPassword(password) : undefined;
    const user = await this.store.users.get(attempt.id);
    if (!user) throw new QuorumError('RET_LOGIN_FAILED');
    await this.store.sessions.loginFinish(user, attempt, { success: ok, rehash }, session, source);
    if (!ok) throw new QuorumError('RET_LOGIN_FAILED');
    return user;
  }

  /** `ip`: the caller's address, whose failed logins are counted too. */
  async login(name: string, password: string, ip: string): Promise<NewSession> {
    const token = newSessionToken();
    const expiresAt = this.store.ctx.clock() + this.options.sessionTtlSeconds * 1000;
    const user = await this.checkPassword(name, password, ip, { tokenHash: sha256Hex(token), expiresAt });
    return { token, user, expiresAt };
  }

  /** A logged-in user proving its current password (to change it): counted and throttled like a login. */
  async confirmPassword(user: UserRecord, password: string, ip: string): Promise<void> {
    await this.checkPassword(user.name, password, ip);
  }

  /**
   * Resolves an Authorization header; RET_UNAUTHORIZED when absent, unknown or expired.
   * `checkedByTheWrite`: the route's script checks the session in the same step as its change
   * (an approval), so a session resolved in the last minute is taken as it was then, without
   * a round trip to Redis; a refusal is retried with a fresh read (see `afterRefusal`).
   * A session of a user whose password someone else chose (a one-time password) is refused
   * with RET_PASSWORD_CHANGE_REQUIRED unless `passwordChange` (changing it, logging out): the
   * flag cannot change while a session lives (setting or clearing it ends every session).
   */
  async principal(authorization: string | undefined, options: { checkedByTheWrite?: boolean; passwordChange?: boolean } = {}): Promise<Principal> {
    const principal = await this.resolve(authorization, options.checkedByTheWrite === true);
    if (principal.kind === 'user' && principal.user.passwordChangeRequired && options.passwordChange !== true) {
      throw new QuorumError('RET_PASSWORD_CHANGE_REQUIRED', `The password of ${principal.user.name} was chosen by someone else and works once: set one of your own first (PUT /v1/users/${principal.user.id}/password with it as currentPassword); until then this session can do nothing else`);
    }
    return principal;
  }

  private async resolve(authorization: string | undefined, checkedByTheWrite: boolean): Promise<Principal> {
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
      const recent = checkedByTheWrite ? this.recentSessions.get(sessionHash) : undefined;
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
   * After a write as `principal` was refused with `err`: when the principal was a remembered
   * session and the refusal is one a stale memory explains (the session ended, the key changed
   * since), answers the session read afresh, for the write to run once more; otherwise throws
   * `err`. A stale memory never decides a refusal.
   */
  async afterRefusal(authorization: string | undefined, principal: Principal, err: unknown): Promise<Principal> {
    const retry = principal.kind === 'user' && principal.remembered && err instanceof QuorumError && ['RET_UNAUTHORIZED', 'RET_SIGNATURE_INVALID', 'RET_QUORUM_KEY_NOT_REGISTERED'].includes(err.code);
    if (!retry) throw err;
    this.recentSessions.delete(principal.sessionHash);
    const fresh = await this.principal(authorization);
    // The same key as remembered: a signature that did not verify is the caller's, not the memory's.
    if (err.code === 'RET_SIGNATURE_INVALID' && fresh.kind === 'user' && fresh.user.fingerprint === principal.user.fingerprint) throw err;
    return fresh;
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.kind !== 'user') throw new QuorumError('RET_FORBIDDEN', 'API keys have no session to end');
    await this.store.sessions.logout(principal.sessionHash, { kind: 'user', id: principal.user.id, name: principal.user.name });
  }
}

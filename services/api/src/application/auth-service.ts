import { timingSafeEqual } from 'node:crypto';
import { API_KEY_PATTERN, QuorumError, SESSION_PREFIX, decoyPasswordHash, hashPassword, needsRehash, newSessionToken, sha256Hex, verifyPassword } from '@quorumd/core';
import type { QuorumStore, UserRecord } from '@quorumd/store';
import type { Principal } from './principal';

export interface NewSession {
  token: string;
  user: UserRecord;
  expiresAt: number;
}

/** Logins, sessions and bearer credentials. Secrets are kept only as SHA-256 hashes. */
export class AuthService {
  constructor(
    private readonly store: QuorumStore,
    private readonly options: { sessionTtlSeconds: number; maxLoginFailures: number; lockoutSeconds: number },
  ) {}

  async login(name: string, password: string): Promise<NewSession> {
    let attempt: { id: number; passwordHash: string };
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
    const token = newSessionToken();
    const expiresAt = this.store.ctx.clock() + this.options.sessionTtlSeconds * 1000;
    const user = await this.store.users.get(attempt.id);
    if (!user) throw new QuorumError('RET_LOGIN_FAILED');
    await this.store.sessions.loginFinish(user, { success: ok, rehash }, { tokenHash: sha256Hex(token), expiresAt }, {
      maxFailures: this.options.maxLoginFailures,
      lockoutMs: this.options.lockoutSeconds * 1000,
    });
    if (!ok) throw new QuorumError('RET_LOGIN_FAILED');
    return { token, user, expiresAt };
  }

  /** Resolves an Authorization header; RET_UNAUTHORIZED when absent, unknown or expired. */
  async principal(authorization: string | undefined): Promise<Principal> {
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
      const user = await this.store.sessions.sessionUser(sessionHash);
      if (user) return { kind: 'user', user, sessionHash };
    }
    throw new QuorumError('RET_UNAUTHORIZED', 'Unknown or expired session');
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.kind !== 'user') throw new QuorumError('RET_FORBIDDEN', 'API keys have no session to end');
    await this.store.sessions.logout(principal.sessionHash, { kind: 'user', id: principal.user.id, name: principal.user.name });
  }
}

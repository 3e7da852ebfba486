import { QuorumError, type Requester } from '@quorumd/core';
import type { Actor, ApiKeyRecord, ApiKeyScope, UserRecord } from '@quorumd/store';

/** Who is calling: a logged-in user (session) or automation (API key). */
export type Principal =
  | {
      kind: 'user';
      user: UserRecord;
      sessionHash: string;
      /**
       * The session was resolved a moment ago and not read again: only for a write whose
       * script checks the session itself (an approval), and read afresh if it is refused.
       */
      remembered?: true;
    }
  | { kind: 'apikey'; key: ApiKeyRecord };

export function requesterKey(principal: Principal): string {
  return principal.kind === 'user' ? `user:${principal.user.id}` : `apikey:${principal.key.id}`;
}

/** The caller's session (its hash), which the write scripts check; none for an API key. */
export function sessionOf(principal: Principal): string | undefined {
  return principal.kind === 'user' ? principal.sessionHash : undefined;
}

/**
 * The user whose rules a caller follows as a requester: itself, or the owner of its API
 * key (an API key acts for its owner: self-approval, fan-out, the lock-out guard).
 */
export function requesterUserId(principal: Principal): number {
  return principal.kind === 'user' ? principal.user.id : principal.key.ownerId;
}

export function requesterOf(principal: Principal): Requester {
  return principal.kind === 'user'
    ? { kind: 'user', id: principal.user.id, name: principal.user.name }
    : { kind: 'apikey', id: principal.key.id, name: principal.key.name };
}

export function actorOf(principal: Principal): Actor {
  return principal.kind === 'user'
    ? { kind: 'user', id: principal.user.id, name: principal.user.name }
    : { kind: 'apikey', id: principal.key.id, name: principal.key.name };
}

export function isOfficer(principal: Principal): principal is Principal & { kind: 'user' } {
  return principal.kind === 'user' && principal.user.type === 'CO';
}

/** A logged-in user of any type (API keys refused). */
export function requireUser(principal: Principal): UserRecord {
  if (principal.kind !== 'user') throw new QuorumError('RET_FORBIDDEN', 'This call needs a user session, not an API key');
  return principal.user;
}

/** A logged-in crypto officer. */
export function requireOfficer(principal: Principal): UserRecord {
  const user = requireUser(principal);
  if (user.type !== 'CO') throw new QuorumError('RET_FORBIDDEN', 'Only crypto officers may do this');
  return user;
}

/** A crypto officer, or an API key holding `scope`. */
export function requireOfficerOrScope(principal: Principal, scope: ApiKeyScope): void {
  if (principal.kind === 'apikey') {
    if (!principal.key.scopes.includes(scope)) throw new QuorumError('RET_FORBIDDEN', `This API key lacks the scope ${scope}`);
    return;
  }
  requireOfficer(principal);
}

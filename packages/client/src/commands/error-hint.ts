import type { QuorumError } from '@quorumd/core';
import { gateRefusalHint, type AttemptedOperation } from './gate-refusal-hint';

const HINTS: Partial<Record<string, string>> = {
  RET_UNAUTHORIZED: 'hint: log in with quorum loginHSM <type> <name> <password>, or set QUORUM_TOKEN',
  RET_USER_LOCKED: 'hint: failed logins lock no one: this lock is one officers or a quorum decided (or one left by an earlier version); a password reset lifts it (a crypto officer runs changePswd for this user, under the USER_MGMT quorum)',
  RET_PASSWORD_CHANGE_REQUIRED: 'hint: your password was chosen by someone else and works once: set your own with quorum changePswd <type> <your name> <new password> --current-password <this password>, then loginHSM with it',
  RET_SIGNATURE_INVALID: 'hint: sign with the private key whose public half you registered',
  RET_QUORUM_KEY_NOT_REGISTERED: 'hint: quorum keygen --out DIR, then quorum register-key --key DIR/private.pem',
  RET_STORE_UNAVAILABLE: 'hint: is quorumd running at --url / QUORUM_URL?',
  RET_BAD_CONFIG: 'hint: give quorumd\'s base URL with --url or QUORUM_URL, e.g. http://127.0.0.1:8080',
};

/** A one-line hint per code; for RET_MXN_AUTH_FAILED, what the server said of the token (see gateRefusalHint). */
export function errorHint(err: QuorumError, attempted: AttemptedOperation | undefined): string | undefined {
  if (err.code === 'RET_MXN_AUTH_FAILED') return gateRefusalHint(err.details, attempted);
  if (err.code === 'RET_LOGIN_THROTTLED') return throttledHint(err.details?.retryAfterSeconds);
  return HINTS[err.code];
}

/** A throttled login: how long to wait (the server's Retry-After), and that nothing is locked. */
function throttledHint(retryAfterSeconds: unknown): string {
  const wait = typeof retryAfterSeconds === 'number' && Number.isFinite(retryAfterSeconds) ? `${Math.ceil(retryAfterSeconds)} s` : 'a moment';
  return `hint: too many failed logins for this name or from this address: wait ${wait} (Retry-After), then log in again; nothing is locked and open sessions go on`;
}

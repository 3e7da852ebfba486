import type { QuorumError } from '@quorumd/core';
import { gateRefusalHint, type AttemptedOperation } from './gate-refusal-hint';

const HINTS: Partial<Record<string, string>> = {
  RET_UNAUTHORIZED: 'hint: log in with quorum loginHSM <type> <name> <password>, or set QUORUM_TOKEN',
  RET_USER_LOCKED: 'hint: a crypto officer must change this user’s password (changePswd)',
  RET_SIGNATURE_INVALID: 'hint: sign with the private key whose public half you registered',
  RET_QUORUM_KEY_NOT_REGISTERED: 'hint: quorum keygen --out DIR, then quorum register-key --key DIR/private.pem',
  RET_STORE_UNAVAILABLE: 'hint: is quorumd running at --url / QUORUM_URL?',
  RET_BAD_CONFIG: 'hint: give quorumd\'s base URL with --url or QUORUM_URL, e.g. http://127.0.0.1:8080',
};

/** A one-line hint per code; for RET_MXN_AUTH_FAILED, what the server said of the token (see gateRefusalHint). */
export function errorHint(err: QuorumError, attempted: AttemptedOperation | undefined): string | undefined {
  if (err.code === 'RET_MXN_AUTH_FAILED') return gateRefusalHint(err.details, attempted);
  return HINTS[err.code];
}

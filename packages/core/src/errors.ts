/**
 * The one table of quorumd error codes. Every refusal the service makes is one of these,
 * with a fixed HTTP status. Messages may add detail; codes and statuses never change.
 */
export const ERROR_CODES = {
  RET_BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  RET_UNAUTHORIZED: { status: 401, message: 'Authentication is required' },
  RET_FORBIDDEN: { status: 403, message: 'The caller may not do this' },
  RET_LOGIN_FAILED: { status: 401, message: 'Login failed: unknown user or wrong password' },
  RET_USER_LOCKED: { status: 403, message: 'The user is locked (by officers or a quorum; failed logins lock no one); a quorum-approved password reset unlocks it' },
  RET_PASSWORD_CHANGE_REQUIRED: { status: 403, message: 'This password was chosen by someone else and works once: set a password of your own first' },
  RET_LOGIN_THROTTLED: { status: 429, message: 'Too many failed logins for this name or from this address: wait before trying again' },
  RET_USER_NOT_FOUND: { status: 404, message: 'No such user' },
  RET_USER_EXISTS: { status: 409, message: 'A user with this name already exists' },
  RET_MXN_AUTH_FAILED: { status: 403, message: 'Quorum approval is required for this operation' },
  RET_TOKEN_NOT_FOUND: { status: 404, message: 'No such quorum token' },
  RET_TOKEN_EXPIRED: { status: 409, message: 'The quorum token has expired' },
  RET_TOKEN_NOT_APPROVED: { status: 409, message: 'The quorum token does not have its approvals yet' },
  RET_TOKEN_NOT_PENDING: { status: 409, message: 'The quorum token is no longer pending' },
  RET_SIGNATURE_INVALID: { status: 400, message: 'The signature does not verify over the token bytes' },
  RET_ALREADY_APPROVED: { status: 409, message: 'This officer already decided on this token' },
  RET_QUORUM_KEY_NOT_REGISTERED: { status: 403, message: 'The officer has no registered quorum key' },
  RET_KEY_IN_USE: { status: 409, message: 'This public key is registered to another user' },
  RET_QUORUM_KEY_INVALID: { status: 400, message: 'The quorum key is not an RSA public key of 2048-4096 bits with e = 65537' },
  RET_CHALLENGE_INVALID: { status: 400, message: 'The key registration challenge is unknown, used or expired' },
  RET_M_VALUE_OUT_OF_RANGE: { status: 400, message: 'M must be an integer from 1 to 8' },
  RET_M_VALUE_CHANGED: { status: 409, message: 'An M value changed while the token was issued; request it again' },
  RET_M_EXCEEDS_APPROVERS: { status: 409, message: 'M is above the number of officers holding quorum keys' },
  RET_QUORUM_UNREACHABLE: { status: 409, message: "The change leaves a service's policy unsatisfiable by the officers holding quorum keys" },
  RET_SERVICE_UNKNOWN: { status: 400, message: 'Unknown quorum service' },
  RET_SERVICE_IN_USE: { status: 409, message: 'The service has open tokens' },
  RET_PASSKEY_REQUIRED: { status: 403, message: 'This token’s policy requires a passkey assertion over its bytes with the approval (approve it in the console)' },
  RET_PASSKEY_INVALID: { status: 403, message: 'The passkey assertion does not verify: wrong challenge, origin or RP ID, no user verification, a credential not the officer’s, or a counter gone backwards' },
  RET_BREAK_GLASS_NOT_ALLOWED: { status: 400, message: 'Break-glass is not allowed for this service or operation' },
  RET_NOT_FOUND: { status: 404, message: 'No such resource' },
  RET_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  RET_STORE_UNAVAILABLE: { status: 503, message: 'The store is unavailable' },
  RET_INTERNAL: { status: 500, message: 'Internal error' },
  /** Raised by the SDK (QuorumClient) at construction, never answered by the service. */
  RET_BAD_CONFIG: { status: 400, message: 'The client is misconfigured' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class QuorumError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'QuorumError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details;
  }
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

import type { ErrorCode } from '@quorumd/core';

/** Codes every authenticated route may answer with. */
const COMMON: ErrorCode[] = ['RET_BAD_REQUEST', 'RET_UNAUTHORIZED', 'RET_FORBIDDEN', 'RET_STORE_UNAVAILABLE'];
const TOKEN: ErrorCode[] = ['RET_TOKEN_NOT_FOUND'];
const GATE: ErrorCode[] = ['RET_MXN_AUTH_FAILED'];

/**
 * The RET_ codes each route may answer with, beyond the common ones; OpenAPI lists them in
 * the route's description. A route missing here fails the OpenAPI test.
 */
export const ROUTE_ERROR_CODES: Record<string, ErrorCode[]> = {
  'GET /healthz': [],
  'GET /readyz': ['RET_STORE_UNAVAILABLE'],
  'POST /v1/sessions': ['RET_BAD_REQUEST', 'RET_LOGIN_FAILED', 'RET_USER_LOCKED', 'RET_RATE_LIMITED', 'RET_STORE_UNAVAILABLE'],
  'DELETE /v1/sessions/current': COMMON,
  'GET /v1/users': COMMON,
  'POST /v1/users': [...COMMON, ...GATE, 'RET_USER_EXISTS'],
  'DELETE /v1/users/:id': [...COMMON, ...GATE, 'RET_USER_NOT_FOUND'],
  'PUT /v1/users/:id/password': [...COMMON, ...GATE, 'RET_USER_NOT_FOUND'],
  'POST /v1/users/:id/quorum-key/challenge': COMMON,
  'PUT /v1/users/:id/quorum-key': [...COMMON, 'RET_QUORUM_KEY_INVALID', 'RET_CHALLENGE_INVALID', 'RET_SIGNATURE_INVALID'],
  'GET /v1/quorum/values': COMMON,
  'GET /v1/quorum/values/:service': [...COMMON, 'RET_SERVICE_UNKNOWN'],
  'PUT /v1/quorum/values/:service': [...COMMON, ...GATE, 'RET_SERVICE_UNKNOWN', 'RET_M_VALUE_OUT_OF_RANGE', 'RET_M_EXCEEDS_APPROVERS'],
  'POST /v1/tokens': [...COMMON, 'RET_SERVICE_UNKNOWN', 'RET_M_VALUE_OUT_OF_RANGE', 'RET_RATE_LIMITED'],
  'GET /v1/tokens': COMMON,
  'GET /v1/tokens/:id': [...COMMON, ...TOKEN],
  'GET /v1/tokens/:id/events': [...COMMON, ...TOKEN],
  'GET /v1/tokens/:id/bytes': [...COMMON, ...TOKEN],
  'GET /v1/tokens/:id/bundle': [...COMMON, ...TOKEN],
  'POST /v1/tokens/:id/approvals': [
    ...COMMON,
    ...TOKEN,
    ...GATE,
    'RET_SIGNATURE_INVALID',
    'RET_QUORUM_KEY_NOT_REGISTERED',
    'RET_ALREADY_APPROVED',
    'RET_TOKEN_EXPIRED',
    'RET_TOKEN_NOT_PENDING',
  ],
  'POST /v1/tokens/:id/rejections': [...COMMON, ...TOKEN, ...GATE, 'RET_QUORUM_KEY_NOT_REGISTERED', 'RET_ALREADY_APPROVED', 'RET_TOKEN_EXPIRED', 'RET_TOKEN_NOT_PENDING'],
  'DELETE /v1/tokens/:id': [...COMMON, ...TOKEN, ...GATE, 'RET_TOKEN_EXPIRED', 'RET_TOKEN_NOT_PENDING'],
  'POST /v1/tokens/:id/consume': [...COMMON, ...TOKEN, ...GATE],
  'POST /v1/api-keys': COMMON,
  'GET /v1/api-keys': COMMON,
  'DELETE /v1/api-keys/:id': [...COMMON, 'RET_NOT_FOUND'],
  'GET /v1/audit': COMMON,
  'GET /v1/officers/me/pending': COMMON,
  'GET /v1/officers/me/webhook': COMMON,
  'PUT /v1/officers/me/webhook': COMMON,
  'DELETE /v1/officers/me/webhook': COMMON,
  'GET /v1/admin/deliveries': COMMON,
  'POST /v1/admin/deliveries/:id/replay': [...COMMON, 'RET_NOT_FOUND'],
};

import type { ErrorCode } from '@quorumd/core';

/** Codes every authenticated route may answer with. */
const COMMON: ErrorCode[] = ['RET_BAD_REQUEST', 'RET_UNAUTHORIZED', 'RET_FORBIDDEN', 'RET_PASSWORD_CHANGE_REQUIRED', 'RET_STORE_UNAVAILABLE'];
const TOKEN: ErrorCode[] = ['RET_TOKEN_NOT_FOUND'];
const GATE: ErrorCode[] = ['RET_MXN_AUTH_FAILED'];

export interface RouteDoc {
  operationId: string;
  summary: string;
  /** The RET_ codes it may answer with (listed in the operation's description). */
  errors: ErrorCode[];
  /** Answers without credentials (no `security` in OpenAPI). */
  public?: true;
}

/**
 * What OpenAPI says about each route: operation id (named after the CloudHSM command where
 * there is one), summary, and error codes. A route missing here fails at start-up.
 */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /healthz': { operationId: 'healthz', summary: 'Liveness: the process answers', errors: [], public: true },
  'GET /readyz': { operationId: 'readyz', summary: 'Readiness: the store takes writes; degraded while fewer replicas acknowledge the changes than should (503 when QUORUM_MIN_REPLICAS is set and unmet)', errors: ['RET_STORE_UNAVAILABLE'], public: true },
  'GET /metrics': { operationId: 'metrics', summary: 'Prometheus metrics (text exposition format)', errors: [], public: true },
  'POST /v1/sessions': {
    operationId: 'loginHSM',
    summary: 'Log in with name and password; answers a bearer session token',
    errors: ['RET_BAD_REQUEST', 'RET_LOGIN_FAILED', 'RET_USER_LOCKED', 'RET_LOGIN_THROTTLED', 'RET_RATE_LIMITED', 'RET_STORE_UNAVAILABLE'],
    public: true,
  },
  'DELETE /v1/sessions/current': { operationId: 'logoutHSM', summary: 'End the calling session', errors: COMMON },
  'GET /v1/users': { operationId: 'listUsers', summary: 'List users (id, type, name, MofnPubKey, loginFailureCnt)', errors: COMMON },
  'POST /v1/users': { operationId: 'createUser', summary: 'Create a user (USER_MGMT quorum; a CO needs every service’s M)', errors: [...COMMON, ...GATE, 'RET_USER_EXISTS'] },
  'DELETE /v1/users/:id': { operationId: 'deleteUser', summary: 'Delete a user, its sessions and API keys (USER_MGMT quorum)', errors: [...COMMON, ...GATE, 'RET_USER_NOT_FOUND', 'RET_M_EXCEEDS_APPROVERS', 'RET_QUORUM_UNREACHABLE'] },
  'PUT /v1/users/:id/password': {
    operationId: 'changePswd',
    summary: 'Change one’s own password (with the current one) or reset another user’s (USER_MGMT quorum)',
    errors: [...COMMON, ...GATE, 'RET_USER_NOT_FOUND', 'RET_LOGIN_FAILED', 'RET_USER_LOCKED', 'RET_LOGIN_THROTTLED', 'RET_RATE_LIMITED'],
  },
  'PUT /v1/users/:id/hsm-username': { operationId: 'setHsmUsername', summary: 'Set the name one signs AWS CloudHSM token files as (one’s own)', errors: [...COMMON, 'RET_USER_NOT_FOUND'] },
  'POST /v1/users/:id/quorum-key/challenge': { operationId: 'quorumKeyChallenge', summary: 'Get the challenge a new quorum key must sign', errors: COMMON },
  'PUT /v1/users/:id/quorum-key': {
    operationId: 'registerQuorumPubKey',
    summary: 'Register one’s RSA quorum key with a signature over the challenge',
    errors: [...COMMON, 'RET_QUORUM_KEY_INVALID', 'RET_CHALLENGE_INVALID', 'RET_SIGNATURE_INVALID', 'RET_KEY_IN_USE'],
  },
  'POST /v1/users/:id/passkeys/options': { operationId: 'passkeyRegistrationOptions', summary: 'WebAuthn options to register a passkey (one’s own, with the current password)', errors: [...COMMON, 'RET_LOGIN_FAILED', 'RET_LOGIN_THROTTLED', 'RET_RATE_LIMITED'] },
  'POST /v1/users/:id/passkeys/confirmation-options': { operationId: 'passkeyConfirmationOptions', summary: 'A one-time challenge for one of one’s passkeys to confirm adding or deleting a passkey (with the current password)', errors: [...COMMON, 'RET_LOGIN_FAILED', 'RET_LOGIN_THROTTLED', 'RET_RATE_LIMITED'] },
  'POST /v1/users/:id/passkeys': { operationId: 'registerPasskey', summary: 'Register a passkey from the authenticator’s response (user verification required; confirmed by a passkey one holds, if any)', errors: [...COMMON, 'RET_CHALLENGE_INVALID', 'RET_PASSKEY_INVALID', 'RET_PASSKEY_REQUIRED', 'RET_KEY_IN_USE'] },
  'GET /v1/users/:id/passkeys': { operationId: 'listPasskeys', summary: 'One’s own passkeys', errors: COMMON },
  'DELETE /v1/users/:id/passkeys/:passkeyId': { operationId: 'deletePasskey', summary: 'Delete one of one’s passkeys (with the current password; refused when a policy requiring passkeys would be left unsatisfiable)', errors: [...COMMON, 'RET_NOT_FOUND', 'RET_LOGIN_FAILED', 'RET_LOGIN_THROTTLED', 'RET_RATE_LIMITED', 'RET_QUORUM_UNREACHABLE', 'RET_CHALLENGE_INVALID', 'RET_PASSKEY_INVALID', 'RET_PASSKEY_REQUIRED'] },
  'GET /v1/quorum/values': { operationId: 'getMValues', summary: 'M value of every quorum service', errors: COMMON },
  'GET /v1/quorum/values/:service': { operationId: 'getMValue', summary: 'M value of one quorum service', errors: [...COMMON, 'RET_SERVICE_UNKNOWN'] },
  'PUT /v1/quorum/values/:service': {
    operationId: 'setMValue',
    summary: 'Set a service’s M (QUORUM_MGMT quorum; refused above the officers who could approve unless forced)',
    errors: [...COMMON, ...GATE, 'RET_SERVICE_UNKNOWN', 'RET_M_VALUE_OUT_OF_RANGE', 'RET_M_EXCEEDS_APPROVERS'],
  },
  'GET /v1/quorum/services': { operationId: 'getServices', summary: 'Every quorum service with its policy (docs/policies.md)', errors: COMMON },
  'GET /v1/quorum/services/:service': { operationId: 'getService', summary: 'One quorum service with its policy', errors: [...COMMON, 'RET_SERVICE_UNKNOWN'] },
  'PUT /v1/quorum/services/:service': {
    operationId: 'setPolicy',
    summary: 'Create or change a custom service’s policy (QUORUM_MGMT quorum and the service’s current policy; refused when unsatisfiable unless forced)',
    errors: [...COMMON, ...GATE, 'RET_QUORUM_UNREACHABLE'],
  },
  'DELETE /v1/quorum/services/:service': {
    operationId: 'deleteService',
    summary: 'Delete a custom service (QUORUM_MGMT quorum and its current policy; refused while it has open tokens)',
    errors: [...COMMON, ...GATE, 'RET_NOT_FOUND', 'RET_SERVICE_IN_USE'],
  },
  'GET /v1/groups': { operationId: 'getGroups', summary: 'Every group of officers with its members (`officers`: every CO, built in)', errors: COMMON },
  'PUT /v1/groups/:group': {
    operationId: 'setGroup',
    summary: 'Set a group’s members (QUORUM_MGMT quorum and every policy naming the group; refused when a policy is left unsatisfiable unless forced)',
    errors: [...COMMON, ...GATE, 'RET_QUORUM_UNREACHABLE'],
  },
  'POST /v1/tokens': { operationId: 'getToken', summary: 'Request a quorum token for one exact operation', errors: [...COMMON, 'RET_SERVICE_UNKNOWN', 'RET_M_VALUE_OUT_OF_RANGE', 'RET_RATE_LIMITED'] },
  'GET /v1/tokens': { operationId: 'listTokens', summary: 'List tokens, newest first (an API key sees its own)', errors: COMMON },
  'GET /v1/tokens/:id': { operationId: 'getTokenStatus', summary: 'Read a token; with ?wait=S, long-poll until it leaves PENDING (at most 16 open per user, per API key)', errors: [...COMMON, ...TOKEN, 'RET_RATE_LIMITED'] },
  'GET /v1/tokens/:id/events': { operationId: 'tokenEvents', summary: 'Server-sent events: the token now and on every change (at most 8 open per user, per API key)', errors: [...COMMON, ...TOKEN, 'RET_RATE_LIMITED'] },
  'GET /v1/tokens/:id/bytes': { operationId: 'getTokenBytes', summary: 'The exact bytes an officer signs', errors: [...COMMON, ...TOKEN] },
  'GET /v1/tokens/:id/passkey-options': { operationId: 'getTokenPasskeyOptions', summary: 'WebAuthn options to approve with a passkey: challenge = base64url(SHA-256(the bytes one signs)), one’s own passkeys', errors: [...COMMON, ...TOKEN, 'RET_PASSKEY_REQUIRED'] },
  'GET /v1/tokens/:id/bundle': { operationId: 'getTokenBundle', summary: 'Token bytes, the approvals that carry it and their keys, verifiable offline', errors: [...COMMON, ...TOKEN] },
  'POST /v1/tokens/:id/approvals': {
    operationId: 'approveToken',
    summary: 'Approve a token with an RSA signature over its bytes (and a passkey assertion over them, when its policy requires one)',
    errors: [...COMMON, ...TOKEN, ...GATE, 'RET_PASSKEY_REQUIRED', 'RET_PASSKEY_INVALID', 'RET_SIGNATURE_INVALID', 'RET_QUORUM_KEY_NOT_REGISTERED', 'RET_ALREADY_APPROVED', 'RET_TOKEN_EXPIRED', 'RET_TOKEN_NOT_PENDING', 'RET_KEY_IN_USE'],
  },
  'GET /v1/tokens/:id/cloudhsm-token-file': {
    operationId: 'getCloudHsmTokenFile',
    summary: 'The AWS CloudHSM token file with the approvers’ signatures, ready for --approval (uses the token, once)',
    errors: [...COMMON, ...TOKEN, ...GATE, 'RET_TOKEN_NOT_APPROVED', 'RET_TOKEN_NOT_PENDING'],
  },
  'POST /v1/tokens/:id/rejections': {
    operationId: 'rejectToken',
    summary: 'Reject a token, with a reason',
    errors: [...COMMON, ...TOKEN, ...GATE, 'RET_QUORUM_KEY_NOT_REGISTERED', 'RET_ALREADY_APPROVED', 'RET_TOKEN_EXPIRED', 'RET_TOKEN_NOT_PENDING'],
  },
  'DELETE /v1/tokens/:id': { operationId: 'delToken', summary: 'Delete a PENDING or APPROVED token', errors: [...COMMON, ...TOKEN, ...GATE, 'RET_TOKEN_EXPIRED', 'RET_TOKEN_NOT_PENDING'] },
  'POST /v1/tokens/:id/consume': { operationId: 'consumeToken', summary: 'For external systems: use an APPROVED token for its exact operation, once', errors: [...COMMON, ...TOKEN, ...GATE] },
  'POST /v1/api-keys': { operationId: 'createApiKey', summary: 'Create a scoped API key for automation (shown once)', errors: COMMON },
  'GET /v1/api-keys': { operationId: 'listApiKeys', summary: 'List API keys', errors: COMMON },
  'DELETE /v1/api-keys/:id': { operationId: 'deleteApiKey', summary: 'Revoke an API key', errors: [...COMMON, 'RET_USER_NOT_FOUND'] },
  'GET /v1/audit': { operationId: 'getAuditLog', summary: 'Page the hash-chained audit log (JSON, or raw text for offline checks)', errors: COMMON },
  'GET /v1/audit/hashes': { operationId: 'getAuditHashes', summary: 'Page the sealed hashes of the audit chain (hex, from a seq), for verifiers outside Redis', errors: COMMON },
  'GET /v1/audit/checkpoints': { operationId: 'getAuditCheckpoints', summary: 'Signed checkpoints of the audit head, oldest first (after a seq)', errors: COMMON },
  'GET /v1/audit/public-key': { operationId: 'getAuditPublicKey', summary: 'The Ed25519 public key audit checkpoints verify with', errors: [...COMMON, 'RET_USER_NOT_FOUND'] },
  'GET /v1/audit/head': { operationId: 'getAuditHead', summary: 'The last entry appended and the last sealed, and the issuer checkpoints name', errors: COMMON },
  'GET /v1/audit/checkpoint': { operationId: 'getAuditCheckpointNote', summary: 'The latest signed checkpoint of the audit Merkle tree (C2SP tlog-checkpoint as a signed note, text/plain)', errors: [...COMMON, 'RET_NOT_FOUND'] },
  'GET /v1/audit/verifier-key': { operationId: 'getAuditVerifierKey', summary: 'The note verifier key the checkpoints open with (pin it)', errors: [...COMMON, 'RET_NOT_FOUND'] },
  'GET /v1/audit/proof/inclusion': { operationId: 'getAuditInclusionProof', summary: 'RFC 9162 inclusion proof of a leaf (seq − 1) in the audit tree of a size', errors: COMMON },
  'GET /v1/audit/proof/consistency': { operationId: 'getAuditConsistencyProof', summary: 'RFC 9162 consistency proof between two sizes of the audit tree', errors: COMMON },
  'GET /v1/audit/entries': { operationId: 'getAuditEntries', summary: 'The audit tree’s leaves [from, to): the entries’ texts as stored', errors: COMMON },
  'GET /v1/audit/export': { operationId: 'exportAudit', summary: 'The audit log after a seq as NDJSON (seq, leaf hash, checkpoint size, entry), for a SIEM; resumable', errors: COMMON },
  'GET /v1/officers/me/pending': { operationId: 'listMyPendingTokens', summary: 'The calling officer’s queue of tokens awaiting its decision', errors: COMMON },
  'GET /v1/officers/me/pending/events': { operationId: 'myPendingTokenEvents', summary: 'Server-sent events: the calling officer’s queue now and on every change (at most 8 open per user)', errors: [...COMMON, 'RET_RATE_LIMITED'] },
  'GET /v1/officers/me/webhook': { operationId: 'getMyWebhook', summary: 'The calling officer’s webhook', errors: COMMON },
  'PUT /v1/officers/me/webhook': { operationId: 'setMyWebhook', summary: 'Set the calling officer’s webhook (public http(s) only)', errors: COMMON },
  'GET /v1/users/:id/notifications': { operationId: 'getNotifications', summary: 'A user’s notification channels (e-mail, chat) and its latest deliveries (the user itself, or a CO)', errors: [...COMMON, 'RET_USER_NOT_FOUND'] },
  'PUT /v1/users/:id/notifications': { operationId: 'setNotifications', summary: 'Set a user’s notification channels: e-mail, a Slack-compatible chat webhook (public http(s) only), the events (the user itself, or a CO; audited)', errors: [...COMMON, 'RET_USER_NOT_FOUND'] },
  'DELETE /v1/officers/me/webhook': { operationId: 'deleteMyWebhook', summary: 'Remove the calling officer’s webhook', errors: COMMON },
  'GET /v1/admin/deliveries': { operationId: 'listFailedDeliveries', summary: 'Dead letters: deliveries that used up their attempts', errors: COMMON },
  'POST /v1/admin/deliveries/:id/replay': { operationId: 'replayDelivery', summary: 'Send a dead-lettered delivery again', errors: [...COMMON, 'RET_USER_NOT_FOUND'] },
};

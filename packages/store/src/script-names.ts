/** Every Lua script, by the name the store calls it (its file: `lua/<kebab-case>-<keys>.lua`). */
export const SCRIPT_NAMES = [
  'addAuditCheckpoint',
  'addAuditCosignatures',
  'approvalRecipients',
  'auditSealerLease',
  'approveToken',
  'bootstrap',
  'changePassword',
  'consumeToken',
  'createApiKey',
  'createUser',
  'deleteApiKey',
  'deletePasskey',
  'deleteService',
  'deleteToken',
  'deleteUser',
  'expireToken',
  'growAuditTree',
  'issueToken',
  'joinDigest',
  'loginAttempt',
  'loginFinish',
  'logout',
  'pendingTokens',
  'readSession',
  'readToken',
  'refuseVotes',
  'registerKey',
  'registerPasskey',
  'rejectToken',
  'sealAudit',
  'setHsmUsername',
  'settleBreakGlass',
  'setGroup',
  'setMValue',
  'setPolicy',
  'setNotifications',
  'setWebhook',
  'takeDigest',
  'tokenApprovers',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/**
 * The scripts that check the caller's session in the same step as their change (they call
 * session_refusal): only a route whose write runs one of them may take a session it resolved
 * moments ago without reading it again. The loader checks this list against the scripts.
 */
export const SESSION_CHECKING_SCRIPTS = ['approveToken', 'issueToken', 'rejectToken'] as const satisfies readonly ScriptName[];
export type SessionCheckingScript = (typeof SESSION_CHECKING_SCRIPTS)[number];

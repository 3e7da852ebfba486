import type { ScriptName } from './script-names';

/**
 * The arguments each script takes after the four every script gets (prefix, now, now as
 * RFC 3339, actor), by name and in order: the TypeScript side passes them as one object
 * (`ctx.run('issueToken', ids, actor, { id, bytes, ... })`, typed from this table), the
 * store lays them out in this order, and the script reads them as `A.<name>` (bound by the
 * loader from its `-- ARGV:` header line, which must list the same names: a mismatch fails
 * at load). A last `...name` takes every further argument as a list (`A.name`). Every
 * script is declared here.
 */
const SCRIPT_ARGS = {
  addAuditCheckpoint: ['sealerId', 'checkpoint', 'seq', 'publicKeyPem'],
  addAuditCosignatures: ['size', 'lines'],
  auditSealerLease: ['sealerId', 'leaseMs'],
  bootstrap: ['issuer', 'adminPasswordHash'],
  approvalRecipients: ['requesterMayApprove', '...tokenIds'],
  approveToken: ['userId', 'fingerprint', 'alg', 'signature', 'issuer', 'requesterMayApprove', 'approvedTimeoutMs', 'passkeyId', 'passkeyCounter', 'passkeyProof'],
  changePassword: ['requester', 'operationDigest', 'issuer', 'requesterMayApprove', 'userId', 'passwordHash', 'gated', 'retentionMs', 'verified'],
  consumeToken: ['requester', 'operationDigest', 'issuer', 'requesterMayApprove', 'retentionMs', 'service', 'reviewId', 'reviewBytes', 'reviewM', 'reviewPolicy', 'reviewExpiresAt', 'verified'],
  settleBreakGlass: ['requesterMayApprove'],
  createApiKey: ['id', 'secretHash', 'name', 'scopes', 'ownerId'],
  createUser: ['requester', 'operationDigest', 'issuer', 'requesterMayApprove', 'name', 'nameKey', 'type', 'passwordHash', 'retentionMs', 'verified'],
  deleteApiKey: ['id'],
  deletePasskey: ['userId', 'passkeyId', 'requesterMayApprove', 'confirmChallenge', 'confirmPasskeyId', 'confirmCounter'],
  deleteService: ['requester', 'operationDigest', 'issuer', 'requesterMayApprove', 'service', 'retentionMs', 'verified'],
  deleteToken: ['callerKey', 'callerIsOfficer', 'issuer', 'retentionMs'],
  deleteUser: ['requester', 'operationDigest', 'issuer', 'requesterMayApprove', 'userId', 'retentionMs', 'force', 'verified'],
  expireToken: ['retentionMs'],
  issueToken: ['id', 'bytes', 'service', 'm', 'requesterKey', 'expiresAt', 'issuer', 'callbackUrl', 'retentionMs', 'command', 'callbackSecret', 'requesterUserId', 'governingServices', 'hsmData', 'withSession', 'issueLimit', 'issueWindowMs', 'policy', 'policyVersion', 'approvedTimeoutMs', 'breakGlassAt'],
  loginAttempt: ['nameKey', 'source', 'nameFreeFailures', 'sourceFreeFailures', 'firstWaitMs', 'nameLongestWaitMs', 'sourceLongestWaitMs', 'keepMs'],
  loginFinish: ['passwordRight', 'userId', 'sessionExpiresAt', 'name', 'newPasswordHash', 'checkedPasswordHash', 'sessionGeneration', 'storeSession', 'sourceWait', 'source', 'knownSource', 'knownSourcesKept', 'knownSourcesKeepMs'],
  logout: ['userId'],
  pendingTokens: ['userId', 'requesterMayApprove', 'limit'],
  readToken: ['requesterMayApprove'],
  readSession: [],
  refuseVotes: ['...refused'],
  registerPasskey: ['userId', 'challenge', 'passkeyId', 'credentialId', 'record', 'counter', 'name', 'algorithm', 'confirmChallenge', 'confirmPasskeyId', 'confirmCounter'],
  registerKey: ['userId', 'challenge', 'fingerprint', 'publicKeyPem', 'requesterMayApprove'],
  rejectToken: ['userId', 'reason', 'issuer', 'requesterMayApprove', 'retentionMs'],
  sealAudit: ['sealerId', 'sealedSeq', 'lastHash', '...hashes'],
  growAuditTree: ['sealerId', 'treeSize', 'newSize', 'tokenEntries', 'height', 'firstIndex', 'chunk', 'hashes'],
  setHsmUsername: ['userId', 'hsmUsername'],
  setGroup: ['requester', 'operationDigest', 'issuer', 'requesterMayApprove', 'group', 'members', 'force', 'retentionMs', 'verified'],
  setMValue: ['requester', 'operationDigest', 'issuer', 'requesterMayApprove', 'service', 'm', 'force', 'retentionMs', 'verified'],
  setPolicy: ['requester', 'operationDigest', 'issuer', 'requesterMayApprove', 'service', 'policy', 'force', 'retentionMs', 'verified'],
  joinDigest: ['digest', 'deliveryId', 'item', 'windowMs', 'newBatch'],
  takeDigest: ['digest', 'batch'],
  setNotifications: ['userId', 'email', 'chatUrl', 'chatFormat', 'events', 'chatOrigin'],
  setWebhook: ['userId', 'url', 'secret'],
  tokenApprovers: ['requesterMayApprove'],
} as const satisfies Record<ScriptName, readonly string[]>;

type ArgValue = string | number | Buffer;
type Declared = typeof SCRIPT_ARGS;
type NamedArgs<Names extends readonly string[]> = {
  [Name in Names[number] as Name extends `...${string}` ? never : Name]: ArgValue;
} & {
  [Name in Names[number] as Name extends `...${infer Rest}` ? Rest : never]: ArgValue[];
};

/** What a script is handed: its named arguments. */
export type ScriptArgs<Name extends ScriptName> = NamedArgs<Declared[Name]>;

/** The names a script's `-- ARGV:` line must list. */
export function declaredArgs(name: ScriptName): readonly string[] {
  return SCRIPT_ARGS[name];
}

/** The arguments in the script's order; a missing or unknown one is a programming error, thrown before anything runs. */
export function orderedArgs(name: ScriptName, args: Record<string, ArgValue | ArgValue[]>): ArgValue[] {
  const names = declaredArgs(name);
  const out: ArgValue[] = [];
  for (const declared of names) {
    const rest = declared.startsWith('...');
    const value = args[rest ? declared.slice(3) : declared];
    if (value === undefined) throw new Error(`Lua script ${name}: argument ${declared} is missing`);
    if (rest) out.push(...(value as ArgValue[]));
    else out.push(value as ArgValue);
  }
  if (Object.keys(args).length !== names.length) {
    const unknown = Object.keys(args).filter((key) => !names.includes(key) && !names.includes(`...${key}`));
    throw new Error(`Lua script ${name} declares no argument ${unknown.join(', ')}`);
  }
  return out;
}

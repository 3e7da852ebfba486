import { BUILTIN_GROUP, PROTECTED_COMMANDS, SERVICE_NAMES, TOKEN_STATUSES } from '@quorumd/core';

/**
 * The contract between the TypeScript side and the Lua scripts, declared once. The keys
 * (keys.ts builds them from KEY_PATTERNS), the fields of a token's hash, the vote and
 * rejection field prefixes, the quorum services, the token statuses and the protected
 * commands: the TypeScript readers use these names, and lua-contract.ts puts the declared
 * text in place of the same names in every script when it is loaded. No script spells any of them.
 */

/**
 * Every key of a deployment, after its `{prefix}:`: `<name>` stands for an id of the call
 * (see KeyIds). One placeholder at most: the Lua side builds a key from one value.
 */
export const KEY_PATTERNS = {
  meta: 'meta',
  usersSeq: 'users:seq',
  usersByName: 'users:byname',
  /** Sorted set of user ids (score = id). */
  users: 'users',
  user: 'user:<userId>',
  /** Set of token ids on which a user has a live vote. */
  userVotes: 'user:<userId>:votes',
  /** Set of ids of an owner's API keys. */
  userApiKeys: 'user:<userId>:apikeys',
  /** Hash: key registration generation -> fingerprint, of the registrations that carried a used token. */
  userKeys: 'user:<userId>:keys',
  /** Set of ids of the COs. */
  officers: 'officers',
  /** Hash: passkey id -> the officer's passkey (JSON: name, credential id and public key, algorithm, createdAt). */
  userPasskeys: 'user:<userId>:passkeys',
  /** Hash: passkey id -> the signature counter its last accepted assertion carried. */
  userPasskeyCounters: 'user:<userId>:passkey-counters',
  /** Set of ids of the COs holding at least one passkey (the lock-out guard of a policy requiring passkeys). */
  passkeyHolders: 'passkeyholders',
  /** Hash: WebAuthn credential id -> id of the user it is registered to (one credential, one user). */
  passkeyCredentials: 'passkeys:credentials',
  /** Set of ids of COs holding a quorum key. */
  keyHolders: 'keyholders',
  /** Hash: key fingerprint -> id of the user it is registered to (one key, one user). */
  keyOwners: 'keyowners',
  quorumKey: 'qkey:<fingerprint>',
  challenge: 'challenge:<challengeId>',
  session: 'session:<sessionHash>',
  /** Failed logins of a (lower-case) name, known or not: `f` failures, `t` epoch ms before which no try is taken. */
  loginName: 'login:name:<loginName>',
  /** Failed logins of a name from its known addresses (loginKnownSources), as loginName: apart from all others'. */
  loginNameKnown: 'login:name-known:<loginName>',
  /** Sorted set: the source addresses a name logged in from, scored by the last success (epoch ms). */
  loginKnownSources: 'login:known:<loginName>',
  /** Failed logins from a source address (an IPv6 one by its /64), as loginName. */
  loginSource: 'login:source:<loginSource>',
  apiKey: 'apikey:<apiKeyId>',
  apiKeys: 'apikeys',
  /**
   * M of each quorum service; a custom service's entry is its policy's size (the sum of its
   * rules' m: the fewest distinct approvers it needs), so that every count reads one hash.
   */
  mValues: 'mvalues',
  /** Hash: custom service name -> its number (100 up). */
  customServices: 'services',
  /** The last number given to a custom service. */
  customServicesSeq: 'services:seq',
  /** Hash of a service (SERVICE_FIELDS): a custom one's policy and version; a built-in one's version. */
  service: 'service:<service>',
  /** Hash: group name -> its version (the groups an operator made; `officers` is built in). */
  groups: 'groups',
  /** Set of the user ids in a group. */
  group: 'group:<group>',
  /** A token's hash; the empty id stands for "no token" in a protected command. */
  token: 'token:<tokenId>',
  /** PENDING tokens by expiresAt. */
  openTokens: 'tokens:open',
  /** APPROVED tokens by the end of their approved timeout. */
  approvedTokens: 'tokens:approved',
  /** Break-glass tokens (docs/policies.md) by the end of their time lock: the sweep settles them then. */
  breakGlassTokens: 'tokens:breakglass',
  /** Tokens by issue time (within the retention window). */
  allTokens: 'tokens:all',
  requesterTokens: 'tokens:req:<requesterKey>',
  /** The audit entries' texts, in sequence. */
  audit: 'audit',
  /** `seq`: the last sequence number appended. */
  auditHead: 'audit:head',
  /** The chain's hash of each sealed entry, in sequence. */
  auditHashes: 'audit:hashes',
  /**
   * `seq`, `hash`: the last entry sealed; `tree`: how many entries the Merkle tree (auditTree)
   * holds; `treeHeight`: the height of its tiles (core's AUDIT_TREE_TILE_HEIGHT). A tree
   * without it, or of another height, is in another layout: read as empty, regrown by the sealer.
   */
  auditSealed: 'audit:sealed',
  /**
   * The audit log's Merkle tree (RFC 6962), kept in tiles: the 32-byte hashes of its complete
   * subtrees at levels `treeHeight`, 2·`treeHeight`, … only (levels 4, 8, 12, …: about 2.1 bytes
   * per entry), back to back in the order they are completed (core's storedTileIndex),
   * AUDIT_TREE_CHUNK hashes per string (`<treeChunk>`: 0, 1, …). Every other hash — leaves and
   * the levels between — is folded when asked from at most 8 of these or from at most 16 of the
   * entries' texts (audit): a root or a proof reads the tiles it touches in one round trip.
   */
  auditTree: 'audit:tree:<treeChunk>',
  /** Hash: token id -> the seqs (space separated) of its `token.approved` and `token.consumed` entries, as the sealer added them to the tree (a bundle's log proof). */
  auditTokenEntries: 'audit:token-entries',
  /** Hash: checkpoint size -> the witnesses' cosignature lines on that checkpoint (C2SP tlog-witness), as they answered. */
  auditCosignatures: 'audit:cosignatures',
  /** The sealer's lease: the id of the one sealer at work. */
  auditSealer: 'audit:sealer',
  /** Signed checkpoints, JSON, oldest first. */
  auditCheckpoints: 'audit:checkpoints',
  /** The audit public key (PEM) checkpoints are signed for; its private half never lives in Redis. */
  auditPublicKey: 'audit:publickey',
  /** A CO's webhook: url and HMAC secret. */
  webhook: 'webhook:<userId>',
  /** Hash of a user's notification channels: `email`, `chatUrl`, `chatFormat`, `eventList` (space separated; absent: all). */
  notifications: 'notify:<userId>',
  /** List of a user's latest notification deliveries (JSON, newest first, at most 50): what its settings page shows. */
  notificationLog: 'notify:<userId>:log',
  /** The open batch of a user's digest of one channel (its id), for the digest window (PX). */
  digestOpen: 'digest:<digest>',
  /** Hash: delivery id -> the batch it joined (a re-read outbox entry joins none twice); kept a day. */
  digestSeen: 'digest:<digest>:seen',
  /** Hash: delivery id -> `<event> <token id>`, the deliveries one digest message carries. */
  digestItems: 'digest-items:<digestBatch>',
  /** Stream of token status changes, consumed by the worker (group `dispatch`). */
  outbox: 'outbox',
  /** Outbox entries the worker could not turn into jobs (see OutboxDispatcher). */
  outboxDead: 'outbox:dead',
  /** Hash: outbox entry id -> times it failed on its own (kept in Redis: a restarted dispatcher goes on counting). */
  outboxFailures: 'outbox:failures',
  /** Tokens a user (or its API keys) asked for in the current window: the issue rate limit's counter. */
  issueCount: 'issued:<userId>',
  /** The login and password rate limits' counters (@fastify/rate-limit's name space). */
  rateLimits: 'ratelimit:',
  /**
   * Prefix of the BullMQ queues of this deployment: the same hash tag as every store key,
   * so that a deployment lives in one Redis Cluster slot (`{prefix}:bull:<queue>:...`).
   */
  queuePrefix: 'bull',
  /** Written by the readiness probe: proves the deployment's slot takes writes here. */
  readyProbe: 'ready',
  /** Pub/sub channel of token status changes: messages `<id> <status>`. */
  events: 'events',
} as const;

export type KeyPatternName = keyof typeof KEY_PATTERNS;

/** Hashes per auditTree string: 2^20 (32 MiB, the tree of about 15.7 million entries), well within a Redis string's 512 MB. */
export const AUDIT_TREE_CHUNK = 1_048_576;

/**
 * The fields of a token's hash: the name both sides use -> the field Redis holds (short:
 * every read walks every field of every token it answers). The hash keeps only what the
 * token bytes do not say, or what scripts compare often.
 */
export const TOKEN_FIELDS = {
  /** The token bytes (canonical JSON), as signed. */
  doc: 'doc',
  status: 'status',
  service: 'svc',
  /** The token's own m, signed into its bytes at issue. */
  m: 'm',
  /** Requester key: `user:<id>` or `apikey:<id>`. */
  requester: 'req',
  /** An API key requester's owner (whose rules it follows). */
  requesterUser: 'rqu',
  /** Expiry, epoch ms (PENDING tokens only: a finished token's is in its bytes). */
  expiresAt: 'exp',
  issuer: 'iss',
  callbackUrl: 'cb',
  callbackSecret: 'cbs',
  /** The services whose M the operation requires, space separated, when not only its own. */
  governingServices: 'msvcs',
  /** An AWS CloudHSM token's approval data (base64): what its votes sign. */
  hsmData: 'hsm',
  approvedAt: 'apAt',
  approvedUntil: 'apUntil',
  finishedAt: 'endAt',
  /** Times the token went back to PENDING (its deliveries' round). */
  round: 'ro',
  /** A custom service's token: the policy signed into its bytes (canonical JSON), for the scripts to read without the bytes. */
  policy: 'pol',
  /** A custom service's token whose policy sets approvedTimeoutSeconds: that timeout, ms. */
  approvedTimeout: 'apTo',
  /**
   * Never stored: the readers' answer for a custom service's token carries, under this name,
   * its counting approvers assigned to the rules of its policy (JSON [{group, m, have}]).
   */
  progress: 'prg',
  /**
   * A used custom service's token: how its approvals filled the signed policy's rules when it
   * was used, and each approver's groups then (JSON {"assignment", "groups"}).
   */
  usedAssignment: 'uas',
  /**
   * A setGroup, setPolicy or deleteService token: the state of the group or service it
   * changes, when it was issued (`g<version>`, `s<number>/<version>`); the change
   * runs only while that is still the state (what a whole member list or policy replaces).
   */
  changeBase: 'cbase',
  /** A break-glass token: the end of its time lock (epoch ms), from issue plus the signed delay. */
  breakGlassAt: 'bgAt',
  /** A break-glass token once APPROVED: what carried it, 'breakGlass' (its group, after the delay) or 'quorum'. */
  breakGlassApproval: 'bgAp',
  /** A break-glass token used on its break-glass approvals: the id of its review token. */
  reviewToken: 'bgRv',
  /** A review token: the id of the break-glass token it reviews. */
  reviewOf: 'rvOf',
  /** A review token: ` <id> <id> ` the officers who may not count toward it (the reviewed token's requester and approvers). */
  reviewExcluded: 'rvX',
  /** A review token: ` <id> <id> ` the officers locked when it is rejected or not approved in time. */
  reviewLocks: 'rvL',
  /** The approvals the gate checked when the token was used. */
  need: 'need',
  /** The voters whose votes carried the token when it was used. */
  used: 'used',
} as const;

export type TokenFieldName = keyof typeof TOKEN_FIELDS;

/** The fields of a session's hash (`session:<sha256 of its secret>`). */
export const SESSION_FIELDS = {
  /** The user id it signs in. */
  user: 'uid',
  /** Expiry, epoch ms. */
  expiresAt: 'exp',
  /** The user's session generation it was made in (a logout, password change or lock moves it on). */
  generation: 'gen',
} as const;

/** The fields of a service's hash (`service:<name>`). */
export const SERVICE_FIELDS = {
  /** A custom service's policy, canonical JSON. */
  policy: 'policy',
  /** The policy's version: 1 at creation, one more at each change (a built-in one's at each M change). */
  version: 'version',
  /** A custom service's number. */
  number: 'number',
  /** A built-in service whose approvals need passkeys (set through setPolicy): '1'. */
  requirePasskey: 'passkey',
} as const;

/** The fields of an outbox stream entry: a token's status change. */
export const OUTBOX_FIELDS = {
  id: 'id',
  status: 'status',
  /** How many times the token had gone back to PENDING (its deliveries' round). */
  round: 'round',
  /** Who hears of it: 'callback', 'officer:<id>', space separated. */
  to: 'to',
  /** An announcement rather than a status change (breakglass.requested, breakglass.unreviewed): its event name. */
  event: 'event',
  /** An announcement's officers to tell (every officer of the service's rules, webhook or not), space separated ids. */
  officers: 'officers',
  /** An announcement's facts, JSON ({service, command, requester, reason, ...}). */
  data: 'data',
} as const;

/**
 * `v:<user id>`: a vote (`alg|at ms|key generation|signature`); `r:<user id>`: a rejection
 * (`at ms|reason`); `p:<user id>`: the passkey assertion a vote carries (JSON PasskeyProof).
 */
export const TOKEN_FIELD_PREFIXES = { vote: 'v:', rejection: 'r:', passkey: 'p:' } as const;

/** The whole declaration, as the Lua prelude is generated from it (a test hands in one of its own). */
export interface RedisContract {
  keyPatterns: Record<string, string>;
  tokenFields: Record<string, string>;
  sessionFields: Record<string, string>;
  serviceFields: Record<string, string>;
  outboxFields: Record<string, string>;
  tokenFieldPrefixes: { vote: string; rejection: string; passkey: string };
  services: readonly string[];
  /** The group of every crypto officer (the `officers` set). */
  builtinGroup: string;
  statuses: readonly string[];
  /** Protected command -> the quorum service its gate checks. */
  protectedCommands: Record<string, string>;
}

export const REDIS_CONTRACT: RedisContract = {
  keyPatterns: KEY_PATTERNS,
  tokenFields: TOKEN_FIELDS,
  sessionFields: SESSION_FIELDS,
  serviceFields: SERVICE_FIELDS,
  outboxFields: OUTBOX_FIELDS,
  tokenFieldPrefixes: TOKEN_FIELD_PREFIXES,
  services: SERVICE_NAMES,
  builtinGroup: BUILTIN_GROUP,
  statuses: TOKEN_STATUSES,
  protectedCommands: PROTECTED_COMMANDS,
};

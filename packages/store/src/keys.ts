/**
 * Every Redis key quorumd uses, built in one place. All keys of one deployment share
 * the hash tag `{prefix}`: a protected command consumes its token, changes a user or an
 * M value and appends to the audit chain in one atomic script, so all of them must live
 * in one Redis Cluster slot. (Scale out by deployment, not by key.)
 */
export class StoreKeys {
  /** `{prefix}:` — the start of every key, and ARGV[1] of every script. */
  readonly base: string;

  constructor(prefix: string) {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) {
      throw new Error(`Redis key prefix must be 1-64 of A-Z a-z 0-9 _ . : - (got ${JSON.stringify(prefix)})`);
    }
    this.base = `{${prefix}}:`;
  }

  meta(): string { return `${this.base}meta`; }
  usersSeq(): string { return `${this.base}users:seq`; }
  usersByName(): string { return `${this.base}users:byname`; }
  /** Sorted set of user ids (score = id). */
  users(): string { return `${this.base}users`; }
  user(id: number | string): string { return `${this.base}user:${id}`; }
  /** Set of token ids on which a user has a live vote. */
  userVotes(id: number | string): string { return `${this.base}user:${id}:votes`; }
  /** Set of ids of an owner's API keys. */
  userApiKeys(id: number | string): string { return `${this.base}user:${id}:apikeys`; }
  /** Set of ids of the COs. */
  officers(): string { return `${this.base}officers`; }
  /** Set of ids of COs holding a quorum key. */
  keyHolders(): string { return `${this.base}keyholders`; }
  /** Hash: key fingerprint → id of the user it is registered to (one key, one user). */
  keyOwners(): string { return `${this.base}keyowners`; }
  quorumKey(fingerprint: string): string { return `${this.base}qkey:${fingerprint}`; }
  challenge(id: string): string { return `${this.base}challenge:${id}`; }
  session(tokenHash: string): string { return `${this.base}session:${tokenHash}`; }
  /** Failed logins of a (lower-case) name, known or not: `f` failures, `t` epoch ms before which no try is taken. */
  loginName(name: string): string { return `${this.base}login:name:${name}`; }
  /** Failed logins from a source address (an IPv6 one by its /64), as loginName. */
  loginSource(source: string): string { return `${this.base}login:source:${source}`; }
  apiKey(id: string): string { return `${this.base}apikey:${id}`; }
  apiKeys(): string { return `${this.base}apikeys`; }
  mValues(): string { return `${this.base}mvalues`; }
  /** A token's hash; the empty id stands for "no token" in a protected command. */
  token(id: string): string { return `${this.base}token:${id}`; }
  /** PENDING tokens by expiresAt. */
  openTokens(): string { return `${this.base}tokens:open`; }
  /** APPROVED tokens by the end of their approved timeout. */
  approvedTokens(): string { return `${this.base}tokens:approved`; }
  /** Tokens by issue time (within the retention window). */
  allTokens(): string { return `${this.base}tokens:all`; }
  requesterTokens(requesterKey: string): string { return `${this.base}tokens:req:${requesterKey}`; }
  /** The audit entries' texts, in sequence. */
  audit(): string { return `${this.base}audit`; }
  /** `seq`: the last sequence number appended. */
  auditHead(): string { return `${this.base}audit:head`; }
  /** The chain's hash of each sealed entry, in sequence. */
  auditHashes(): string { return `${this.base}audit:hashes`; }
  /** `seq`, `hash`: the last entry sealed. */
  auditSealed(): string { return `${this.base}audit:sealed`; }
  /** The sealer's lease: the id of the one sealer at work. */
  auditSealer(): string { return `${this.base}audit:sealer`; }
  /** Signed checkpoints, JSON, oldest first. */
  auditCheckpoints(): string { return `${this.base}audit:checkpoints`; }
  /** The audit public key (PEM) checkpoints are signed for; its private half never lives in Redis. */
  auditPublicKey(): string { return `${this.base}audit:publickey`; }
  /** A CO's webhook: url and HMAC secret. */
  webhook(userId: number | string): string { return `${this.base}webhook:${userId}`; }
  /** Stream of token status changes, consumed by the worker (group `dispatch`). */
  outbox(): string { return `${this.base}outbox`; }
  /** Outbox entries the worker could not turn into jobs (see OutboxDispatcher). */
  outboxDead(): string { return `${this.base}outbox:dead`; }
  /** Hash: outbox entry id -> times it failed on its own (kept in Redis: a restarted dispatcher goes on counting). */
  outboxFailures(): string { return `${this.base}outbox:failures`; }
  /** Tokens a user (or its API keys) asked for in the current window: the issue rate limit's counter. */
  issueCount(userId: number | string): string { return `${this.base}issued:${userId}`; }
  /**
   * Prefix of the BullMQ queues of this deployment: the same hash tag as every store key,
   * so that a deployment lives in one Redis Cluster slot (`{prefix}:bull:<queue>:...`).
   */
  queuePrefix(): string { return `${this.base}bull`; }
  /** Written by the readiness probe: proves the deployment's slot takes writes here. */
  readyProbe(): string { return `${this.base}ready`; }
  /** Pub/sub channel of token status changes: messages `<id> <status>`. */
  events(): string { return `${this.base}events`; }

  /**
   * A key a script declares by name in its `-- KEYS:` header line, built from the ids of
   * the call. Every key a script is handed is built here.
   */
  resolve(name: KeyName, ids: KeyIds): string {
    const need = <T>(value: T | undefined, what: string): T => {
      if (value === undefined) throw new Error(`key ${name} needs ${what}`);
      return value;
    };
    switch (name) {
      case 'meta': return this.meta();
      case 'usersSeq': return this.usersSeq();
      case 'usersByName': return this.usersByName();
      case 'users': return this.users();
      case 'officers': return this.officers();
      case 'user': return this.user(need(ids.userId, 'userId'));
      case 'userVotes': return this.userVotes(need(ids.userId, 'userId'));
      case 'userApiKeys': return this.userApiKeys(need(ids.userId, 'userId'));
      case 'keyHolders': return this.keyHolders();
      case 'keyOwners': return this.keyOwners();
      case 'quorumKey': return this.quorumKey(need(ids.fingerprint, 'fingerprint'));
      case 'challenge': return this.challenge(need(ids.challengeId, 'challengeId'));
      case 'session': return this.session(need(ids.sessionHash, 'sessionHash'));
      case 'loginName': return this.loginName(need(ids.loginName, 'loginName'));
      case 'loginSource': return this.loginSource(need(ids.loginSource, 'loginSource'));
      case 'apiKey': return this.apiKey(need(ids.apiKeyId, 'apiKeyId'));
      case 'apiKeys': return this.apiKeys();
      case 'mValues': return this.mValues();
      case 'token': return this.token(need(ids.tokenId, 'tokenId'));
      case 'gateToken': return this.token(ids.gateTokenId ?? '');
      case 'openTokens': return this.openTokens();
      case 'approvedTokens': return this.approvedTokens();
      case 'allTokens': return this.allTokens();
      case 'requesterTokens': return this.requesterTokens(need(ids.requesterKey, 'requesterKey'));
      case 'audit': return this.audit();
      case 'auditHead': return this.auditHead();
      case 'auditHashes': return this.auditHashes();
      case 'auditSealed': return this.auditSealed();
      case 'auditSealer': return this.auditSealer();
      case 'auditCheckpoints': return this.auditCheckpoints();
      case 'auditPublicKey': return this.auditPublicKey();
      case 'webhook': return this.webhook(need(ids.userId, 'userId'));
      case 'outbox': return this.outbox();
      case 'issueCount': return this.issueCount(need(ids.userId, 'userId'));
    }
  }
}

/** The names scripts declare their keys by (`-- KEYS: token audit auditHead ...`). */
export const KEY_NAMES = [
  'meta', 'usersSeq', 'usersByName', 'users', 'officers', 'user', 'userVotes', 'userApiKeys', 'keyHolders', 'keyOwners',
  'quorumKey', 'challenge', 'session', 'loginName', 'loginSource', 'apiKey', 'apiKeys', 'mValues', 'token', 'gateToken', 'openTokens', 'approvedTokens',
  'allTokens', 'requesterTokens', 'audit', 'auditHead', 'auditHashes', 'auditSealed', 'auditSealer', 'auditCheckpoints', 'auditPublicKey',
  'webhook', 'outbox', 'issueCount',
] as const;
export type KeyName = (typeof KEY_NAMES)[number];

/** The ids a call's keys are built from. `gateTokenId` absent: the protected command names no token. */
export interface KeyIds {
  userId?: number | string;
  tokenId?: string;
  gateTokenId?: string;
  requesterKey?: string;
  sessionHash?: string;
  /** A login's lower-case name and source address (see loginName, loginSource). */
  loginName?: string;
  loginSource?: string;
  challengeId?: string;
  apiKeyId?: string;
  fingerprint?: string;
}

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
  /** Set of ids of COs holding a quorum key. */
  keyHolders(): string { return `${this.base}keyholders`; }
  quorumKey(fingerprint: string): string { return `${this.base}qkey:${fingerprint}`; }
  challenge(id: string): string { return `${this.base}challenge:${id}`; }
  session(tokenHash: string): string { return `${this.base}session:${tokenHash}`; }
  apiKey(id: string): string { return `${this.base}apikey:${id}`; }
  apiKeys(): string { return `${this.base}apikeys`; }
  mValues(): string { return `${this.base}mvalues`; }
  /** A token's hash; the empty id stands for "no token" in a protected command. */
  token(id: string): string { return `${this.base}token:${id}`; }
  /** PENDING tokens by expiresAt. */
  openTokens(): string { return `${this.base}tokens:open`; }
  /** Tokens by issue time (within the retention window). */
  allTokens(): string { return `${this.base}tokens:all`; }
  requesterTokens(requesterKey: string): string { return `${this.base}tokens:req:${requesterKey}`; }
  audit(): string { return `${this.base}audit`; }
  auditHead(): string { return `${this.base}audit:head`; }
  /** A CO's webhook: url and HMAC secret. */
  webhook(userId: number | string): string { return `${this.base}webhook:${userId}`; }
  /** Stream of token status changes, consumed by the worker (group `dispatch`). */
  outbox(): string { return `${this.base}outbox`; }
  /** Prefix of the BullMQ queues of this deployment (its own hash tag). */
  queuePrefix(): string { return `{${this.base.slice(1, -2)}-bull}`; }
  /** Pub/sub channel of token status changes: messages `<id> <status>`. */
  events(): string { return `${this.base}events`; }
}

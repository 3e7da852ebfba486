import {
  QuorumError,
  SIGNATURE_ALGS,
  boundCloudHsmApprovalData,
  canonicalPolicy,
  type RuleProgress,
  type QuorumService,
  type SignatureAlg,
  type StoredApproval,
  type StoredRejection,
  type TokenDocument,
  type TokenRecord,
  type TokenStatus,
  type PasskeyProof,
  type QuorumPolicy,
} from '@quorumd/core';
import { gateIdsAndArgs, sha1Hex, type GateVotes, type QuorumGate } from './quorum-gate';
import { TOKEN_FIELDS as F, TOKEN_FIELD_PREFIXES } from './redis-contract';
import type { Actor, StoreContext } from './store-context';
import { TEXTS_MAX_CHARS, TokenTexts, type TokenText } from './token-texts';

export interface StoredToken extends TokenRecord {
  requesterKey: string;
  /** The user whose rules the requester follows: itself, or the owner of the API key that asked. */
  requesterUserId?: number;
  issuer: string;
  /** The votes (user id and key) that carried the token when it was consumed. */
  usedApprovals?: { userId: number; fingerprint: string }[];
  /** A used custom service's token: how its approvals filled the signed policy's rules then, and each approver's groups then. */
  usedAssignment?: { assignment: RuleProgress[]; groups: Record<string, string[]> };
  /** A break-glass token: the end of its time lock, and once APPROVED what carried it. */
  breakGlass?: { delayEndsAt: number; approvedBy?: 'breakGlass' | 'quorum'; reviewToken?: string };
  /** A review token: the break-glass token it reviews. */
  reviewOf?: string;
  /** HMAC secret for the requester's callback (never shown, never in a job). */
  callbackSecret?: string;
}

export interface ApprovalInput {
  userId: number;
  /** The approving officer's session (checked in the same script as the vote). */
  sessionHash: string;
  fingerprint: string;
  alg: SignatureAlg;
  /** The signature's raw bytes. */
  signature: Buffer;
  issuer: string;
  requesterMayApprove: boolean;
  approvedTimeoutMs: number;
  /** The verified passkey assertion the vote carries: its passkey, counter and proof. */
  passkey?: { id: string; counter: number; proof: PasskeyProof };
}

export interface RejectionInput {
  userId: number;
  /** The rejecting officer's session (checked in the same script as the rejection). */
  sessionHash: string;
  reason: string;
  issuer: string;
  requesterMayApprove: boolean;
}

/** A break-glass token's review token, made before its use (the consume script issues it when the use needs it). */
export interface ReviewTokenInput {
  doc: TokenDocument;
  bytes: Buffer;
}

const { vote: VOTE, rejection: REJECTION, passkey: PASSKEY_PROOF } = TOKEN_FIELD_PREFIXES;

/** A vote record as Redis holds it: `alg|at|kgen|<raw signature>` (alg '' is RS256). */
function splitVoteRecord(value: Buffer): { alg: SignatureAlg; kgen: string; signature: Buffer } | undefined {
  const bar = '|'.charCodeAt(0);
  const first = value.indexOf(bar);
  const second = first < 0 ? -1 : value.indexOf(bar, first + 1);
  const third = second < 0 ? -1 : value.indexOf(bar, second + 1);
  if (third < 0) return undefined;
  const alg = value.subarray(0, first).toString('latin1') || 'RS256';
  if (!(SIGNATURE_ALGS as readonly string[]).includes(alg)) return undefined;
  return { alg: alg as SignatureAlg, kgen: value.subarray(second + 1, third).toString('latin1'), signature: value.subarray(third + 1) };
}

/** A vote as the scripts answer it: `alg|at|fingerprint it counts with ('' if none)`. */
function parseVote(userId: number, value: string, counts: boolean): StoredApproval {
  const [alg = 'RS256', at = '0', fingerprint = ''] = value.split('|');
  return { userId, fingerprint, alg: alg as SignatureAlg, at: Number(at), counts };
}

function parseRejection(userId: number, value: string): StoredRejection {
  const bar = value.indexOf('|');
  return { userId, at: Number(value.slice(0, bar)), reason: value.slice(bar + 1) };
}

/** A script's answer for one token: flat hash, counting voters, approvals needed now, status now (and the id, when the bytes were left out). */
type TokenReply = [flat: string[], counting: number[], required: number, status: string, id?: string];

/**
 * A token as the scripts answer it: {flat hash, ids of the counting votes, approvals needed
 * now, status now} (the rules' one home is lua/lib/). Read straight from the flat list:
 * a queue answers a hundred tokens at once, and every object made per token is garbage to collect.
 * `text`: the token's bytes when the answer left them out ('').
 */
function readTokenReply(reply: unknown, text?: TokenText): StoredToken | undefined {
  const [flat, counting, required, status] = reply as TokenReply;
  const hash: Record<string, string> = {};
  const approvals: StoredApproval[] = [];
  const rejections: StoredRejection[] = [];
  const withPasskey = new Set<number>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i] as string;
    const value = flat[i + 1] as string;
    if (field.startsWith(VOTE)) {
      const uid = Number(field.slice(VOTE.length));
      // Integer replies: the counting ids are numbers already.
      approvals.push(parseVote(uid, value, counting.includes(uid)));
    } else if (field.startsWith(REJECTION)) {
      rejections.push(parseRejection(Number(field.slice(REJECTION.length)), value));
    } else if (field.startsWith(PASSKEY_PROOF)) {
      withPasskey.add(Number(field.slice(PASSKEY_PROOF.length)));
    } else {
      hash[field] = value;
    }
  }
  const bytes = hash[F.doc] === '' ? text?.bytes : hash[F.doc];
  if (!bytes || !hash[F.status]) return undefined;
  for (const approval of approvals) if (withPasskey.has(approval.userId)) approval.passkey = true;
  approvals.sort((a, b) => a.at - b.at || a.userId - b.userId);
  rejections.sort((a, b) => a.at - b.at || a.userId - b.userId);
  const doc = hash[F.doc] === '' && text ? text.doc : (JSON.parse(bytes) as TokenDocument);
  const needed = Number(required);
  const token: StoredToken = {
    doc,
    bytes,
    status: status as TokenStatus,
    required: needed > 0 ? needed : Number(hash[F.m]),
    // A finished token keeps its expiry only in its bytes.
    expiresAt: hash[F.expiresAt] ? Number(hash[F.expiresAt]) : Date.parse(doc.expiresAt),
    approvals,
    rejections,
    requesterKey: hash[F.requester] ?? '',
    issuer: hash[F.issuer] ?? '',
  };
  if (hash[F.approvedAt]) token.approvedAt = Number(hash[F.approvedAt]);
  if (hash[F.approvedUntil]) token.approvedUntil = Number(hash[F.approvedUntil]);
  if (hash[F.finishedAt]) token.finishedAt = Number(hash[F.finishedAt]);
  if (hash[F.callbackUrl]) token.callbackUrl = hash[F.callbackUrl];
  if (hash[F.callbackSecret]) token.callbackSecret = hash[F.callbackSecret];
  const stored = hash[F.hsmData];
  const hsm = stored ? boundCloudHsmApprovalData(doc.operation, stored) : undefined;
  if (hsm) token.cloudhsmApprovalData = hsm;
  const requesterUser = hash[F.requesterUser] ?? /^user:(\d+)$/.exec(hash[F.requester] ?? '')?.[1];
  if (requesterUser) token.requesterUserId = Number(requesterUser);
  const progress = hash[F.progress];
  // (An empty list comes from Lua as {}.)
  if (progress) {
    token.progress = (JSON.parse(progress) as RuleProgress[]).map((rule) => ({ group: rule.group, m: rule.m, have: Array.isArray(rule.have) ? rule.have : [], ...(rule.current === true ? { current: true as const } : {}) }));
  }
  const assigned = hash[F.usedAssignment];
  if (assigned) {
    const parsed = JSON.parse(assigned) as { assignment: RuleProgress[]; groups: Record<string, string[] | Record<string, never>> };
    token.usedAssignment = {
      assignment: parsed.assignment.map((rule) => ({ group: rule.group, m: rule.m, have: Array.isArray(rule.have) ? rule.have : [] })),
      groups: Object.fromEntries(Object.entries(Array.isArray(parsed.groups) ? {} : parsed.groups).map(([uid, of]) => [uid, Array.isArray(of) ? of : []])),
    };
  }
  if (hash[F.breakGlassAt]) {
    token.breakGlass = { delayEndsAt: Number(hash[F.breakGlassAt]) };
    const by = hash[F.breakGlassApproval];
    if (by === 'breakGlass' || by === 'quorum') token.breakGlass.approvedBy = by;
    if (hash[F.reviewToken]) token.breakGlass.reviewToken = hash[F.reviewToken];
  }
  if (hash[F.reviewOf]) token.reviewOf = hash[F.reviewOf];
  const used = hash[F.used];
  if (used) token.usedApprovals = (JSON.parse(used) as [number, string][]).map(([userId, fingerprint]) => ({ userId, fingerprint }));
  return token;
}

/** The operation of stored token bytes, as far as they read as one (a blank command otherwise). */
function storedOperation(doc: Buffer): { command: string; args: Record<string, unknown> } {
  try {
    const operation = (JSON.parse(doc.toString('utf8')) as Partial<TokenDocument> | null)?.operation;
    if (operation && typeof operation.command === 'string' && operation.args && typeof operation.args === 'object') return operation;
  } catch {
    // Not JSON: no CloudHSM token's.
  }
  return { command: '', args: {} };
}

function found(token: StoredToken | undefined): StoredToken {
  if (!token) throw new QuorumError('RET_TOKEN_NOT_FOUND');
  return token;
}

/** A parsed token document shared by every answer that holds it: frozen, so that none can change it for the others. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export class TokensRepository {
  /** Token bytes read by this process, by token id (at most TEXTS_MAX_CHARS of text; they never change). */
  private readonly texts = new TokenTexts(TEXTS_MAX_CHARS);

  constructor(private readonly ctx: StoreContext) {}

  /** Stores a new PENDING token; answers it as stored. */
  async issue(
    doc: TokenDocument,
    bytes: Buffer,
    /** The services whose M the operation requires (their largest M is the bar, now and later). */
    governing: readonly string[],
    /**
     * `sessionHash`: the requester's session, checked in the same script (absent for an API key).
     * `limit`: tokens the user (its API keys count for it) may ask for per window; none when absent.
     */
    requester: { key: string; userId: number; sessionHash?: string; limit?: { max: number; windowMs: number } },
    callback: { url?: string; secret?: string },
    actor: Actor,
    cloudhsmApprovalData?: Buffer,
    /** A custom service's token: its policy's approved timeout, when it sets one. */
    approvedTimeoutMs?: number,
    /** A break-glass token: the end of its time lock, epoch ms. */
    breakGlassAt?: number,
  ): Promise<StoredToken> {
    const ids = { tokenId: doc.id, requesterKey: requester.key, sessionHash: requester.sessionHash ?? 'none', userId: requester.userId };
    const reply = await this.ctx.run('issueToken', ids, actor, {
      id: doc.id,
      bytes: bytes.toString('utf8'),
      service: doc.service,
      m: doc.m,
      requesterKey: requester.key,
      expiresAt: Date.parse(doc.expiresAt),
      issuer: doc.issuer,
      callbackUrl: callback.url ?? '',
      retentionMs: this.ctx.retentionMs,
      command: doc.operation.command,
      callbackSecret: callback.secret ?? '',
      requesterUserId: requester.userId,
      governingServices: governing.join(' '),
      hsmData: cloudhsmApprovalData?.toString('base64') ?? '',
      withSession: requester.sessionHash === undefined ? '0' : '1',
      issueLimit: requester.limit?.max ?? Number.MAX_SAFE_INTEGER,
      issueWindowMs: requester.limit?.windowMs ?? 60_000,
      policy: doc.policy ? canonicalPolicy(doc.policy) : '',
      policyVersion: doc.policyVersion ?? '',
      approvedTimeoutMs: approvedTimeoutMs ?? '',
      breakGlassAt: breakGlassAt ?? '',
    });
    return found(readTokenReply(reply));
  }

  /** A token as it reads now; `requesterMayApprove` decides whether the requester's own vote counts. */
  async get(id: string, requesterMayApprove: boolean): Promise<StoredToken | undefined> {
    return readTokenReply(await this.ctx.run('readToken', { tokenId: id }, { kind: 'system' }, { requesterMayApprove: requesterMayApprove ? '1' : '0' }));
  }

  async getMany(ids: string[], requesterMayApprove: boolean): Promise<StoredToken[]> {
    const tokens = await Promise.all(ids.map((id) => this.get(id, requesterMayApprove)));
    return tokens.filter((t): t is StoredToken => t !== undefined);
  }

  /** The user who asked for the token (an API key's owner), without reading the rest of it: undefined for a system token or one not stored. */
  async requesterUserId(id: string): Promise<number | undefined> {
    const [requester, requesterUser] = await this.ctx.read((r) => r.hmget(this.ctx.keys.token(id), F.requester, F.requesterUser));
    const uid = requesterUser ?? /^user:(\d+)$/.exec(requester ?? '')?.[1];
    return uid === undefined ? undefined : Number(uid);
  }

  /** The policies signed into these tokens (a custom service's), in order: undefined for a built-in service's token or one not stored. One round trip. */
  async signedPolicies(ids: string[]): Promise<(QuorumPolicy | undefined)[]> {
    if (ids.length === 0) return [];
    const texts = await this.ctx.read((r) => Promise.all(ids.map((id) => r.hget(this.ctx.keys.token(id), F.policy))));
    return texts.map((text) => (text ? (JSON.parse(text) as QuorumPolicy) : undefined));
  }

  /** Newest first: every token (for COs) or one requester's. */
  async listIds(requesterKey: string | undefined, limit: number): Promise<string[]> {
    const key = requesterKey === undefined ? this.ctx.keys.allTokens() : this.ctx.keys.requesterTokens(requesterKey);
    return this.ctx.read((r) => r.zrevrange(key, 0, limit - 1));
  }

  /** Records a verified vote; answers the status after it and the token as it then is. */
  async approve(id: string, input: ApprovalInput, actor: Actor): Promise<{ status: TokenStatus; token: StoredToken }> {
    const [status, snapshot] = (await this.ctx.run('approveToken', { tokenId: id, userId: input.userId, sessionHash: input.sessionHash }, actor, {
      userId: input.userId,
      fingerprint: input.fingerprint,
      alg: input.alg,
      signature: input.signature,
      issuer: input.issuer,
      requesterMayApprove: input.requesterMayApprove ? '1' : '0',
      approvedTimeoutMs: input.approvedTimeoutMs,
      passkeyId: input.passkey?.id ?? '',
      passkeyCounter: input.passkey?.counter ?? 0,
      passkeyProof: input.passkey ? JSON.stringify(input.passkey.proof) : '',
    })) as [TokenStatus, unknown];
    return { status, token: found(readTokenReply(snapshot)) };
  }

  /** Records a rejection; answers the token as it then is. */
  async reject(id: string, input: RejectionInput, actor: Actor): Promise<StoredToken> {
    const reply = await this.ctx.run('rejectToken', { tokenId: id, sessionHash: input.sessionHash }, actor, {
      userId: input.userId,
      reason: input.reason,
      issuer: input.issuer,
      requesterMayApprove: input.requesterMayApprove ? '1' : '0',
      retentionMs: this.ctx.retentionMs,
    });
    return found(readTokenReply(reply));
  }

  async delete(id: string, callerKey: string, callerIsOfficer: boolean, issuer: string, actor: Actor): Promise<void> {
    await this.ctx.run('deleteToken', { tokenId: id }, actor, { callerKey, callerIsOfficer: callerIsOfficer ? '1' : '0', issuer, retentionMs: this.ctx.retentionMs });
  }

  /** Consumes an APPROVED token for exactly its operation (the gate's); answers the token as consumed. */
  /**
   * `service`: the service the caller runs the operation for (a token of another is refused); undefined: the token's own.
   * `review`: a break-glass token's review token, issued by the script when the use needs it.
   */
  async consume(gate: QuorumGate, actor: Actor, service?: string, review?: ReviewTokenInput): Promise<StoredToken> {
    const { gateTokenId, args } = gateIdsAndArgs(gate);
    const reviewArgs = review
      ? { reviewId: review.doc.id, reviewBytes: review.bytes.toString('utf8'), reviewM: review.doc.m, reviewPolicy: review.doc.policy ? canonicalPolicy(review.doc.policy) : '', reviewExpiresAt: Date.parse(review.doc.expiresAt) }
      : { reviewId: '', reviewBytes: '', reviewM: '', reviewPolicy: '', reviewExpiresAt: '' };
    return found(readTokenReply(await this.ctx.run('consumeToken', { tokenId: gateTokenId }, actor, { ...args, retentionMs: this.ctx.retentionMs, service: service ?? '', ...reviewArgs })));
  }

  /** Moves a token past its time to EXPIRED; returns the status after, or GONE (its hash is gone: its id left the indexes). */
  async expire(id: string, actor: Actor): Promise<TokenStatus | 'GONE'> {
    return (await this.ctx.run('expireToken', { tokenId: id }, actor, { retentionMs: this.ctx.retentionMs })) as TokenStatus | 'GONE';
  }

  /**
   * A CO's queue: PENDING tokens awaiting its decision, soonest expiry first. One script, and
   * the bytes of tokens this process has not read yet in one more round trip: a queue is read
   * again at every change of any token (the console follows it), and its tokens' bytes — the
   * largest part of each — never change.
   */
  async pendingFor(userId: number, requesterMayApprove: boolean, limit: number): Promise<StoredToken[]> {
    const replies = (await this.ctx.run('pendingTokens', { userId }, { kind: 'system' }, {
      userId,
      requesterMayApprove: requesterMayApprove ? '1' : '0',
      limit,
    })) as TokenReply[];
    // The texts this answer uses are taken here, once: those read below may push held ones out
    // of this.texts (as may other answers read meanwhile), and this answer must still have them.
    const texts = new Map<string, TokenText>();
    const missing: string[] = [];
    for (const reply of replies) {
      const id = reply[4];
      if (id === undefined || id === '') continue;
      const held = this.texts.get(id);
      if (held) texts.set(id, held);
      else missing.push(id);
    }
    const read = await Promise.all(missing.map((id) => this.ctx.read((r) => r.hget(this.ctx.keys.token(id), 'doc'))));
    missing.forEach((id, i) => {
      const bytes = read[i];
      // (A token gone since the script ran has no bytes: it leaves the answer.)
      if (!bytes) return;
      const text = { bytes, doc: deepFreeze(JSON.parse(bytes) as TokenDocument) };
      texts.set(id, text);
      this.texts.set(id, text);
    });
    const tokens: StoredToken[] = [];
    for (const reply of replies) {
      const token = readTokenReply(reply, texts.get(reply[4] ?? ''));
      if (token) tokens.push(token);
    }
    return tokens;
  }

  /** The passkey assertions a token's votes carry, by user id (what bundles carry). */
  async passkeyProofs(id: string): Promise<Map<number, PasskeyProof>> {
    const hash = await this.ctx.read((r) => r.hgetall(this.ctx.keys.token(id)));
    const out = new Map<number, PasskeyProof>();
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith(PASSKEY_PROOF)) out.set(Number(field.slice(PASSKEY_PROOF.length)), JSON.parse(value) as PasskeyProof);
    }
    return out;
  }

  /** The raw signatures of a token's votes, by user id (what bundles carry). */
  async signatures(id: string): Promise<Map<number, Buffer>> {
    const hash = await this.ctx.read((r) => r.hgetallBuffer(this.ctx.keys.token(id)));
    const out = new Map<number, Buffer>();
    for (const [field, value] of Object.entries(hash)) {
      const vote = field.startsWith(VOTE) ? splitVoteRecord(value) : undefined;
      if (vote) out.set(Number(field.slice(VOTE.length)), vote.signature);
    }
    return out;
  }

  /**
   * A token's votes as Redis holds them, with the bytes they sign and each voter's current
   * key registration: what the gate verifies before a protected command or /consume runs.
   * Undefined when the token does not exist (the gate's script then answers why).
   */
  async gateVotes(id: string): Promise<GateVotes | undefined> {
    const hash = await this.ctx.read((r) => r.hgetallBuffer(this.ctx.keys.token(id)));
    const doc = hash[F.doc];
    if (!doc) return undefined;
    const hsm = hash[F.hsmData];
    // What the votes sign: the approval data only of the CloudHSM token whose operation names it.
    const approvalData = hsm ? boundCloudHsmApprovalData(storedOperation(doc), hsm.toString('latin1')) : undefined;
    const records = Object.entries(hash).flatMap(([field, value]) => {
      const vote = field.startsWith(VOTE) ? splitVoteRecord(value) : undefined;
      return vote && /^\d+$/.test(field.slice(VOTE.length)) ? [{ userId: Number(field.slice(VOTE.length)), alg: vote.alg, kgen: vote.kgen, signature: vote.signature, voteDigest: sha1Hex(value) }] : [];
    });
    const registrations = records.length === 0 ? [] : await this.ctx.read((r) => {
      const pipeline = r.pipeline();
      for (const v of records) pipeline.hmget(this.ctx.keys.user(v.userId), 'fp', 'kgen');
      return pipeline.exec();
    });
    return {
      signedData: approvalData ?? doc,
      signedDigest: sha1Hex(Buffer.concat([doc, Buffer.from('|'), hsm ?? Buffer.alloc(0)])),
      votes: records.map(({ kgen, ...v }, i) => {
        // The registration the vote names, while it is still the voter's (as vote_key decides in the scripts).
        const [fp, current] = (registrations?.[i]?.[1] ?? []) as (string | null)[];
        return { ...v, fingerprint: fp && (current ?? '0') === kgen ? fp : undefined };
      }),
    };
  }

  /**
   * Records in the audit that the gate refused votes whose signatures did not verify (each
   * named by voter and by the SHA-1 of its record, so a vote rewritten since is not blamed).
   */
  async refuseVotes(id: string, refused: readonly { userId: number; voteDigest: string }[], actor: Actor): Promise<void> {
    if (refused.length === 0) return;
    await this.ctx.run('refuseVotes', { tokenId: id }, actor, { refused: refused.flatMap((v) => [String(v.userId), v.voteDigest]) });
  }

  /** The officers who can still approve a PENDING token (id and name, ids ascending); none for a token not waiting for approvals. */
  async approvers(id: string, requesterMayApprove: boolean): Promise<{ id: number; name: string }[]> {
    const flat = (await this.ctx.run('tokenApprovers', { tokenId: id }, { kind: 'system' }, { requesterMayApprove: requesterMayApprove ? '1' : '0' })) as (number | string)[];
    const out: { id: number; name: string }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: Number(flat[i]), name: String(flat[i + 1]) });
    return out;
  }

  /** For each token of a batch (in order): the officers its fan-out asks (see approval-recipients-1.lua). */
  async approvalRecipients(ids: readonly string[], requesterMayApprove: boolean): Promise<number[][]> {
    if (ids.length === 0) return [];
    const reply = (await this.ctx.run('approvalRecipients', {}, { kind: 'system' }, { requesterMayApprove: requesterMayApprove ? '1' : '0', tokenIds: [...ids] })) as number[][];
    return reply.map((users) => users.map(Number));
  }

  /** Ids of tokens whose time has passed: PENDING past expiresAt, APPROVED past their approved timeout. */
  async dueForExpiry(now: number, limit: number): Promise<string[]> {
    const k = this.ctx.keys;
    const [open, approved] = await Promise.all([
      this.ctx.read((r) => r.zrangebyscore(k.openTokens(), '-inf', now, 'LIMIT', 0, limit)),
      this.ctx.read((r) => r.zrangebyscore(k.approvedTokens(), '-inf', now, 'LIMIT', 0, limit)),
    ]);
    return [...open, ...approved];
  }

  /** Break-glass tokens whose time lock is over (the sweep settles them). */
  async dueForBreakGlass(now: number, limit: number): Promise<string[]> {
    return this.ctx.read((r) => r.zrangebyscore(this.ctx.keys.breakGlassTokens(), '-inf', now, 'LIMIT', 0, limit));
  }

  /** A break-glass token at the end of its time lock: APPROVED when its break-glass approvals carry it; answers the status after. */
  async settleBreakGlass(id: string, requesterMayApprove: boolean, actor: Actor): Promise<string> {
    return (await this.ctx.run('settleBreakGlass', { tokenId: id }, actor, { requesterMayApprove: requesterMayApprove ? '1' : '0' })) as string;
  }
}

import {
  QuorumError,
  canonicalJson,
  type SignatureAlg,
  type StoredApproval,
  type StoredRejection,
  type TokenDocument,
  type TokenRecord,
  type TokenStatus,
} from '@quorumd/core';
import type { Actor, StoreContext } from './store-context';

export interface StoredToken extends TokenRecord {
  requesterKey: string;
  issuer: string;
  /** User ids whose votes carried the token when it was consumed. */
  usedApprovals?: number[];
  /** HMAC secret for the requester's callback (never shown, never in a job). */
  callbackSecret?: string;
}

export interface ApprovalInput {
  userId: number;
  fingerprint: string;
  alg: SignatureAlg;
  signature: string;
  issuer: string;
  requesterMayApprove: boolean;
  /** The approving CO as a requester (`user:<id>`), to tell self-approval. */
  callerKey: string;
  approvedTimeoutMs: number;
}

function parseVote(userId: number, value: string, currentFingerprint: string): StoredApproval {
  const [fingerprint = '', alg = 'RS256', at = '0', signature = ''] = value.split('|');
  return { userId, fingerprint, alg: alg as SignatureAlg, at: Number(at), signature, counts: fingerprint === currentFingerprint };
}

function parseRejection(userId: number, value: string): StoredRejection {
  const bar = value.indexOf('|');
  return { userId, at: Number(value.slice(0, bar)), reason: value.slice(bar + 1) };
}

/** Builds a token from its stored hash and its voters' current key fingerprints. */
export function tokenFromHash(hash: Record<string, string>, currentFingerprints: Map<number, string>): StoredToken | undefined {
  if (!hash.doc || !hash.status) return undefined;
  const approvals: StoredApproval[] = [];
  const rejections: StoredRejection[] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('v:')) {
      const uid = Number(field.slice(2));
      approvals.push(parseVote(uid, value, currentFingerprints.get(uid) ?? ''));
    } else if (field.startsWith('r:')) {
      rejections.push(parseRejection(Number(field.slice(2)), value));
    }
  }
  approvals.sort((a, b) => a.at - b.at || a.userId - b.userId);
  rejections.sort((a, b) => a.at - b.at || a.userId - b.userId);
  const token: StoredToken = {
    doc: JSON.parse(hash.doc) as TokenDocument,
    bytes: hash.doc,
    status: hash.status as TokenStatus,
    expiresAt: Number(hash.exp),
    approvals,
    rejections,
    requesterKey: hash.req ?? '',
    issuer: hash.iss ?? '',
  };
  if (hash.apAt) token.approvedAt = Number(hash.apAt);
  if (hash.apUntil) token.approvedUntil = Number(hash.apUntil);
  if (hash.endAt) token.finishedAt = Number(hash.endAt);
  if (hash.cb) token.callbackUrl = hash.cb;
  if (hash.cbs) token.callbackSecret = hash.cbs;
  if (hash.used) token.usedApprovals = JSON.parse(hash.used) as number[];
  return token;
}

function readTokenReply(reply: unknown): StoredToken | undefined {
  const [flat, fps] = reply as [string[], string[]];
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
  const current = new Map<number, string>();
  for (let i = 0; i + 1 < fps.length; i += 2) current.set(Number(fps[i]), fps[i + 1] as string);
  return tokenFromHash(hash, current);
}

export class TokensRepository {
  constructor(private readonly ctx: StoreContext) {}

  async issue(
    doc: TokenDocument,
    bytes: Buffer,
    requesterKey: string,
    callback: { url?: string; secret?: string },
    actor: Actor,
  ): Promise<void> {
    await this.ctx.run('issueToken', [this.ctx.keys.token(doc.id)], actor, [
      doc.id,
      bytes.toString('utf8'),
      doc.service,
      doc.m,
      requesterKey,
      Date.parse(doc.expiresAt),
      canonicalJson(doc.operation),
      doc.issuer,
      callback.url ?? '',
      this.ctx.retentionMs,
      doc.operation.command,
      callback.secret ?? '',
    ]);
  }

  async get(id: string): Promise<StoredToken | undefined> {
    return readTokenReply(await this.ctx.run('readToken', [this.ctx.keys.token(id)], { kind: 'system' }));
  }

  async getMany(ids: string[]): Promise<StoredToken[]> {
    const tokens = await Promise.all(ids.map((id) => this.get(id)));
    return tokens.filter((t): t is StoredToken => t !== undefined);
  }

  /** Newest first: every token (for COs) or one requester's. */
  async listIds(requesterKey: string | undefined, limit: number): Promise<string[]> {
    const key = requesterKey === undefined ? this.ctx.keys.allTokens() : this.ctx.keys.requesterTokens(requesterKey);
    return this.ctx.read((r) => r.zrevrange(key, 0, limit - 1));
  }

  /** Records a verified vote; answers the status after it and the token as it then is. */
  async approve(id: string, input: ApprovalInput, actor: Actor): Promise<{ status: TokenStatus; token: StoredToken }> {
    const [status, snapshot] = (await this.ctx.run('approveToken', [this.ctx.keys.token(id)], actor, [
      input.userId,
      input.fingerprint,
      input.alg,
      input.signature,
      input.issuer,
      input.requesterMayApprove ? '1' : '0',
      input.callerKey,
      input.approvedTimeoutMs,
    ])) as [TokenStatus, unknown];
    const token = readTokenReply(snapshot);
    if (!token) throw new QuorumError('RET_TOKEN_NOT_FOUND');
    return { status, token };
  }

  async reject(id: string, userId: number, reason: string, issuer: string, requesterMayApprove: boolean, actor: Actor): Promise<TokenStatus> {
    return (await this.ctx.run('rejectToken', [this.ctx.keys.token(id)], actor, [
      userId,
      reason,
      issuer,
      requesterMayApprove ? '1' : '0',
      this.ctx.retentionMs,
    ])) as TokenStatus;
  }

  async delete(id: string, callerKey: string, callerIsOfficer: boolean, issuer: string, actor: Actor): Promise<void> {
    await this.ctx.run('deleteToken', [this.ctx.keys.token(id)], actor, [callerKey, callerIsOfficer ? '1' : '0', issuer, this.ctx.retentionMs]);
  }

  async consume(id: string, callerKey: string, operation: string, issuer: string, actor: Actor): Promise<void> {
    await this.ctx.run('consumeToken', [this.ctx.keys.token(id)], actor, [callerKey, operation, issuer, this.ctx.retentionMs]);
  }

  /** Moves a token past its time to EXPIRED; returns the status after. */
  async expire(id: string, actor: Actor): Promise<TokenStatus> {
    return (await this.ctx.run('expireToken', [this.ctx.keys.token(id)], actor, [this.ctx.retentionMs])) as TokenStatus;
  }

  /** A CO's queue: PENDING tokens awaiting its decision, soonest expiry first (one script, one round trip). */
  async pendingFor(userId: number, requesterMayApprove: boolean, limit: number): Promise<StoredToken[]> {
    const k = this.ctx.keys;
    const replies = (await this.ctx.run('pendingTokens', [k.openTokens(), k.userVotes(userId)], { kind: 'system' }, [
      userId,
      requesterMayApprove ? '1' : '0',
      limit,
    ])) as unknown[];
    return replies.map(readTokenReply).filter((t): t is StoredToken => t !== undefined);
  }

  /** Ids of PENDING tokens whose expiresAt has passed. */
  async dueForExpiry(now: number, limit: number): Promise<string[]> {
    return this.ctx.read((r) => r.zrangebyscore(this.ctx.keys.openTokens(), '-inf', now, 'LIMIT', 0, limit));
  }
}

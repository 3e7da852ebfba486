import {
  BoundedMap,
  KeyObjectCache,
  QuorumError,
  canonicalJson,
  checkAlg,
  decodeSignature,
  isProtectedCommand,
  newTokenDocument,
  normalizeOperation,
  governingServices,
  requiredApprovals,
  resolveService,
  tokenBytes,
  tokenView,
  verifySignature,
  type OutboundPolicy,
  type TokenView,
} from '@quorumd/core';
import { checkOutboundUrl } from '@quorumd/queue';
import type { KeyObject } from 'node:crypto';
import type { QuorumStore, StoredToken } from '@quorumd/store';
import { actorOf, isOfficer, requesterKey, requesterOf, requesterUserId, requireOfficer, requireOfficerOrScope, type Principal } from './principal';
import type { Metrics } from '../metrics';
import type { TokenEvents } from '@quorumd/store';

export interface TokensOptions {
  issuer: string;
  tokenTtlSeconds: number;
  maxTokenTtlSeconds: number;
  approvedTimeoutSeconds: number;
  requesterMayApprove: boolean;
  outbound: OutboundPolicy;
}

export const MAX_WAIT_SECONDS = 60;

export interface Bundle {
  v: 1;
  issuer: string;
  tokenId: string;
  status: string;
  m: number;
  /** Approvals needed when the bundle was made: max(m, the M the operation then required). */
  required: number;
  tokenBytes: string;
  approvals: { userId: number; fingerprint: string; alg: string; signature: string; at: string; publicKeyPem: string }[];
}

/** Quorum tokens: issue, read, wait, approve, reject, delete, consume, bundle. */
export class TokensService {
  private readonly keyObjects = new KeyObjectCache();
  private readonly tokenBytes = new BoundedMap<string, Buffer>(100_000);

  constructor(
    private readonly store: QuorumStore,
    private readonly events: TokenEvents,
    private readonly metrics: Metrics,
    private readonly options: TokensOptions,
  ) {}

  private now(): number {
    return this.store.ctx.clock();
  }

  private view(token: StoredToken): TokenView {
    return tokenView(token);
  }

  /** Reads a token the caller may see: COs see all, API keys their own. */
  private async visible(principal: Principal, id: string): Promise<StoredToken> {
    if (principal.kind === 'user') requireOfficer(principal);
    else requireOfficerOrScope(principal, 'tokens:read');
    const token = await this.store.tokens.get(id);
    if (!token || (principal.kind === 'apikey' && token.requesterKey !== requesterKey(principal))) {
      throw new QuorumError('RET_TOKEN_NOT_FOUND');
    }
    return token;
  }

  async issue(
    principal: Principal,
    input: { service: string | number; operation: unknown; ttlSeconds?: number; callbackUrl?: string; callbackSecret?: string },
  ): Promise<TokenView> {
    requireOfficerOrScope(principal, 'tokens:issue');
    if ((input.callbackUrl === undefined) !== (input.callbackSecret === undefined)) {
      throw new QuorumError('RET_BAD_REQUEST', 'callbackUrl and callbackSecret go together: callbacks are signed with the secret');
    }
    const ttlSeconds = input.ttlSeconds ?? this.options.tokenTtlSeconds;
    if (ttlSeconds > this.options.maxTokenTtlSeconds) {
      throw new QuorumError('RET_BAD_REQUEST', `ttlSeconds must be at most ${this.options.maxTokenTtlSeconds} (QUORUM_MAX_TOKEN_TTL_SECONDS)`);
    }
    const service = resolveService(input.service);
    const operation = normalizeOperation(input.operation);
    if (input.callbackUrl !== undefined) await checkOutboundUrl(this.options.outbound, input.callbackUrl, 'callbackUrl');
    // changePswd of another officer hands out its approving power: the target's type decides.
    const target = operation.command === 'changePswd' ? await this.store.users.get(operation.args.id as number) : undefined;
    const governing = governingServices(service, operation, { targetIsOfficer: target?.type === 'CO' });
    const m = requiredApprovals(governing, await this.store.mValues.all());
    const doc = newTokenDocument({ service, operation, requester: requesterOf(principal), m, issuer: this.options.issuer, now: this.now(), ttlSeconds });
    const token = await this.store.tokens.issue(
      doc,
      tokenBytes(doc),
      governing,
      { key: requesterKey(principal), userId: requesterUserId(principal) },
      { url: input.callbackUrl, secret: input.callbackSecret },
      actorOf(principal),
    );
    this.metrics.tokens.inc({ service, status: 'PENDING' });
    return this.view(token);
  }

  async read(principal: Principal, id: string): Promise<TokenView> {
    return this.view(await this.visible(principal, id));
  }

  /** Long-poll: answers as soon as the token leaves PENDING, or after `waitSeconds`. */
  async waitFor(principal: Principal, id: string, waitSeconds: number, signal: AbortSignal): Promise<TokenView> {
    let token = await this.visible(principal, id);
    const deadline = this.now() + Math.min(waitSeconds, MAX_WAIT_SECONDS) * 1000;
    while (token.status === 'PENDING' && this.now() < deadline && !signal.aborted && !this.events.closing) {
      const untilExpiry = token.expiresAt - this.now() + 5;
      await this.events.next(id, Math.min(deadline - this.now(), untilExpiry), signal, async () => {
        token = await this.visible(principal, id);
        return token.status === 'PENDING';
      });
      token = await this.visible(principal, id);
    }
    return this.view(token);
  }

  async list(principal: Principal, filter: { status?: string; limit: number }): Promise<TokenView[]> {
    if (principal.kind === 'user') requireOfficer(principal);
    else requireOfficerOrScope(principal, 'tokens:read');
    const ids = await this.store.tokens.listIds(principal.kind === 'apikey' ? requesterKey(principal) : undefined, filter.limit);
    const views = (await this.store.tokens.getMany(ids)).map((t) => this.view(t));
    return filter.status ? views.filter((v) => v.status === filter.status) : views;
  }

  async bytes(principal: Principal, id: string): Promise<Buffer> {
    return Buffer.from((await this.visible(principal, id)).bytes, 'utf8');
  }

  /** Authenticated twice: the caller's session and the RSA signature over the token bytes. */
  async approve(principal: Principal, id: string, input: { signature: unknown; alg?: unknown }): Promise<TokenView> {
    const officer = requireOfficer(principal);
    const alg = checkAlg(input.alg);
    const signature = decodeSignature(input.signature);
    const fingerprint = officer.fingerprint;
    if (!fingerprint) throw new QuorumError('RET_QUORUM_KEY_NOT_REGISTERED');
    const bytes = this.tokenBytes.get(id) ?? (await this.loadBytes(id));
    const key = this.keyObjects.peek(fingerprint) ?? (await this.loadKey(fingerprint));
    if (!verifySignature(key, alg, bytes, signature)) {
      this.metrics.signatureFailures.inc();
      throw new QuorumError('RET_SIGNATURE_INVALID', 'The signature does not verify over this token’s bytes with your registered key');
    }
    const { status, token: after } = await this.store.tokens.approve(
      id,
      {
        userId: officer.id,
        fingerprint,
        alg,
        signature,
        issuer: this.options.issuer,
        requesterMayApprove: this.options.requesterMayApprove,
        approvedTimeoutMs: this.options.approvedTimeoutSeconds * 1000,
      },
      actorOf(principal),
    );
    this.metrics.approvals.inc({ alg });
    // This call approved the token when its vote and the approval share one script time.
    const mine = after.approvals.find((a) => a.userId === officer.id);
    if (status === 'APPROVED' && mine !== undefined && after.approvedAt === mine.at) {
      this.metrics.tokens.inc({ service: after.doc.service, status: 'APPROVED' });
      this.metrics.timeToQuorum.observe((this.now() - Date.parse(after.doc.issuedAt)) / 1000);
    }
    return this.view(after);
  }

  /** A token's bytes never change: read once per token, then from memory (the script checks everything else). */
  private async loadBytes(id: string): Promise<Buffer> {
    const token = await this.store.tokens.get(id);
    if (!token) throw new QuorumError('RET_TOKEN_NOT_FOUND');
    return this.tokenBytes.set(id, Buffer.from(token.bytes, 'utf8'));
  }

  private async loadKey(fingerprint: string): Promise<KeyObject> {
    const pem = await this.store.quorumKeys.quorumKeyPem(fingerprint);
    if (!pem) throw new QuorumError('RET_QUORUM_KEY_NOT_REGISTERED');
    return this.keyObjects.get(fingerprint, pem);
  }

  async reject(principal: Principal, id: string, reason: string): Promise<TokenView> {
    const officer = requireOfficer(principal);
    if (!officer.fingerprint) throw new QuorumError('RET_QUORUM_KEY_NOT_REGISTERED');
    const after = await this.store.tokens.reject(id, officer.id, reason, this.options.issuer, this.options.requesterMayApprove, actorOf(principal));
    // This call finished the token when its rejection and the token's end share one script time.
    const mine = after.rejections.find((r) => r.userId === officer.id);
    if (after.status === 'REJECTED' && mine !== undefined && after.finishedAt === mine.at) this.metrics.tokens.inc({ service: after.doc.service, status: 'REJECTED' });
    return this.view(after);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    if (principal.kind === 'user') requireOfficer(principal);
    const token = await this.store.tokens.get(id);
    if (principal.kind === 'apikey' && token?.requesterKey !== requesterKey(principal)) throw new QuorumError('RET_TOKEN_NOT_FOUND');
    await this.store.tokens.delete(id, requesterKey(principal), isOfficer(principal), this.options.issuer, actorOf(principal));
    this.metrics.tokens.inc({ service: token?.doc.service ?? 'unknown', status: 'DELETED' });
  }

  /**
   * For external systems: consumes an APPROVED token for exactly its operation, once.
   * quorumd's own commands run only through their routes (which consume the token in the
   * same step as the change), never here.
   */
  async consume(principal: Principal, id: string, operation: unknown): Promise<Bundle> {
    requireOfficerOrScope(principal, 'tokens:consume');
    const normalized = normalizeOperation(operation);
    if (isProtectedCommand(normalized.command)) {
      throw new QuorumError('RET_BAD_REQUEST', `${normalized.command} runs through its own route, which consumes the token with the change; /consume is for external systems`);
    }
    const token = await this.store.tokens.consume(id, requesterKey(principal), canonicalJson(normalized), this.options.issuer, actorOf(principal));
    this.metrics.tokens.inc({ service: token.doc.service, status: 'CONSUMED' });
    return this.bundleOf(token);
  }

  /** Token bytes, the approvals that carry it and their keys: verifiable offline. */
  async bundle(principal: Principal, id: string): Promise<Bundle> {
    return this.bundleOf(await this.visible(principal, id));
  }

  private async bundleOf(token: StoredToken): Promise<Bundle> {
    // A used token: the votes and keys that carried it then; otherwise the votes that count now.
    const carrying = token.usedApprovals ?? token.approvals.filter((a) => a.counts).map((a) => ({ userId: a.userId, fingerprint: a.fingerprint }));
    const signatures = await this.store.tokens.signatures(token.doc.id);
    const approvals = await Promise.all(
      carrying.map(async (c) => {
        const vote = token.approvals.find((a) => a.userId === c.userId);
        return {
          userId: c.userId,
          fingerprint: c.fingerprint,
          alg: vote?.alg ?? 'RS256',
          signature: signatures.get(c.userId)?.toString('base64') ?? '',
          at: new Date(vote?.at ?? 0).toISOString(),
          publicKeyPem: (await this.store.quorumKeys.quorumKeyPem(c.fingerprint)) ?? '',
        };
      }),
    );
    return {
      v: 1,
      issuer: token.issuer,
      tokenId: token.doc.id,
      status: token.status,
      m: token.doc.m,
      required: token.required,
      tokenBytes: Buffer.from(token.bytes, 'utf8').toString('base64'),
      approvals,
    };
  }
}

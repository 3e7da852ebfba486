import {
  BoundedMap,
  CLOUDHSM_SERVICES,
  cloudHsmTokenFileWithSignatures,
  parseCloudHsmTokenFile,
  type CloudHsmTokenFile,
  type Operation,
  type QuorumService,
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
  hasHiddenCharacters,
  policySize,
  SERVICE_NAME,
  type TokenJustification,
  verifySignature,
  type OutboundPolicy,
  type TokenView,
  type PasskeyProof,
} from '@quorumd/core';
import { checkOutboundUrl } from '@quorumd/queue';
import type { AuditLogProof, QuorumStore, ReviewTokenInput, StoredService, StoredToken } from '@quorumd/store';
import { actorOf, isOfficer, requesterKey, requesterOf, requesterUserId, requireOfficer, requireOfficerOrScope, sessionOf, type Principal } from './principal';
import type { Metrics } from '../metrics';
import type { QuorumGates } from './protected-command';
import type { QuorumKeyObjects } from './quorum-key-objects';
import type { PasskeysService, VerifiedAssertion } from './passkeys-service';
import type { TokenEvents } from '@quorumd/store';

export interface TokensOptions {
  issuer: string;
  tokenTtlSeconds: number;
  maxTokenTtlSeconds: number;
  approvedTimeoutSeconds: number;
  requesterMayApprove: boolean;
  outbound: OutboundPolicy;
  /** Tokens one user may ask for per minute (its API keys count for it): counted by the issue script. */
  issueLimitPerMinute: number;
  /** QUORUM_REQUIRE_PASSKEY: every approval carries a passkey assertion. */
  requirePasskey: boolean;
}

export const MAX_WAIT_SECONDS = 60;

/** The operations a custom service's policy governs besides its own tokens (see PoliciesRepository.governingPolicies). */
const GOVERNED_CHANGES = new Set(['setPolicy', 'deleteService', 'setGroup', 'changePswd']);

/** How many tokens' signed data the API keeps, and the largest it keeps: 80 MB at the very most. */
const SIGNED_DATA_ENTRIES = 10_000;
const SIGNED_DATA_MAX_BYTES = 8 * 1024;

/** What an approval of a token signs (see TokensService.approve). */
interface SignedData {
  data: Buffer;
  cloudhsm: boolean;
  /** The token's service, and whether the policy signed into it requires a passkey. */
  service: string;
  signedPasskey: boolean;
  operation: Operation;
}

function signedDataOf(token: StoredToken): SignedData {
  const about = { service: token.doc.service, signedPasskey: token.doc.policy?.requirePasskey === true, operation: token.doc.operation };
  return token.cloudhsmApprovalData ? { data: token.cloudhsmApprovalData, cloudhsm: true, ...about } : { data: Buffer.from(token.bytes, 'utf8'), cloudhsm: false, ...about };
}

export interface Bundle {
  v: 1;
  issuer: string;
  tokenId: string;
  status: string;
  m: number;
  /** Approvals needed when the bundle was made: max(m, the M the operation then required); for a used token, what its use was checked against. */
  required: number;
  tokenBytes: string;
  approvals: { userId: number; fingerprint: string; alg: string; signature: string; at: string; publicKeyPem: string; passkey?: PasskeyProof }[];
  /** Where the approvals' passkey assertions were made (present when one carries one). */
  webauthn?: { rpId: string; origin: string };
  /** A custom service's token: how its approvals fill the signed policy's rules (when used: as they did then). */
  assignment?: { group: string; m: number; have: number[] }[];
  /** A used custom service's token: each approver's groups when it was used. */
  approverGroups?: Record<string, string[]>;
  /** A break-glass token: its path, what approved it, and its review token once used. */
  path?: 'breakGlass';
  approvedBy?: 'breakGlass' | 'quorum';
  reviewToken?: string;
  /** The token's approved/consumed entries with inclusion proofs in a signed checkpoint (AuditRepository.logProofOf). */
  logProof?: AuditLogProof;
}

/** Quorum tokens: issue, read, wait, approve, reject, delete, consume, bundle. */
export class TokensService {
  /** What approvals of a token sign, by token id: a read in flight is shared by every approval that waits for it. */
  private readonly signedData = new BoundedMap<string, Promise<SignedData>>(SIGNED_DATA_ENTRIES);
  /** Users the issue script last refused for their rate limit, until when (ms): see issue(). */
  private readonly issueRefusedUntil = new BoundedMap<number, number>(10_000);

  constructor(
    private readonly store: QuorumStore,
    private readonly events: TokenEvents,
    private readonly metrics: Metrics,
    private readonly options: TokensOptions,
    private readonly keys: QuorumKeyObjects,
    private readonly gates: QuorumGates,
    private readonly passkeys: PasskeysService,
  ) {}

  private now(): number {
    return this.store.ctx.clock();
  }

  private view(token: StoredToken): TokenView {
    return tokenView(token);
  }

  /**
   * Reads a token the caller may see: COs see all, API keys their own, with tokens:read — or
   * tokens:consume for a token it is about to use (consuming hands over what reading shows).
   */
  private async visible(principal: Principal, id: string, scope: 'tokens:read' | 'tokens:consume' = 'tokens:read'): Promise<StoredToken> {
    if (principal.kind === 'user') requireOfficer(principal);
    else requireOfficerOrScope(principal, scope);
    const token = await this.store.tokens.get(id, this.options.requesterMayApprove);
    if (!token || (principal.kind === 'apikey' && token.requesterKey !== requesterKey(principal))) {
      throw new QuorumError('RET_TOKEN_NOT_FOUND');
    }
    return token;
  }

  async issue(
    principal: Principal,
    input: {
      service: string | number;
      operation: unknown;
      ttlSeconds?: number;
      callbackUrl?: string;
      callbackSecret?: string;
      cloudhsm?: { tokenFile: unknown };
      reason?: string;
      ticket?: string;
      breakGlass?: boolean;
    },
  ): Promise<TokenView> {
    requireOfficerOrScope(principal, 'tokens:issue');
    // A user the issue script found over its limit a moment ago is refused before any work (a
    // callback URL's DNS lookup, the token's bytes); after that second the script decides again.
    const limitedUntil = this.issueRefusedUntil.get(requesterUserId(principal));
    if (limitedUntil !== undefined && this.now() < limitedUntil) throw new QuorumError('RET_RATE_LIMITED', 'Too many token requests; retry in 1 s');
    if ((input.callbackUrl === undefined) !== (input.callbackSecret === undefined)) {
      throw new QuorumError('RET_BAD_REQUEST', 'callbackUrl and callbackSecret go together: callbacks are signed with the secret');
    }
    const justification = checkJustification(input);
    const builtin = builtinService(input.service);
    if (input.breakGlass === true) {
      // quorumd's own services hand out approving power (createUser of a CO, setGroup, setPolicy):
      // one person must never make themselves a quorum, so they have no emergency path.
      if (builtin !== undefined) throw new QuorumError('RET_BREAK_GLASS_NOT_ALLOWED', `Break-glass is not allowed for ${builtin}: quorumd's own services have no emergency path`);
      if (justification.reason === undefined || justification.reason.trim() === '') throw new QuorumError('RET_BREAK_GLASS_NOT_ALLOWED', 'A break-glass token needs a reason');
    }
    if (builtin === undefined) return this.issueCustom(principal, String(input.service), input, justification);
    const ttlSeconds = input.ttlSeconds ?? this.options.tokenTtlSeconds;
    if (ttlSeconds > this.options.maxTokenTtlSeconds) {
      throw new QuorumError('RET_BAD_REQUEST', `ttlSeconds must be at most ${this.options.maxTokenTtlSeconds} (QUORUM_MAX_TOKEN_TTL_SECONDS)`);
    }
    const service = builtin;
    const hsm = cloudHsmRequest(service, input.operation, input.cloudhsm);
    const operation = hsm?.operation ?? normalizeOperation(input.operation);
    if (input.callbackUrl !== undefined) await checkOutboundUrl(this.options.outbound, input.callbackUrl, 'callbackUrl');
    // changePswd of another officer hands out its approving power: the target's type decides.
    const target = operation.command === 'changePswd' ? await this.store.users.get(operation.args.id as number) : undefined;
    const governing = governingServices(service, operation, { targetIsOfficer: target?.type === 'CO' });
    // A policy or group change: also the custom services whose policies it touches (none for any other operation).
    let policies = await this.store.policies.governingPolicies(operation);
    const issueWith = async (mValues: Record<QuorumService, number>) => {
      // An HSM token never needs fewer than two officers.
      const m = Math.max(requiredApprovals(governing, mValues), hsm ? 2 : 1, ...policies.map((p) => p.size));
      const doc = newTokenDocument({ service, operation, requester: requesterOf(principal), m, issuer: this.options.issuer, now: this.now(), ttlSeconds, ...justification });
      return this.store.tokens.issue(
        doc,
        tokenBytes(doc),
        [...governing, ...policies.map((p) => p.service)],
        {
          key: requesterKey(principal),
          userId: requesterUserId(principal),
          sessionHash: sessionOf(principal),
          limit: { max: this.options.issueLimitPerMinute, windowMs: 60_000 },
        },
        { url: input.callbackUrl, secret: input.callbackSecret },
        actorOf(principal),
        hsm?.approvalData,
      );
    };
    // The M values this process read last; the script checks them, and once one changed they are read afresh.
    const token = await issueWith(await this.store.mValues.lastKnown())
      .catch(async (err: unknown) => {
        if (!(err instanceof QuorumError && err.code === 'RET_M_VALUE_CHANGED')) throw err;
        policies = await this.store.policies.governingPolicies(operation);
        return issueWith(await this.store.mValues.all());
      })
      .catch((err: unknown) => {
        if (err instanceof QuorumError && err.code === 'RET_RATE_LIMITED') this.issueRefusedUntil.set(requesterUserId(principal), this.now() + 1000);
        throw err;
      });
    this.metrics.tokens.inc({ service, status: 'PENDING' });
    // Its approvers will sign these bytes: no read of them when the approvals come to this process.
    const signed = signedDataOf(token);
    if (signed.data.length <= SIGNED_DATA_MAX_BYTES) this.signedData.set(token.doc.id, Promise.resolve(signed));
    return this.view(token);
  }

  /**
   * A token of a custom service (docs/policies.md): its policy in force, with its version,
   * is signed into the bytes, and its m is the policy's size; the operation must be one of
   * the policy's commands (when it lists them), and a reason is required when it says so.
   * quorumd's own commands and AWS CloudHSM tokens belong to the built-in services.
   */
  private async issueCustom(
    principal: Principal,
    name: string,
    input: { operation: unknown; ttlSeconds?: number; callbackUrl?: string; callbackSecret?: string; cloudhsm?: unknown; breakGlass?: boolean },
    justification: { reason?: string; ticket?: string },
  ): Promise<TokenView> {
    const read = async () => {
      const found = await this.store.policies.service(name);
      if (!found || found.builtin) throw new QuorumError('RET_SERVICE_UNKNOWN', `Unknown quorum service: ${name.slice(0, 40)}`);
      return found;
    };
    let service = await read();
    if (input.cloudhsm !== undefined) throw new QuorumError('RET_BAD_REQUEST', 'An AWS CloudHSM token is for a built-in service (USER_MGMT, QUORUM_MGMT)');
    const operation = normalizeOperation(input.operation);
    if (operation.command === 'cloudhsm' || isProtectedCommand(operation.command)) {
      throw new QuorumError('RET_BAD_REQUEST', `${operation.command} belongs to a built-in service, not ${service.service}`);
    }
    const { policy } = service;
    const breakGlass = input.breakGlass === true;
    if (breakGlass && !policy.breakGlass) throw new QuorumError('RET_BREAK_GLASS_NOT_ALLOWED', `The policy of ${service.service} has no break-glass path`);
    if (policy.commands && !policy.commands.includes(operation.command)) {
      throw new QuorumError('RET_BAD_REQUEST', `${service.service} may be asked only for ${policy.commands.join(', ')}, not ${operation.command}`);
    }
    if (policy.requireReason === true && (justification.reason === undefined || justification.reason.trim() === '')) {
      throw new QuorumError('RET_BAD_REQUEST', `The policy of ${service.service} requires a reason`);
    }
    const ttlSeconds = input.ttlSeconds ?? policy.tokenTtlSeconds ?? this.options.tokenTtlSeconds;
    if (ttlSeconds > this.options.maxTokenTtlSeconds) {
      throw new QuorumError('RET_BAD_REQUEST', `ttlSeconds must be at most ${this.options.maxTokenTtlSeconds} (QUORUM_MAX_TOKEN_TTL_SECONDS)`);
    }
    if (input.callbackUrl !== undefined) await checkOutboundUrl(this.options.outbound, input.callbackUrl, 'callbackUrl');
    const issueWith = (current: StoredService) => {
      const m = policySize(current.policy);
      const now = this.now();
      // A break-glass token waits out its time lock first: its time to live starts after it.
      const delaySeconds = breakGlass ? (current.policy.breakGlass?.delaySeconds ?? 0) : 0;
      if (breakGlass && !current.policy.breakGlass) throw new QuorumError('RET_BREAK_GLASS_NOT_ALLOWED', `The policy of ${current.service} has no break-glass path`);
      const doc = newTokenDocument({
        service: current.service,
        operation,
        requester: requesterOf(principal),
        m,
        issuer: this.options.issuer,
        now,
        ttlSeconds: ttlSeconds + delaySeconds,
        signedPolicy: { policy: current.policy, version: current.version },
        ...justification,
        ...(breakGlass ? { breakGlass } : {}),
      });
      const approvedTimeoutSeconds = current.policy.approvedTimeoutSeconds ?? (breakGlass ? this.options.approvedTimeoutSeconds : undefined);
      return this.store.tokens.issue(
        doc,
        tokenBytes(doc),
        [current.service],
        { key: requesterKey(principal), userId: requesterUserId(principal), sessionHash: sessionOf(principal), limit: { max: this.options.issueLimitPerMinute, windowMs: 60_000 } },
        { url: input.callbackUrl, secret: input.callbackSecret },
        actorOf(principal),
        undefined,
        approvedTimeoutSeconds === undefined ? undefined : approvedTimeoutSeconds * 1000,
        breakGlass ? now + delaySeconds * 1000 : undefined,
      );
    };
    const token = await issueWith(service).catch(async (err: unknown) => {
      if (!(err instanceof QuorumError && err.code === 'RET_M_VALUE_CHANGED')) throw err;
      service = await read();
      return issueWith(service);
    });
    this.metrics.tokens.inc({ service: service.service, status: 'PENDING' });
    if (breakGlass) this.metrics.breakGlass.inc({ service: service.service, outcome: 'requested' });
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
    const views = (await this.store.tokens.getMany(ids, this.options.requesterMayApprove)).map((t) => this.view(t));
    return filter.status ? views.filter((v) => v.status === filter.status) : views;
  }

  /** The exact bytes approvers sign: the token bytes, or an AWS CloudHSM token's approval data (signed under SHA-256, as the HSM verifies). */
  async bytes(principal: Principal, id: string): Promise<Buffer> {
    const token = await this.visible(principal, id);
    return token.cloudhsmApprovalData ?? Buffer.from(token.bytes, 'utf8');
  }

  /** Authenticated twice: the caller's session and the RSA signature over the token bytes. */
  async approve(principal: Principal, id: string, input: { signature: unknown; alg?: unknown; passkey?: unknown }): Promise<TokenView> {
    const officer = requireOfficer(principal);
    const alg = checkAlg(input.alg);
    const signature = decodeSignature(input.signature);
    const fingerprint = officer.fingerprint;
    if (!fingerprint) throw new QuorumError('RET_QUORUM_KEY_NOT_REGISTERED');
    const signed = await (this.signedData.get(id) ?? this.loadSignedData(id));
    if (signed.cloudhsm && alg !== 'RS256') throw new QuorumError('RET_BAD_REQUEST', 'An AWS CloudHSM token is signed with RS256 (PKCS#1 v1.5, SHA-256), as the HSM verifies it');
    if (input.passkey === undefined && (await this.requiresPasskey(signed))) {
      throw new QuorumError('RET_PASSKEY_REQUIRED', `Approving a token of ${signed.service} needs a passkey assertion over its bytes (GET /v1/tokens/{id}/passkey-options): approve it in the console`);
    }
    const key = await this.keys.get(fingerprint);
    if (!verifySignature(key, alg, signed.data, signature)) {
      this.metrics.signatureFailures.inc();
      throw new QuorumError('RET_SIGNATURE_INVALID', 'The signature does not verify over this token’s bytes with your registered key');
    }
    // Every check that can refuse the assertion runs here, before the script writes anything.
    const passkey: VerifiedAssertion | undefined = input.passkey === undefined ? undefined : await this.passkeys.verifyApproval(officer, signed.data, input.passkey);
    const { status, token: after } = await this.store.tokens.approve(
      id,
      {
        userId: officer.id,
        sessionHash: sessionOf(principal) ?? '',
        fingerprint,
        alg,
        signature,
        issuer: this.options.issuer,
        requesterMayApprove: this.options.requesterMayApprove,
        approvedTimeoutMs: this.options.approvedTimeoutSeconds * 1000,
        ...(passkey ? { passkey } : {}),
      },
      actorOf(principal),
    );
    this.metrics.approvals.inc({ alg });
    // This call approved the token when its vote and the approval share one script time.
    const mine = after.approvals.find((a) => a.userId === officer.id);
    if (status === 'APPROVED' && mine !== undefined && after.approvedAt === mine.at) {
      this.metrics.tokens.inc({ service: after.doc.service, status: 'APPROVED' });
      this.metrics.timeToQuorum.observe((this.now() - Date.parse(after.doc.issuedAt)) / 1000);
      if (after.breakGlass) this.metrics.breakGlass.inc({ service: after.doc.service, outcome: after.breakGlass.approvedBy === 'breakGlass' ? 'approved' : 'quorum' });
    }
    return this.view(after);
  }

  /**
   * Whether an approval of the token needs a passkey assertion, as far as Node tells without a
   * read on the common path: the deployment says so for every token (QUORUM_REQUIRE_PASSKEY), or
   * the policy signed into it does. The policies in force now (its service's and those governing
   * it) are checked by the approve script, in the same step as the vote (no round trip more).
   */
  private async requiresPasskey(signed: SignedData): Promise<boolean> {
    if (this.options.requirePasskey || signed.signedPasskey) return true;
    // A change a policy requiring passkeys governs (its setPolicy or deleteService, a setGroup of a
    // group it names, another officer's password it counts) needs them too: no way around it without them.
    if (!GOVERNED_CHANGES.has(signed.operation.command)) return false;
    const governing = await this.store.policies.governingPolicies(signed.operation);
    return (await Promise.all(governing.map((g) => this.store.policies.requiresPasskey(g.service)))).some(Boolean);
  }

  /** What the officer's passkey is asked to sign to approve the token: `challenge` = base64url(SHA-256(the bytes it signs)). */
  async passkeyOptions(principal: Principal, id: string): Promise<unknown> {
    const officer = requireOfficer(principal);
    await this.visible(principal, id);
    const signed = await (this.signedData.get(id) ?? this.loadSignedData(id));
    return this.passkeys.approvalOptions(officer, signed.data);
  }

  /**
   * What an approval signs: the token bytes, or for an AWS CloudHSM token its approval data
   * (signed prehashed, as `token-sign` expects). It never changes: read once per token, then
   * from memory (the script checks everything else). The approvals of a token tend to come
   * together: the first one's read serves the others; a read that fails is forgotten.
   */
  private loadSignedData(id: string): Promise<SignedData> {
    const read = this.store.tokens.get(id, this.options.requesterMayApprove).then((token) => {
      if (!token) throw new QuorumError('RET_TOKEN_NOT_FOUND');
      const signed = signedDataOf(token);
      // A large token is read again by each approval: the cache stays a few MB at most.
      if (signed.data.length > SIGNED_DATA_MAX_BYTES) this.signedData.delete(id);
      return signed;
    });
    read.catch(() => this.signedData.delete(id));
    return this.signedData.set(id, read);
  }

  /**
   * The AWS CloudHSM token file with the signatures of the votes that carried it (user names:
   * each officer's hsmUsername), once the token is APPROVED. Fetching uses the token, once.
   */
  async cloudHsmTokenFile(principal: Principal, id: string): Promise<CloudHsmTokenFile> {
    const before = await this.visible(principal, id, 'tokens:consume');
    if (!before.cloudhsmApprovalData) throw new QuorumError('RET_BAD_REQUEST', 'This is not an AWS CloudHSM token');
    if (before.status !== 'APPROVED') refuseHsmSignatures(before);
    const gate = await this.gates.open(principal, id, before.doc.operation);
    const token = await this.gates.run(gate, undefined, () => this.store.tokens.consume(gate, actorOf(principal)));
    this.metrics.tokens.inc({ service: token.doc.service, status: 'CONSUMED' });
    const signatures = await this.store.tokens.signatures(id);
    const signers = await Promise.all(
      (token.usedApprovals ?? []).map(async (u) => ({ username: (await this.store.users.get(u.userId))?.hsmUsername ?? `user${u.userId}`, signature: signatures.get(u.userId) ?? Buffer.alloc(0) })),
    );
    return cloudHsmTokenFileWithSignatures(before.cloudhsmApprovalData, signers);
  }

  async reject(principal: Principal, id: string, reason: string): Promise<TokenView> {
    const officer = requireOfficer(principal);
    if (!officer.fingerprint) throw new QuorumError('RET_QUORUM_KEY_NOT_REGISTERED');
    const after = await this.store.tokens.reject(
      id,
      {
        userId: officer.id,
        sessionHash: sessionOf(principal) ?? '',
        reason,
        issuer: this.options.issuer,
        requesterMayApprove: this.options.requesterMayApprove,
      },
      actorOf(principal),
    );
    // This call finished the token when its rejection and the token's end share one script time.
    const mine = after.rejections.find((r) => r.userId === officer.id);
    if (after.status === 'REJECTED' && mine !== undefined && after.finishedAt === mine.at) {
      this.metrics.tokens.inc({ service: after.doc.service, status: 'REJECTED' });
      if (after.breakGlass) this.metrics.breakGlass.inc({ service: after.doc.service, outcome: 'vetoed' });
    }
    return this.view(after);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    if (principal.kind === 'user') requireOfficer(principal);
    const token = await this.store.tokens.get(id, this.options.requesterMayApprove);
    if (principal.kind === 'apikey' && token?.requesterKey !== requesterKey(principal)) throw new QuorumError('RET_TOKEN_NOT_FOUND');
    await this.store.tokens.delete(id, requesterKey(principal), isOfficer(principal), this.options.issuer, actorOf(principal));
    this.metrics.tokens.inc({ service: token?.doc.service ?? 'unknown', status: 'DELETED' });
  }

  /**
   * For external systems: consumes an APPROVED token for exactly its operation, once.
   * quorumd's own commands run only through their routes (which consume the token in the
   * same step as the change), never here.
   */
  /** `service`, when named: the service the caller runs the operation for (a token of another is refused). */
  async consume(principal: Principal, id: string, operation: unknown, service?: string): Promise<Bundle> {
    requireOfficerOrScope(principal, 'tokens:consume');
    const named = service === undefined ? undefined : (builtinService(service) ?? service);
    const normalized = normalizeOperation(operation);
    if (normalized.command === 'cloudhsm') {
      throw new QuorumError('RET_BAD_REQUEST', 'An AWS CloudHSM token is used by fetching its token file: GET /v1/tokens/{id}/cloudhsm-token-file');
    }
    if (isProtectedCommand(normalized.command)) {
      throw new QuorumError('RET_BAD_REQUEST', `${normalized.command} runs through its own route, which consumes the token with the change; /consume is for external systems`);
    }
    const before = await this.store.tokens.get(id, this.options.requesterMayApprove);
    // A break-glass token's review token is made now; the script issues it when the use needs it.
    const review = before?.doc.path === 'breakGlass' ? await this.reviewTokenFor(before) : undefined;
    const gate = await this.gates.open(principal, id, normalized);
    const token = await this.gates.run(gate, named, () => this.store.tokens.consume(gate, actorOf(principal), named, review));
    this.metrics.tokens.inc({ service: token.doc.service, status: 'CONSUMED' });
    if (token.breakGlass?.reviewToken) this.metrics.breakGlass.inc({ service: token.doc.service, outcome: 'used' });
    return this.bundleOf(token);
  }

  /**
   * The review token of a break-glass token's use (docs/policies.md): QUORUM_MGMT, operation
   * reviewBreakGlass {token}, the service's normal policy (without its break-glass path) signed
   * into it and QUORUM_MGMT's M at least, to be approved within the shorter of the signed and
   * the current review window.
   */
  private async reviewTokenFor(token: StoredToken): Promise<ReviewTokenInput> {
    const service = await this.store.policies.service(token.doc.service);
    const signed = token.doc.policy?.breakGlass;
    if (!service || !signed) throw new QuorumError('RET_BREAK_GLASS_NOT_ALLOWED', `The policy of ${token.doc.service} has no break-glass path`);
    const { breakGlass: current, ...normal } = service.policy;
    const windowSeconds = Math.min(signed.reviewWithinSeconds, current?.reviewWithinSeconds ?? signed.reviewWithinSeconds);
    const mValues = await this.store.mValues.all();
    const doc = newTokenDocument({
      service: 'QUORUM_MGMT',
      operation: normalizeOperation({ command: 'reviewBreakGlass', args: { token: token.doc.id } }),
      requester: token.doc.requester,
      m: Math.max(mValues.QUORUM_MGMT, policySize(normal)),
      issuer: this.options.issuer,
      now: this.now(),
      ttlSeconds: windowSeconds,
      signedPolicy: { policy: normal, version: service.version },
      reason: `Review of the use of break-glass token ${token.doc.id} (${token.doc.service}): ${token.doc.reason ?? ''}`.slice(0, 500),
    });
    return { doc, bytes: tokenBytes(doc) };
  }

  /** Token bytes, the approvals that carry it and their keys: verifiable offline. */
  async bundle(principal: Principal, id: string): Promise<Bundle> {
    const token = await this.visible(principal, id);
    if (token.cloudhsmApprovalData && token.status !== 'CONSUMED') refuseHsmSignatures(token);
    return this.bundleOf(token);
  }

  private async bundleOf(token: StoredToken): Promise<Bundle> {
    // A used token: the votes and keys that carried it then; otherwise the votes that count now.
    const carrying = token.usedApprovals ?? token.approvals.filter((a) => a.counts).map((a) => ({ userId: a.userId, fingerprint: a.fingerprint }));
    const [signatures, proofs, logProof] = await Promise.all([this.store.tokens.signatures(token.doc.id), this.store.tokens.passkeyProofs(token.doc.id), this.store.audit.logProofOf(token.doc.id)]);
    const approvals = await Promise.all(
      carrying.map(async (c) => {
        const vote = token.approvals.find((a) => a.userId === c.userId);
        const proof = proofs.get(c.userId);
        return {
          userId: c.userId,
          fingerprint: c.fingerprint,
          alg: vote?.alg ?? 'RS256',
          signature: signatures.get(c.userId)?.toString('base64') ?? '',
          at: new Date(vote?.at ?? 0).toISOString(),
          publicKeyPem: (await this.store.quorumKeys.quorumKeyPem(c.fingerprint)) ?? '',
          ...(proof ? { passkey: proof } : {}),
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
      ...(approvals.some((a) => a.passkey) ? { webauthn: this.passkeys.relyingParty } : {}),
      ...(token.usedAssignment
        ? { assignment: token.usedAssignment.assignment, approverGroups: token.usedAssignment.groups }
        : token.progress
          ? { assignment: token.progress.filter((rule) => !rule.current) }
          : {}),
      ...(token.doc.path === 'breakGlass' ? { path: 'breakGlass' as const } : {}),
      ...(token.breakGlass?.approvedBy ? { approvedBy: token.breakGlass.approvedBy } : {}),
      ...(token.breakGlass?.reviewToken ? { reviewToken: token.breakGlass.reviewToken } : {}),
      ...(logProof ? { logProof } : {}),
    };
  }
}

/**
 * An AWS CloudHSM token's signatures are what the HSM accepts: they leave quorumd once, in
 * the token file fetched while the token is APPROVED (which consumes it). Before that (and for
 * a token that ended otherwise) neither the file nor the bundle hands them out: 409.
 */
function refuseHsmSignatures(token: StoredToken): never {
  if (token.status === 'PENDING') {
    const counting = token.approvals.filter((a) => a.counts).length;
    throw new QuorumError('RET_TOKEN_NOT_APPROVED', `The token has ${counting} of ${token.required} approvals`, { approvals: counting, required: token.required });
  }
  if (token.status === 'APPROVED') {
    throw new QuorumError('RET_TOKEN_NOT_PENDING', 'The quorum token is APPROVED: an AWS CloudHSM token hands out its signatures once, in its token file (GET /v1/tokens/{id}/cloudhsm-token-file); its bundle follows that fetch');
  }
  throw new QuorumError('RET_TOKEN_NOT_PENDING', `The quorum token is ${token.status}`);
}

/**
 * A request for an AWS CloudHSM token: operation `{"command":"cloudhsm","args":{"service",
 * "description"}}` with the file `token-sign generate` wrote. The file is checked strictly,
 * the HSM service must map to the quorumd service asked for, and the signed operation binds
 * the file's digest.
 */
/** A built-in service by any of its names, or undefined for a name a custom service may have. */
function builtinService(input: string | number): QuorumService | undefined {
  try {
    return resolveService(input);
  } catch (err) {
    if (err instanceof QuorumError && typeof input === 'string' && SERVICE_NAME.test(input)) return undefined;
    throw err;
  }
}

/** `reason` (at most 500 characters) and `ticket` (at most 200), signed into the bytes: visible text only. */
function checkJustification(input: { reason?: string; ticket?: string }): TokenJustification {
  const out: TokenJustification = {};
  for (const [field, max] of [['reason', 500], ['ticket', 200]] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (value.length > max || hasHiddenCharacters(value)) throw new QuorumError('RET_BAD_REQUEST', `${field} must be at most ${max} visible characters`);
    out[field] = value;
  }
  return out;
}

function cloudHsmRequest(service: QuorumService, operation: unknown, cloudhsm: { tokenFile: unknown } | undefined): { operation: Operation; approvalData: Buffer } | undefined {
  const command = (operation as { command?: unknown } | null)?.command;
  if (command !== 'cloudhsm' && cloudhsm === undefined) return undefined;
  if (command !== 'cloudhsm' || cloudhsm === undefined) {
    throw new QuorumError('RET_BAD_REQUEST', 'An AWS CloudHSM token needs both operation.command "cloudhsm" and cloudhsm.tokenFile');
  }
  const args = ((operation as { args?: unknown }).args ?? {}) as Record<string, unknown>;
  const extra = Object.keys(args).filter((k) => k !== 'service' && k !== 'description');
  if (extra.length > 0) throw new QuorumError('RET_BAD_REQUEST', `Unexpected argument(s) of a cloudhsm operation: ${extra.join(', ')}`);
  const hsmService = args.service;
  if (typeof hsmService !== 'string' || !Object.prototype.hasOwnProperty.call(CLOUDHSM_SERVICES, hsmService)) {
    throw new QuorumError('RET_BAD_REQUEST', `args.service must be a CloudHSM quorum service: ${Object.keys(CLOUDHSM_SERVICES).join(', ')}`);
  }
  if (CLOUDHSM_SERVICES[hsmService] !== service) {
    throw new QuorumError('RET_BAD_REQUEST', `CloudHSM service ${hsmService} is approved under ${String(CLOUDHSM_SERVICES[hsmService])}, not ${service}`);
  }
  if (typeof args.description !== 'string' || args.description.length === 0 || args.description.length > 500) {
    throw new QuorumError('RET_BAD_REQUEST', 'args.description must say what the token is for (1-500 characters, e.g. the CloudHSM CLI command)');
  }
  const { approvalData, digest } = parseCloudHsmTokenFile(cloudhsm.tokenFile);
  return {
    operation: normalizeOperation({ command: 'cloudhsm', args: { service: hsmService, description: args.description, digest: digest.toString('base64') } }),
    approvalData,
  };
}

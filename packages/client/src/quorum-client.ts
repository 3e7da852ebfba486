import { API_KEY_PATTERN, CLOUDHSM_SERVICES, QuorumError, isErrorCode, type ApiKeyViewBody, type AuditCheckpoint, type BundleBody, type GroupViewBody, type MValueBody, type ServiceViewBody, type TokenViewBody, type UserViewBody } from '@quorumd/core';
import type { Signer } from './signers';

export interface ClientOptions {
  /** quorumd's base URL, http(s); when absent, the environment's QUORUM_URL. */
  url?: string;
  /** A session token (from login) or an API key. */
  token?: string;
  /** An API key (`qk_<id>_<secret>`, as `quorum api-keys create` prints it). */
  apiKey?: string;
}

/**
 * The base URL a client calls, checked once: given, or QUORUM_URL; http or https; no query or
 * fragment. A missing or malformed one is RET_BAD_CONFIG now, not a failed call later.
 */
function baseUrl(given: string | undefined): string {
  const text = given ?? process.env.QUORUM_URL;
  if (text === undefined || text.trim() === '') {
    throw new QuorumError('RET_BAD_CONFIG', 'QuorumClient needs the quorumd URL: pass { url: "https://quorumd.example:8080" } or set QUORUM_URL');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new QuorumError('RET_BAD_CONFIG', `QuorumClient url ${JSON.stringify(text)} is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  // Credentials in the URL are not repeated in the message (it may end up in a log).
  if (url.username !== '' || url.password !== '') throw new QuorumError('RET_BAD_CONFIG', 'QuorumClient url holds credentials (user:password@): pass a token or apiKey instead');
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new QuorumError('RET_BAD_CONFIG', `QuorumClient url ${JSON.stringify(text)} is not an http(s) base URL (no query or fragment; e.g. http://127.0.0.1:8080)`);
  }
  return url.href.replace(/\/$/, '');
}

/** An `apiKey` given but empty (an unset variable) or not of the API key form is RET_BAD_CONFIG (the key itself is never shown). */
function checkedApiKey(options: ClientOptions): string | undefined {
  if (!('apiKey' in options)) return undefined;
  const key = options.apiKey;
  if (key === undefined || key === '') throw new QuorumError('RET_BAD_CONFIG', 'QuorumClient apiKey is empty (is QUORUM_API_KEY set?)');
  if (!API_KEY_PATTERN.test(key)) throw new QuorumError('RET_BAD_CONFIG', 'QuorumClient apiKey is not a quorumd API key (qk_<12 hex digits>_<32 characters>, as quorum api-keys create prints it)');
  return key;
}

/** Response bodies, typed from the same schemas the API answers with. */
export type UserView = UserViewBody;
export type Bundle = BundleBody;

/** One line of GET /v1/audit/export. */
export interface AuditExportLine {
  seq: number;
  leafHash: string;
  checkpointSize: number;
  entry: { seq: number; at: string; type: string; actor: unknown; data: unknown };
}
export type TokenView = TokenViewBody;
export type MValue = MValueBody;
export type ApiKeyView = ApiKeyViewBody;
export type ServiceView = ServiceViewBody;
export type GroupView = GroupViewBody;

/** A token request (getToken). */
export interface TokenRequest {
  service: string;
  operation: Operation;
  ttlSeconds?: number;
  callbackUrl?: string;
  callbackSecret?: string;
  reason?: string;
  ticket?: string;
}

/** A login's answer. */
/** A user's notification channels (docs/notifications.md). */
export interface NotificationSettings {
  email?: string | null;
  chat?: { url: string; format?: 'slack' } | null;
  /** The events it hears of (absent: all). */
  events?: string[] | null;
}

export interface NotificationsView {
  notifications: { email?: string; chat?: { url: string; format: 'slack' }; events?: string[] } | null;
  deliveries: { at: string; event: string; tokenId: string; channel: 'email' | 'chat'; deliveryId: string; outcome: 'sent' | 'failed' | 'dropped'; attempt?: number; final?: boolean; detail?: string }[];
}

export interface Session {
  token: string;
  user: { id: number; name: string; type: string; passwordChangeRequired: boolean };
  expiresAt: string;
}
export type Operation = { command: string; args?: Record<string, unknown> };

/** The SDK: every call of the quorumd HTTP API (README "HTTP API"), typed; failures are QuorumError with the RET_ code. */
export class QuorumClient {
  private credential: string | undefined;
  private readonly url: string;

  /** Throws RET_BAD_CONFIG for a missing or malformed URL or API key. */
  constructor(options: ClientOptions) {
    this.url = baseUrl(options.url);
    const apiKey = checkedApiKey(options);
    this.credential = options.token ?? apiKey;
  }

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: {
          ...(this.credential ? { authorization: `Bearer ${this.credential}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new QuorumError('RET_STORE_UNAVAILABLE', `Cannot reach quorumd at ${this.url}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const type = res.headers.get('content-type') ?? '';
    if (res.status >= 400) {
      const payload = (type.includes('json') ? await res.json() : { message: await res.text() }) as { code?: string; message?: string; [k: string]: unknown };
      const code = payload.code && isErrorCode(payload.code) ? payload.code : 'RET_INTERNAL';
      throw new QuorumError(code, payload.message ?? `HTTP ${res.status}`, payload);
    }
    if (type.includes('json') && !type.includes('ndjson')) return (await res.json()) as T;
    return Buffer.from(await res.arrayBuffer()) as unknown as T;
  }

  /**
   * loginHSM: keeps the session token for later calls and returns it. With
   * `user.passwordChangeRequired`, the password was chosen by someone else and works once: the
   * session may only set the user's own (changeOwnPassword) or log out.
   */
  async login(name: string, password: string): Promise<Session> {
    const session = await this.call<Session>('POST', '/v1/sessions', { name, password });
    this.credential = session.token;
    return session;
  }

  async logout(): Promise<void> {
    await this.call('DELETE', '/v1/sessions/current');
  }

  async listUsers(): Promise<UserView[]> {
    return (await this.call<{ users: UserView[] }>('GET', '/v1/users')).users;
  }

  async createUser(input: { type: string; name: string; password: string; quorumToken?: string }): Promise<UserView> {
    return (await this.call<{ user: UserView }>('POST', '/v1/users', input)).user;
  }

  async deleteUser(id: number, quorumToken?: string): Promise<void> {
    await this.call('DELETE', `/v1/users/${id}`, quorumToken ? { quorumToken } : {});
  }

  /** Another user's password (a CO, under the USER_MGMT quorum). */
  async changePassword(id: number, password: string, quorumToken?: string): Promise<void> {
    await this.call('PUT', `/v1/users/${id}/password`, { password, ...(quorumToken ? { quorumToken } : {}) });
  }

  /**
   * The logged-in user's own password (`id` is its own, as the login answered): no quorum, but
   * the current password. It ends every session of the user, this client's too.
   */
  async changeOwnPassword(id: number, currentPassword: string, password: string): Promise<void> {
    await this.call('PUT', `/v1/users/${id}/password`, { password, currentPassword });
  }

  /** registerQuorumPubKey: challenge, signature by the key, registration. */
  async registerQuorumKey(userId: number, publicKeyPem: string, signer: Signer): Promise<{ fingerprint: string }> {
    const challenge = await this.call<{ challengeId: string; challenge: string }>('POST', `/v1/users/${userId}/quorum-key/challenge`);
    const signature = await signer.sign(Buffer.from(challenge.challenge, 'base64'));
    return this.call('PUT', `/v1/users/${userId}/quorum-key`, { publicKeyPem, challengeId: challenge.challengeId, signature, alg: signer.alg });
  }

  async getMValues(): Promise<MValue[]> {
    return (await this.call<{ values: MValue[] }>('GET', '/v1/quorum/values')).values;
  }

  async getMValue(service: string): Promise<MValue> {
    return this.call('GET', `/v1/quorum/values/${encodeURIComponent(service)}`);
  }

  async setMValue(service: string, m: number, options: { quorumToken?: string; force?: boolean } = {}): Promise<MValue> {
    return this.call('PUT', `/v1/quorum/values/${encodeURIComponent(service)}`, { m, ...options });
  }

  /** Every quorum service with its policy (docs/policies.md). */
  async services(): Promise<ServiceView[]> {
    return (await this.call<{ services: ServiceView[] }>('GET', '/v1/quorum/services')).services;
  }

  async service(name: string): Promise<ServiceView> {
    return (await this.call<{ service: ServiceView }>('GET', `/v1/quorum/services/${encodeURIComponent(name)}`)).service;
  }

  /** setPolicy: creates or changes a custom service's policy (QUORUM_MGMT quorum and the service's current policy). */
  async setPolicy(name: string, policy: ServiceView['policy'], options: { quorumToken?: string; force?: boolean } = {}): Promise<ServiceView> {
    return (await this.call<{ service: ServiceView }>('PUT', `/v1/quorum/services/${encodeURIComponent(name)}`, { policy, ...options })).service;
  }

  async deleteService(name: string, quorumToken?: string): Promise<void> {
    await this.call('DELETE', `/v1/quorum/services/${encodeURIComponent(name)}`, quorumToken ? { quorumToken } : {});
  }

  /** Every group of officers (`officers`: every CO, built in). */
  async groups(): Promise<GroupView[]> {
    return (await this.call<{ groups: GroupView[] }>('GET', '/v1/groups')).groups;
  }

  /** setGroup (QUORUM_MGMT quorum and every policy naming the group). */
  async setGroup(name: string, members: number[], options: { quorumToken?: string; force?: boolean } = {}): Promise<GroupView> {
    return (await this.call<{ group: GroupView }>('PUT', `/v1/groups/${encodeURIComponent(name)}`, { members, ...options })).group;
  }

  /** getToken: `reason` and `ticket` are signed into the token's bytes (a custom service's policy may require a reason). */
  async requestQuorum(input: TokenRequest): Promise<TokenView> {
    return (await this.call<{ token: TokenView }>('POST', '/v1/tokens', input)).token;
  }

  /** The same as requestQuorum. */
  async requestToken(input: TokenRequest): Promise<TokenView> {
    return this.requestQuorum(input);
  }

  async getToken(id: string): Promise<TokenView> {
    return (await this.call<{ token: TokenView }>('GET', `/v1/tokens/${id}`)).token;
  }

  async listTokens(status?: string, limit?: number): Promise<TokenView[]> {
    const query = new URLSearchParams({ ...(status ? { status } : {}), ...(limit ? { limit: String(limit) } : {}) }).toString();
    return (await this.call<{ tokens: TokenView[] }>('GET', `/v1/tokens${query ? `?${query}` : ''}`)).tokens;
  }

  async tokenBytes(id: string): Promise<Buffer> {
    return this.call<Buffer>('GET', `/v1/tokens/${id}/bytes`);
  }

  /**
   * approveToken: fetches the exact bytes the token is signed over (for an AWS CloudHSM token,
   * its approval data: RS256 over it is the HSM's prehashed signature), signs, sends.
   */
  async approve(id: string, signer: Signer): Promise<TokenView> {
    return this.approveWithSignature(id, await signer.sign(await this.tokenBytes(id)), signer.alg);
  }

  /** Submits an AWS CloudHSM token file (as `quorum token-sign generate` wrote it) for approval. */
  async submitCloudHsmToken(tokenFile: object, options: { service: string; description: string; quorumService?: string }): Promise<TokenView> {
    const quorumService = options.quorumService ?? CLOUDHSM_SERVICES[options.service] ?? 'USER_MGMT';
    const body = { service: quorumService, operation: { command: 'cloudhsm', args: { service: options.service, description: options.description } }, cloudhsm: { tokenFile } };
    return (await this.call<{ token: TokenView }>('POST', '/v1/tokens', body)).token;
  }

  /** The approved token file with the officers' signatures, ready for `--approval`; uses the token (once). */
  async fetchCloudHsmTokenFile(id: string): Promise<object> {
    return this.call<object>('GET', `/v1/tokens/${id}/cloudhsm-token-file`);
  }


  /** Sends a signature made elsewhere (openssl, an HSM) over the token bytes. */
  async approveWithSignature(id: string, signature: string, alg: 'RS256' | 'PS256' = 'RS256'): Promise<TokenView> {
    return (await this.call<{ token: TokenView }>('POST', `/v1/tokens/${id}/approvals`, { signature, alg })).token;
  }

  async reject(id: string, reason = ''): Promise<TokenView> {
    return (await this.call<{ token: TokenView }>('POST', `/v1/tokens/${id}/rejections`, { reason })).token;
  }

  async deleteToken(id: string): Promise<void> {
    await this.call('DELETE', `/v1/tokens/${id}`);
  }

  /** `service`: the service the operation runs for; a token of any other service is then refused (name it). */
  async consume(id: string, operation: Operation, options: { service?: string } = {}): Promise<Bundle> {
    return (await this.call<{ bundle: Bundle }>('POST', `/v1/tokens/${id}/consume`, { operation, ...(options.service !== undefined ? { service: options.service } : {}) })).bundle;
  }

  async bundle(id: string): Promise<Bundle> {
    return (await this.call<{ bundle: Bundle }>('GET', `/v1/tokens/${id}/bundle`)).bundle;
  }

  async pending(): Promise<TokenView[]> {
    return (await this.call<{ tokens: TokenView[] }>('GET', '/v1/officers/me/pending')).tokens;
  }

  async setWebhook(url: string, secret: string): Promise<{ url: string }> {
    return (await this.call<{ webhook: { url: string } }>('PUT', '/v1/officers/me/webhook', { url, secret })).webhook;
  }

  /** A user's e-mail and chat channels and its latest deliveries (one's own, or any user's as a CO). */
  async notifications(userId: number): Promise<NotificationsView> {
    return this.call<NotificationsView>('GET', `/v1/users/${userId}/notifications`);
  }

  /** Sets a user's channels (`{}`: removes them); a chat URL must be a public http(s) incoming webhook. */
  async setNotifications(userId: number, settings: NotificationSettings): Promise<NotificationsView> {
    return this.call<NotificationsView>('PUT', `/v1/users/${userId}/notifications`, settings);
  }

  async removeWebhook(): Promise<void> {
    await this.call('DELETE', '/v1/officers/me/webhook');
  }

  /** An API key for automation; `key` is shown only here. */
  async createApiKey(name: string, scopes?: string[]): Promise<{ apiKey: { id: string; name: string; scopes: string[] }; key: string }> {
    return this.call('POST', '/v1/api-keys', { name, ...(scopes ? { scopes } : {}) });
  }

  async listApiKeys(): Promise<ApiKeyView[]> {
    return (await this.call<{ apiKeys: ApiKeyView[] }>('GET', '/v1/api-keys')).apiKeys;
  }

  async deleteApiKey(id: string): Promise<void> {
    await this.call('DELETE', `/v1/api-keys/${id}`);
  }

  async failedDeliveries(): Promise<{ deliveryId: string; event: string; tokenId: string; attempts: number; failedReason: string }[]> {
    return (await this.call<{ deliveries: { deliveryId: string; event: string; tokenId: string; attempts: number; failedReason: string }[] }>('GET', '/v1/admin/deliveries?state=failed')).deliveries;
  }

  async replayDelivery(id: string): Promise<void> {
    await this.call('POST', `/v1/admin/deliveries/${encodeURIComponent(id)}/replay`);
  }

  /**
   * The audit ledger as the service keeps it: entries, sealed hashes, head, checkpoints and
   * the published key. The log grows while it is read: the checkpoints are read first (each
   * is of an entry the head had then reached), then the head, then the entries up to that
   * head and no further, then the sealed hashes up to that head (sealed after the entries
   * were read or not, each is of an entry read).
   */
  async auditLedger(): Promise<{
    entries: string[];
    hashes: string[];
    head: { seq: number; sealedSeq: number; issuer: string; checkpointIntervalMs?: number };
    checkpoints: AuditCheckpoint[];
    publicKeyPem: string | undefined;
  }> {
    const { checkpoints } = await this.call<{ checkpoints: AuditCheckpoint[] }>('GET', '/v1/audit/checkpoints');
    const head = await this.call<{ seq: number; sealedSeq: number; issuer: string; checkpointIntervalMs?: number }>('GET', '/v1/audit/head');
    const entries = await this.auditRaw(head.seq);
    const hashes = await this.auditHashes(head.seq);
    const publicKeyPem = await this.call<{ publicKeyPem: string }>('GET', '/v1/audit/public-key').then(
      (r) => r.publicKeyPem,
      () => undefined,
    );
    return { entries, hashes, head, checkpoints, publicKeyPem };
  }

  /** The latest signed checkpoint of the audit tree: a C2SP tlog-checkpoint as a signed note. */
  async auditCheckpointNote(): Promise<string> {
    return (await this.call<Buffer>('GET', '/v1/audit/checkpoint')).toString('utf8');
  }

  /** The note verifier key the audit checkpoints open with (pin it: `quorum verify --audit-key`). */
  async auditVerifierKey(): Promise<{ verifierKey: string; origin: string }> {
    return this.call('GET', '/v1/audit/verifier-key');
  }

  /** The audit public key (PEM) the service publishes (kept in Redis: pin your own copy for a check that does not trust it). */
  async auditPublicKeyPem(): Promise<string> {
    return (await this.call<{ publicKeyPem: string }>('GET', '/v1/audit/public-key')).publicKeyPem;
  }

  /** RFC 9162 inclusion proof of leaf `index` (seq − 1) in the audit tree of `size` entries (hashes base64). */
  async auditInclusionProof(index: number, size: number): Promise<{ index: number; size: number; hashes: string[] }> {
    return this.call('GET', `/v1/audit/proof/inclusion?index=${index}&size=${size}`);
  }

  /** RFC 9162 consistency proof from the audit tree of `from` entries to that of `to`. */
  async auditConsistencyProof(from: number, to: number): Promise<{ from: number; to: number; hashes: string[] }> {
    return this.call('GET', `/v1/audit/proof/consistency?from=${from}&to=${to}`);
  }

  /**
   * The audit log after seq `after` (up to the tree's size) as the export streams it: each
   * line's seq, leaf hash (base64), the newest checkpoint's size, and the entry.
   */
  async auditExport(after: number): Promise<AuditExportLine[]> {
    const body = (await this.call<Buffer>('GET', `/v1/audit/export?after=${after}`)).toString('utf8');
    return body
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as AuditExportLine);
  }

  /** The sealed hashes (hex) from seq 1, up to `untilSeq`. */
  async auditHashes(untilSeq: number): Promise<string[]> {
    const hashes: string[] = [];
    for (let from = 1; from <= untilSeq; from += 1000) {
      const limit = Math.min(1000, untilSeq - from + 1);
      const page = (await this.call<{ hashes: string[] }>('GET', `/v1/audit/hashes?from=${from}&limit=${limit}`)).hashes;
      hashes.push(...page);
      if (page.length < limit) break;
    }
    return hashes;
  }

  /** The stored entries' texts from seq 1: all of them, or up to `untilSeq`. */
  async auditRaw(untilSeq = Infinity): Promise<string[]> {
    const lines: string[] = [];
    for (let from = 1; from <= untilSeq; from += 1000) {
      const limit = Math.min(1000, untilSeq - from + 1);
      const text = (await this.call<Buffer>('GET', `/v1/audit?format=raw&from=${from}&limit=${limit}`)).toString('utf8');
      const page = text.split('\n').filter(Boolean);
      lines.push(...page);
      if (page.length < limit) break;
    }
    return lines;
  }

  /**
   * Blocks until the token leaves PENDING (long-poll), resuming after a dropped connection,
   * until `timeoutMs` or the signal. Returns the token as it is then.
   */
  async waitForApproval(id: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TokenView> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    let token = await this.getToken(id);
    while (token.status === 'PENDING' && Date.now() < deadline && !options.signal?.aborted) {
      const wait = Math.max(1, Math.min(60, Math.ceil((deadline - Date.now()) / 1000)));
      try {
        token = (await this.call<{ token: TokenView }>('GET', `/v1/tokens/${id}?wait=${wait}`, undefined, options.signal)).token;
      } catch (err) {
        if (options.signal?.aborted) break;
        if (!(err instanceof QuorumError && err.code === 'RET_STORE_UNAVAILABLE')) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    return token;
  }

  /** Protected commands with the token attached. */
  readonly runProtected = {
    createUser: (input: { type: string; name: string; password: string }, quorumToken: string) => this.createUser({ ...input, quorumToken }),
    deleteUser: (id: number, quorumToken: string) => this.deleteUser(id, quorumToken),
    changePswd: (id: number, password: string, quorumToken: string) => this.changePassword(id, password, quorumToken),
    setMValue: (service: string, m: number, quorumToken: string, force = false) => this.setMValue(service, m, { quorumToken, force }),
  };
}

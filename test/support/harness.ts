import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@quorumd/core';
import { QuorumStore, TokenEvents, connectForEvents, connectForRequests, waitUntilReady } from '@quorumd/store';
import { buildApp, loadConfig, type App, type Config } from '@quorumd/api';
import { startWorker, type RunningWorker } from '@quorumd/queue';
import pino, { type Logger } from 'pino';
import type { RedisClient } from '@quorumd/store';
import type { FastifyBaseLogger } from 'fastify';
import { deleteDeploymentKeys } from './deployment-keys';
import { OpenSsl } from './openssl';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_PASSWORD = 'admin-password';
const adminHash = hashPassword(ADMIN_PASSWORD);

export interface Reply {
  status: number;
  // any: the JSON of any route; tests assert on it field by field.
  body: any;
  headers: Record<string, unknown>;
  raw: Buffer;
}

export interface Officer {
  id: number;
  name: string;
  token: string;
  key?: { privatePem: string; publicPem: string; privatePath: string; fingerprint: string };
}

/** A real API on a real Redis, with its own key prefix; `inject()` for HTTP. */
export class Harness {
  readonly openssl = new OpenSsl();
  adminToken = '';
  worker: RunningWorker | undefined;

  private constructor(
    readonly app: App,
    readonly store: QuorumStore,
    readonly redis: RedisClient,
    readonly subscriber: RedisClient,
    readonly events: TokenEvents,
    readonly config: Config,
    readonly issuer: string,
    readonly prefix: string,
  ) {}

  /** `worker: true` also runs the notification worker (and gives the app its queues). */
  static async start(
    options: { env?: Record<string, string>; prefix?: string; issuer?: string; worker?: boolean; redisUrl?: string; logger?: FastifyBaseLogger; workerLogger?: Logger } = {},
  ): Promise<Harness> {
    const url = options.redisUrl ?? REDIS_URL;
    const prefix = options.prefix ?? `test-${randomBytes(6).toString('hex')}`;
    // Rate limits are tested on their own (test/operations.test.ts); other suites log in a lot.
    // Test receivers listen on loopback, which quorumd refuses to call unless allowed.
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      QUORUM_RATE_LIMIT_LOGIN: '1000000',
      QUORUM_RATE_LIMIT_ISSUE: '1000000',
      QUORUM_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
      // The worker's audit key and checkpoint file go to a data dir of the test's own.
      QUORUM_DATA_DIR: mkdtempSync(join(tmpdir(), 'quorumd-harness-')),
      ...options.env,
      QUORUM_REDIS_PREFIX: prefix,
    });
    const redis = connectForRequests(url);
    const subscriber = connectForEvents(url);
    // The server's connections report through its monitor; a test's are retried quietly (failover tests see errors by design).
    for (const connection of [redis, subscriber]) connection.on('error', () => undefined);
    let worker: RunningWorker | undefined;
    let app: App | undefined;
    try {
      await waitUntilReady(redis, url);
      const store = new QuorumStore(redis, { prefix, retentionMs: config.tokenRetentionSeconds * 1000, replicaAcks: { minReplicas: config.minReplicas, timeoutMs: config.replicaAckTimeoutMs } });
      const boot = await store.users.bootstrap(options.issuer ?? 'quorumd-test', await adminHash);
      const issuer = options.issuer ?? boot.issuer;
      const events = new TokenEvents(subscriber, store.keys.events());
      await events.start();
      worker = options.worker ? await startWorker(config, url, options.workerLogger ?? pino({ level: 'silent' })) : undefined;
      app = await buildApp({ store, events, config, issuer, queues: worker?.queues, ...(worker ? { auditSeal: () => worker!.auditSeal() } : {}) }, { logger: options.logger ?? false, rateLimitRedis: redis });
      await app.ready();
      const harness = new Harness(app, store, redis, subscriber, events, config, issuer, prefix);
      harness.worker = worker;
      harness.adminToken = await harness.login('admin', ADMIN_PASSWORD);
      return harness;
    } catch (err) {
      // A failed start closes what it opened: a connection left retrying would keep jest from exiting.
      await app?.close().catch(() => undefined);
      await worker?.close({ force: true }).catch(() => undefined);
      redis.disconnect();
      subscriber.disconnect();
      throw err;
    }
  }

  /** A harness with the admin holding a key and one CO (with a key) per name: the common set-up. */
  static async withOfficers<const N extends readonly string[]>(
    names: N,
    options: Parameters<typeof Harness.start>[0] = {},
  ): Promise<{ h: Harness; admin: Officer; officers: { -readonly [K in keyof N]: Officer } }> {
    const h = await Harness.start(options);
    const admin = await h.adminOfficer();
    const officers: Officer[] = [];
    for (const name of names) officers.push(await h.addOfficer(name));
    return { h, admin, officers: officers as { -readonly [K in keyof N]: Officer } };
  }

  async close(options: { keepKeys?: boolean } = {}): Promise<void> {
    this.events.close();
    await this.app.close();
    await this.worker?.close();
    if (!options.keepKeys) await this.deleteKeys();
    await Promise.allSettled([this.redis.quit(), this.subscriber.quit()]);
    this.openssl.cleanup();
    if (this.config.dataDir.includes('quorumd-harness-')) rmSync(this.config.dataDir, { recursive: true, force: true });
  }

  /** The deployment's keys and BullMQ's (`{prefix-bull}`), so that a test run leaves nothing in the shared Redis. */
  private async deleteKeys(): Promise<void> {
    await deleteDeploymentKeys(this.redis, this.prefix);
  }

  async request(method: string, url: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await this.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body === undefined ? {} : typeof body === 'string' || Buffer.isBuffer(body) ? { payload: body } : { payload: body as object }),
    });
    const type = String(res.headers['content-type'] ?? '');
    return {
      status: res.statusCode,
      body: type.includes('json') ? res.json() : res.body,
      headers: res.headers as Record<string, unknown>,
      raw: res.rawPayload,
    };
  }

  async login(name: string, password: string): Promise<string> {
    const res = await this.request('POST', '/v1/sessions', undefined, { name, password });
    if (res.status !== 201) throw new Error(`login ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token as string;
  }

  /** Registers an openssl-made key for a logged-in CO, through challenge and proof of possession. */
  async registerKey(officer: Officer, key = this.openssl.genrsa(2048)): Promise<Officer> {
    const challenge = await this.request('POST', `/v1/users/${officer.id}/quorum-key/challenge`, officer.token);
    if (challenge.status !== 201) throw new Error(`challenge: ${JSON.stringify(challenge.body)}`);
    const signature = this.openssl.sign(key.privatePath, Buffer.from(challenge.body.challenge, 'base64'));
    const res = await this.request('PUT', `/v1/users/${officer.id}/quorum-key`, officer.token, {
      publicKeyPem: key.publicPem,
      challengeId: challenge.body.challengeId,
      signature,
    });
    if (res.status !== 200) throw new Error(`register key: ${JSON.stringify(res.body)}`);
    officer.key = { ...key, fingerprint: res.body.fingerprint };
    return officer;
  }

  /** Creates a CO while USER_MGMT's M is 1, logs it in, and registers a key unless told not to. */
  async addOfficer(name: string, options: { key?: boolean } = {}): Promise<Officer> {
    const password = `${name}-password`;
    const res = await this.request('POST', '/v1/users', this.adminToken, { type: 'CO', name, password });
    if (res.status !== 201) throw new Error(`create ${name}: ${JSON.stringify(res.body)}`);
    const officer: Officer = { id: res.body.user.id, name, token: await this.login(name, password) };
    return options.key === false ? officer : this.registerKey(officer);
  }

  /** The admin as an Officer (id 1), with a key registered. */
  async adminOfficer(): Promise<Officer> {
    return this.registerKey({ id: 1, name: 'admin', token: this.adminToken });
  }

  /** POST /v1/tokens as `as` (a session token or an API key): the reply, whatever it is. */
  async requestToken(as: string, service: string, operation: object, extra: object = {}): Promise<Reply> {
    return this.request('POST', '/v1/tokens', as, { service, operation, ...extra });
  }

  /** A new token's id, asked for as `as` (fails the test on any answer but 201). */
  async issue(as: string, operation: object, options: { service?: string } & Record<string, unknown> = {}): Promise<string> {
    const { service = 'USER_MGMT', ...extra } = options;
    const reply = await this.requestToken(as, service, operation, extra);
    if (reply.status !== 201) throw new Error(`token refused: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.token.id as string;
  }

  async tokenBytes(id: string, token: string): Promise<Buffer> {
    const res = await this.request('GET', `/v1/tokens/${id}/bytes`, token);
    if (res.status !== 200) throw new Error(`bytes: ${res.status}`);
    return res.raw;
  }

  /** Approves with an `openssl dgst` signature. */
  async approve(id: string, officer: Officer): Promise<Reply> {
    if (!officer.key) throw new Error(`${officer.name} has no key`);
    const bytes = await this.tokenBytes(id, officer.token);
    return this.request('POST', `/v1/tokens/${id}/approvals`, officer.token, { signature: this.openssl.sign(officer.key.privatePath, bytes) });
  }

  /** Issues a token as `requester` and has `approvers` sign it until it is APPROVED; returns its id. */
  async approvedToken(requester: Officer, service: string, operation: object, approvers: Officer[]): Promise<string> {
    const issued = await this.request('POST', '/v1/tokens', requester.token, { service, operation });
    if (issued.status !== 201) throw new Error(`issue: ${JSON.stringify(issued.body)}`);
    const id = issued.body.token.id as string;
    for (const officer of approvers) {
      const res = await this.approve(id, officer);
      if (res.status !== 200) throw new Error(`approve: ${JSON.stringify(res.body)}`);
      if (res.body.token.status === 'APPROVED') return id;
    }
    throw new Error(`token ${id} not approved by ${approvers.length} officer(s)`);
  }

  /** setMValue through the quorum when one is needed. */
  async setM(requester: Officer, service: string, m: number, approvers: Officer[], force = false): Promise<void> {
    let res = await this.request('PUT', `/v1/quorum/values/${service}`, requester.token, { m, force });
    if (res.status === 403 && res.body.code === 'RET_MXN_AUTH_FAILED') {
      const quorumToken = await this.approvedToken(requester, 'QUORUM_MGMT', { command: 'setMValue', args: { service, m, ...(force ? { force } : {}) } }, approvers);
      res = await this.request('PUT', `/v1/quorum/values/${service}`, requester.token, { m, force, quorumToken });
    }
    if (res.status !== 200) throw new Error(`setMValue ${service} ${m}: ${JSON.stringify(res.body)}`);
  }

  /** Every key of this deployment (but rate-limit counters) with its value: compare before and after to prove nothing changed. */
  async snapshot(): Promise<Record<string, unknown>> {
    // Rate-limit counters count requests, refused ones included: they are not quorum state.
    // Nor is the sealer's work on the audit log (hashes, checkpoints, its lease): it follows
    // the log on its own clock; the log itself is compared.
    const sealerKeys = [this.store.keys.auditHashes(), this.store.keys.auditSealed(), this.store.keys.auditSealer(), this.store.keys.auditCheckpoints(), this.store.keys.auditPublicKey(), this.store.keys.auditTokenEntries(), this.store.keys.auditCosignatures()];
    // (The Merkle tree's strings too: the sealer grows them as it seals.)
    const treePrefix = this.store.keys.auditTree(0).replace(/0$/, '');
    // BullMQ's queues (jobs move on the worker's clock) and the readiness probe are not either.
    const keys = (await this.redis.keys(`{${this.prefix}}:*`))
      .filter((k) => !k.includes(':ratelimit:') && !k.startsWith(`{${this.prefix}}:bull:`) && k !== this.store.keys.readyProbe() && !sealerKeys.includes(k) && !k.startsWith(treePrefix))
      .sort();
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const type = await this.redis.type(key);
      if (type === 'string') out[key] = await this.redis.get(key);
      else if (type === 'hash') out[key] = await this.redis.hgetall(key);
      else if (type === 'list') out[key] = await this.redis.lrange(key, 0, -1);
      else if (type === 'set') out[key] = (await this.redis.smembers(key)).sort();
      else if (type === 'zset') out[key] = await this.redis.zrange(key, 0, -1, 'WITHSCORES');
    }
    return out;
  }
}

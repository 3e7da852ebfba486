import { Writable } from 'node:stream';
import keySlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import pino from 'pino';
import { ROUTE_DOCS } from '@quorumd/api';
import { LOG_REDACT_PATHS } from '@quorumd/config';
import { ERROR_CODES } from '@quorumd/core';
import { Harness, type Officer } from './support/harness';
import { RedisProcess } from './support/redis-process';
import { ServerProcess } from './support/server-process';

/** What an operator relies on: health, readiness, metrics, OpenAPI, logs, limits, shutdown, slots. */
describe('operations', () => {
  describe('with a private Redis that goes away', () => {
    let redis: RedisProcess;
    let h: Harness;
    beforeAll(async () => {
      redis = await RedisProcess.start();
      h = await Harness.start({ redisUrl: redis.url });
    });
    afterAll(async () => {
      await h.close({ keepKeys: true });
      await redis.stop();
    });

    it('/healthz and /readyz answer 200 while Redis is up; with Redis down, 503 RET_STORE_UNAVAILABLE within 1 s; then recover by themselves', async () => {
      expect((await h.request('GET', '/healthz')).status).toBe(200);
      expect((await h.request('GET', '/readyz')).body).toEqual({ status: 'ready' });

      await redis.kill();
      for (const url of ['/readyz', '/v1/users']) {
        const started = Date.now();
        const res = await h.request('GET', url, h.adminToken);
        expect(Date.now() - started).toBeLessThan(1000);
        expect(res.status).toBe(503);
        expect(res.body.code).toBe('RET_STORE_UNAVAILABLE');
      }
      expect((await h.request('GET', '/healthz')).status).toBe(200);

      await redis.restart();
      let ready = 0;
      for (let i = 0; i < 50 && ready !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ready = (await h.request('GET', '/readyz')).status;
      }
      expect(ready).toBe(200);
      // AOF kept the session and the admin: the API recovered without a restart of its own.
      expect((await h.request('GET', '/v1/users', h.adminToken)).status).toBe(200);
    });
  });

  describe('on the shared Redis', () => {
    let h: Harness;
    let admin: Officer;
    let co1: Officer;
    const lines: string[] = [];
    beforeAll(async () => {
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      });
      const logger = pino({ level: 'info', redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } }, sink);
      h = await Harness.start({ logger, env: { QUORUM_RATE_LIMIT_LOGIN: '20', QUORUM_RATE_LIMIT_ISSUE: '15' } });
      admin = await h.adminOfficer();
      co1 = await h.addOfficer('co1');
    });
    afterAll(() => h.close());

    it('serves Prometheus metrics that move with a token flow', async () => {
      const metric = async (name: string) => {
        const text = (await h.request('GET', '/metrics')).body as string;
        const line = text.split('\n').find((l) => l.startsWith(name));
        return line ? Number(line.split(' ').at(-1)) : 0;
      };
      const pendingBefore = await metric('quorum_tokens_total{service="USER_MGMT",status="PENDING"}');
      const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'rotateKey', args: {} }, [co1]);
      await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation: { command: 'rotateKey', args: {} } });
      await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: 'QUJD' });
      expect(await metric('quorum_tokens_total{service="USER_MGMT",status="PENDING"}')).toBe(pendingBefore + 1);
      expect(await metric('quorum_tokens_total{service="USER_MGMT",status="APPROVED"}')).toBeGreaterThanOrEqual(1);
      expect(await metric('quorum_tokens_total{service="USER_MGMT",status="CONSUMED"}')).toBeGreaterThanOrEqual(1);
      expect(await metric('quorum_approvals_total{alg="RS256"}')).toBeGreaterThanOrEqual(1);
      expect(await metric('quorum_time_to_quorum_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(await metric('quorum_http_request_duration_seconds_count{method="POST",route="/v1/tokens/:id/approvals",status="200"}')).toBeGreaterThanOrEqual(1);
      const text = (await h.request('GET', '/metrics')).body as string;
      expect(text).toMatch(/quorum_signature_failures_total \d+/);
      expect(text).toMatch(/quorum_redis_errors_total \d+/);
    });

    it('documents every route in OpenAPI 3 at /docs/json, with the error body', async () => {
      const doc = (await h.request('GET', '/docs/json')).body;
      expect(doc.openapi).toMatch(/^3\./);
      const documented = new Set<string>();
      for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
        for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
      }
      const routes = h.app.routeList.filter((r) => !r.includes('/docs')).map((r) => r.replace(/:(\w+)/g, '{$1}'));
      expect(routes.length).toBeGreaterThan(25);
      for (const route of routes) expect(documented).toContain(route);
      for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)) {
        if (!path.startsWith('/v1/') && !path.endsWith('z')) continue;
        for (const [method, op] of Object.entries(ops)) {
          const codes = Object.keys(op.responses);
          expect({ route: `${method} ${path}`, success: codes.some((c) => /^2/.test(c)), errors: codes.some((c) => /^4/i.test(c)) }).toEqual({ route: `${method} ${path}`, success: true, errors: true });
        }
      }
      for (const route of h.app.routeList.filter((r) => !r.includes('/docs'))) {
        expect({ route, listed: route in ROUTE_DOCS }).toEqual({ route, listed: true });
        for (const code of ROUTE_DOCS[route]!.errors) expect(Object.keys(ERROR_CODES)).toContain(code);
      }
      const approval = doc.paths['/v1/tokens/{id}/approvals'].post;
      expect(approval.description).toMatch(/RET_SIGNATURE_INVALID/);
      expect(approval.requestBody.content['application/json'].schema.properties.signature).toBeDefined();
      expect(approval.responses['4XX'] ?? approval.responses['4xx']).toBeDefined();
      expect((await h.request('GET', '/docs')).status).toBeLessThan(400);
    });

    it('gives every operation an operationId and a summary, security only where credentials are needed, and the right media types', async () => {
      const doc = (await h.request('GET', '/docs/json')).body;
      const ops = Object.entries(doc.paths as Record<string, Record<string, { operationId?: string; summary?: string; security?: unknown[]; responses: Record<string, { content?: Record<string, unknown> }> }>>)
        .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
      const ids = ops.map(({ op }) => op.operationId);
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ops.filter(({ op }) => !op.summary).map(({ route }) => route)).toEqual([]);
      const open = ops.filter(({ op }) => Array.isArray(op.security) && op.security.length === 0).map(({ route }) => route).sort();
      expect(open).toEqual(['GET /healthz', 'GET /metrics', 'GET /readyz', 'POST /v1/sessions']);
      expect(doc.security).toEqual([{ bearer: [] }]);
      const media = (route: string) => Object.keys(ops.find((o) => o.route === route)!.op.responses['200']!.content ?? {});
      expect(media('GET /v1/tokens/{id}/bytes')).toEqual(['application/octet-stream']);
      expect(media('GET /v1/tokens/{id}/events')).toEqual(['text/event-stream']);
      expect(media('GET /v1/audit')).toEqual(expect.arrayContaining(['application/json', 'text/plain']));
      expect(media('GET /metrics')).toEqual(['text/plain']);
    });

    it('logs one line per request with request id, user, route, status and latency, and no secret', async () => {
      const key = await h.request('POST', '/v1/api-keys', admin.token, { name: 'logged' });
      await h.request('PUT', '/v1/officers/me/webhook', co1.token, { url: 'http://127.0.0.1:9/x', secret: 'webhook-secret-do-not-log' });
      await h.request('GET', '/v1/tokens', key.body.key);
      const failed = await h.request('POST', '/v1/sessions', undefined, { name: 'co1', password: 'wrong-password-do-not-log' }, { 'x-request-id': 'trace-me-1' });
      expect(failed.headers['x-request-id']).toBe('trace-me-1');
      expect(failed.body.requestId).toBe('trace-me-1');
      const all = lines.join('\n');
      for (const secret of [admin.token, co1.token, key.body.key, 'webhook-secret-do-not-log', 'wrong-password-do-not-log', 'admin-password', co1.key!.privatePem.split('\n')[1]!]) {
        expect(all).not.toContain(secret);
      }
      const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
      const traced = requestLines.find((l) => l.reqId === 'trace-me-1');
      expect(traced).toMatchObject({ route: '/v1/sessions', method: 'POST', status: 401, ms: expect.any(Number) });
      const webhookLine = requestLines.find((l) => l.route === '/v1/officers/me/webhook');
      expect(webhookLine).toMatchObject({ userId: `user:${co1.id}`, status: 200 });
    });

    it('rate-limits logins per IP and token requests per user with RET_RATE_LIMITED', async () => {
      let issued = 0;
      let limited: { status: number; body: { code: string } } | undefined;
      for (let i = 0; i < 20 && !limited; i++) {
        const res = await h.request('POST', '/v1/tokens', co1.token, { service: 'USER_MGMT', operation: { command: 'x' } });
        if (res.status === 429) limited = res;
        else issued++;
      }
      expect(issued).toBe(15);
      expect(limited).toMatchObject({ status: 429, body: { code: 'RET_RATE_LIMITED' } });
      expect(limited!.body).toMatchObject({ message: expect.stringMatching(/retry in \d+ s/) });
      // Asked again at once, it is refused before any work: the store is not asked (for a second).
      const stored = jest.spyOn(h.store.tokens, 'issue');
      expect((await h.request('POST', '/v1/tokens', co1.token, { service: 'USER_MGMT', operation: { command: 'x' } })).body.code).toBe('RET_RATE_LIMITED');
      expect(stored).not.toHaveBeenCalled();
      stored.mockRestore();
      // The count is the user's: another session of it, or an API key it made, asks no more.
      const again = await h.login('co1', 'co1-password');
      expect((await h.request('POST', '/v1/tokens', again, { service: 'USER_MGMT', operation: { command: 'x' } })).body.code).toBe('RET_RATE_LIMITED');
      const key = (await h.request('POST', '/v1/api-keys', co1.token, { name: 'ci', scopes: ['tokens:issue'] })).body.key as string;
      expect((await h.request('POST', '/v1/tokens', key, { service: 'USER_MGMT', operation: { command: 'x' } })).body.code).toBe('RET_RATE_LIMITED');
      // Another caller is not limited by co1's requests.
      expect((await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'x' } })).status).toBe(201);
      let loginLimited = false;
      for (let i = 0; i < 25 && !loginLimited; i++) {
        loginLimited = (await h.request('POST', '/v1/sessions', undefined, { name: 'nobody', password: 'wrong-password' })).body.code === 'RET_RATE_LIMITED';
      }
      expect(loginLimited).toBe(true);
    });

    it('keeps every key of a deployment in one Redis Cluster slot', async () => {
      const keys = await h.redis.keys(`{${h.prefix}}:*`);
      expect(keys.length).toBeGreaterThan(20);
      expect(new Set(keys.map((k) => keySlot(k))).size).toBe(1);
    });
  });

  it('every key a Lua script touches (MONITOR + COMMAND GETKEYS) is in its deployment’s slot', async () => {
    const redis = await RedisProcess.start();
    // MONITOR starts before any traffic (the worker's sealer polls): ioredis switches the
    // connection to monitor mode on MONITOR's answer, and a line before that confuses it.
    const client = new Redis(redis.url);
    const monitor = await client.monitor();
    const h = await Harness.start({ redisUrl: redis.url, worker: true });
    const seen: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') seen.push(args);
    });
    try {
      const admin = await h.adminOfficer();
      const co1 = await h.addOfficer('co1');
      await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
      const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'slotted' } }, [admin, co1]);
      await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'slotted', password: 'slotted-password', quorumToken: id });
      await h.request('GET', '/v1/officers/me/pending', co1.token);
      await h.request('POST', `/v1/users/${co1.id}/quorum-key/challenge`, co1.token);
      await h.registerKey(co1);
      await new Promise((r) => setTimeout(r, 300));
      const probe = new Redis(redis.url);
      const slots = new Map<number, string>();
      for (const args of seen) {
        const keys = (await probe.call('COMMAND', 'GETKEYS', ...args).catch(() => [])) as string[];
        for (const key of keys) if (key.startsWith(`{${h.prefix}}:`)) slots.set(keySlot(key), key);
      }
      probe.disconnect();
      expect(seen.length).toBeGreaterThan(50);
      expect([...slots.keys()]).toHaveLength(1);
    } finally {
      monitor.disconnect();
      client.disconnect();
      await h.close({ keepKeys: true });
      await redis.stop();
    }
  });

  it('SIGTERM during a long-poll answers the waiter and exits cleanly', async () => {
    const h = await Harness.start();
    const server = await ServerProcess.start({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    try {
      const issued = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation: { command: 'x' } });
      const waiter = fetch(`${server.url}/v1/tokens/${issued.body.token.id}?wait=60`, { headers: { authorization: `Bearer ${h.adminToken}` } });
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      const exited = server.stop('SIGTERM');
      const res = await waiter;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { token: { status: string } }).token.status).toBe('PENDING');
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await server.stop();
      await h.close();
    }
  });
});

/**
 * `npm run bench [-- --quick]`: quorumd against the limits of this machine, as ratios
 * measured in the same run (README "Benchmark"). Starts its own redis-server and processes, prints one
 * table and a PASS/MISS line per bar, writes bench/results.json, and exits 0 when it ran.
 */
import { constants, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import forge from 'node-forge';
import { KeyObjectCache, decodeSignature, hashPassword, newTokenDocument, parseQuorumPublicKey, tokenBytes, verifySignature } from '@quorumd/core';
import { startLocalRedis } from '@quorumd/api';
import { AuditSealer, QuorumStore, SYSTEM } from '@quorumd/store';
import { Redis } from 'ioredis';
import { Client } from './http-client';
import { cpuPerRequest } from './cpu-time';
import { ROOT, runToEnd, startChild } from './processes';
import { opsPerSecond, percentile } from './stats';

const quick = process.argv.includes('--quick');
const SIZE = quick
  ? { duration: 5, approvals: 3000, warmUpApprovals: 1000, waiterRounds: 100, cos: 1000, openTokens: 20_000, reads: 300, connections: 20 }
  : { duration: 15, approvals: 10_000, warmUpApprovals: 2500, waiterRounds: 300, cos: 1000, openTokens: 100_000, reads: 1000, connections: 20 };
const PREFIX = 'bench';
const ADMIN_PASSWORD = 'bench-admin-password';
const APPROVERS = 5;

interface Row {
  measure: string;
  value: string;
  ratio?: string;
}
const rows: Row[] = [];
const results: Record<string, number> = {};
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function load(url: string, opts: Partial<autocannon.Options> & { requests?: autocannon.Request[] }): Promise<{ rps: number; answered: number; non2xx: number; p99: number }> {
  // Timed from the start to the last response: autocannon ends a run on its one-second tick,
  // so its own duration (and a wall clock around it) overstates short `amount` runs.
  const started = process.hrtime.bigint();
  let last = started;
  let answered = 0;
  // Without a callback autocannon returns its event emitter, which is also the result's promise.
  const instance = autocannon({ url, connections: SIZE.connections, ...opts }) as unknown as Promise<autocannon.Result> & {
    on(event: 'response', listener: () => void): void;
  };
  instance.on('response', () => {
    answered++;
    last = process.hrtime.bigint();
  });
  const result = await instance;
  const seconds = Number(last - started) / 1e9;
  return { rps: answered / seconds, answered, non2xx: result.non2xx + result.errors, p99: result.latency.p99 };
}

function keyPair(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

async function drained(redis: Redis, store: QuorumStore): Promise<void> {
  const waitKey = `${store.keys.queuePrefix()}:deliveries:wait`;
  for (let i = 0; i < 600; i++) {
    const [outbox, waiting] = await Promise.all([redis.xlen(store.keys.outbox()), redis.llen(waitKey)]);
    if (outbox === 0 && waiting === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How long after now the sealer has hashed every entry appended up to now, into the chain and the Merkle tree (ms). */
async function sealingLag(redis: Redis, store: QuorumStore): Promise<number> {
  const start = Date.now();
  const head = Number((await redis.hget(store.keys.auditHead(), 'seq')) ?? 0);
  for (;;) {
    const [seq, tree] = await redis.hmget(store.keys.auditSealed(), 'seq', 'tree');
    if (Math.min(Number(seq ?? 0), Number(tree ?? 0)) >= head || Date.now() - start > 30_000) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'quorumd-bench-'));
  const redisServer = await startLocalRedis(dataDir);
  const redis = new Redis(redisServer.url);
  const store = new QuorumStore(redis, { prefix: PREFIX, retentionMs: 7 * 24 * 3600 * 1000 });
  log(`redis ${redisServer.url}, ${quick ? 'quick' : 'full'} run`);

  // 1. Baseline: a bare fastify POST route.
  const baselineServer = await startChild('bench/dist/baseline-server.js', {}, null);
  await new Promise((r) => setTimeout(r, 500));
  await startChildReady(baselineServer.url + '/echo');
  const baseline = await load(baselineServer.url + '/echo', { method: 'POST', duration: SIZE.duration, headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
  await baselineServer.stop();
  results.baselineRps = baseline.rps;
  rows.push({ measure: 'baseline: bare fastify POST (req/s)', value: baseline.rps.toFixed(0) });

  // 1b. The floors: the least work an approval and a token issue can be here (bench/src/floor-server.ts).
  const floorKey = keyPair();
  const floorData = Buffer.from('{"floor":"token bytes of about the size quorumd signs","pad":"' + 'x'.repeat(400) + '"}');
  const floorServer = await startChild('bench/dist/floor-server.js', { REDIS_URL: redisServer.url, FLOOR_PUBLIC_KEY: floorKey.publicPem, FLOOR_DATA: floorData.toString('base64') }, null);
  await new Promise((r) => setTimeout(r, 500));
  const floorSignature = sign('sha256', floorData, floorKey.privateKey).toString('base64');
  const floorPids = { server: floorServer.process.pid!, redis: redisServer.pid, 'load generator': process.pid };
  let cpu = cpuPerRequest(floorPids);
  const approvalFloor = await load(floorServer.url + '/approve', {
    method: 'POST',
    duration: SIZE.duration,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signature: floorSignature, token: '00000000-0000-4000-8000-000000000000', user: 2 }),
  });
  const approvalFloorCpu = cpu(approvalFloor.answered);
  cpu = cpuPerRequest(floorPids);
  const issueFloor = await load(floorServer.url + '/issue', {
    method: 'POST',
    duration: SIZE.duration,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation: { command: 'hsm:deleteUser', args: { id: 42 } } }),
  });
  const issueFloorCpu = cpu(issueFloor.answered);
  await floorServer.stop();
  await redis.eval("for _, k in ipairs(redis.call('KEYS', '{floor}:*')) do redis.call('DEL', k) end return 1", 0);
  results.approvalFloorRps = approvalFloor.rps;
  results.issueFloorRps = issueFloor.rps;
  rows.push({ measure: 'approval floor: verify RSA-2048 + the writes in one script call (req/s)', value: approvalFloor.rps.toFixed(0), ratio: `${((approvalFloor.rps / baseline.rps) * 100).toFixed(1)}% of baseline` });
  rows.push({ measure: 'issue floor: canonical token bytes + the writes in one script call (req/s)', value: issueFloor.rps.toFixed(0), ratio: `${((issueFloor.rps / baseline.rps) * 100).toFixed(1)}% of baseline` });
  rows.push({ measure: '  CPU per request, approval floor / issue floor (us)', value: '', ratio: `${approvalFloorCpu}  |  ${issueFloorCpu}` });

  // 2. The service, as deployed: an API process and a worker process on one Redis.
  const env = {
    REDIS_URL: redisServer.url,
    QUORUM_REDIS_PREFIX: PREFIX,
    QUORUM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    QUORUM_INLINE_WORKER: 'false',
    QUORUM_TOKEN_TTL_SECONDS: '3600',
    // The worker's audit key and checkpoint file.
    QUORUM_DATA_DIR: dataDir,
    // The load generator is one client: per-caller limits would measure the limiter.
    QUORUM_RATE_LIMIT_ISSUE: '1000000000',
    QUORUM_RATE_LIMIT_LOGIN: '1000000000',
  };
  const api = await startChild('services/api/dist/server.js', env, '/healthz');
  const worker = await startChild('services/worker/dist/main.js', env, null);
  const client = new Client(api.url);
  const admin = (await client.ok<{ token: string }>('POST', '/v1/sessions', undefined, { name: 'admin', password: ADMIN_PASSWORD })).token;
  const officers: { id: number; token: string; privateKey: KeyObject }[] = [];
  for (let i = 1; i <= APPROVERS; i++) {
    const name = `bench_co${i}`;
    const user = (await client.ok<{ user: { id: number } }>('POST', '/v1/users', admin, { type: 'CO', name, password: `${name}-password` })).user;
    const token = (await client.ok<{ token: string }>('POST', '/v1/sessions', undefined, { name, password: `${name}-password` })).token;
    const key = keyPair();
    const challenge = await client.ok<{ challengeId: string; challenge: string }>('POST', `/v1/users/${user.id}/quorum-key/challenge`, token);
    const signature = sign('sha256', Buffer.from(challenge.challenge, 'base64'), key.privateKey).toString('base64');
    await client.ok('PUT', `/v1/users/${user.id}/quorum-key`, token, { publicKeyPem: key.publicPem, challengeId: challenge.challengeId, signature });
    officers.push({ id: user.id, token, privateKey: key.privateKey });
  }
  // Scale fixture, part 1: 1,000 COs in all (created while USER_MGMT's M is still 1).
  const pwHash = await hashPassword('scale-password');
  for (let i = (await store.users.list()).length; i < SIZE.cos; i++) {
    await store.users.create({ tokenId: undefined, requesterKey: 'user:1', operation: '', issuer: '', requesterMayApprove: true }, { name: `scale_co${i}`, type: 'CO', passwordHash: pwHash }, SYSTEM);
  }
  await client.ok('PUT', '/v1/quorum/values/USER_MGMT', admin, { m: APPROVERS });

  // 3. Token issue, fanned out by the worker to the 5 COs.
  const servicePids = { api: api.process.pid!, worker: worker.process.pid!, redis: redisServer.pid, 'load generator': process.pid };
  cpu = cpuPerRequest(servicePids);
  const issueBody = JSON.stringify({ service: 'USER_MGMT', operation: { command: 'hsm:deleteUser', args: { id: 42 } } });
  const issue = await load(api.url + '/v1/tokens', {
    method: 'POST',
    duration: SIZE.duration,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: issueBody,
  });
  results.issueRps = issue.rps;
  rows.push({ measure: `token issue, ${APPROVERS} approvers without webhooks: no delivery jobs (req/s)`, value: issue.rps.toFixed(0), ratio: `${((issue.rps / issueFloor.rps) * 100).toFixed(1)}% of the issue floor` });
  rows.push({ measure: '  CPU per token issued (us)', value: '', ratio: cpu(issue.answered) });
  if (issue.non2xx > 0) log(`issue: ${issue.non2xx} non-2xx answers`);
  const issueLag = await sealingLag(redis, store);
  await drained(redis, store);

  // 4. Approvals end to end: real RSA-2048 signatures, verified, committed. A first, unmeasured
  // round warms the approval path (JIT, caches) as the floor's own 15 s load warms the floor: the
  // measured round compares steady states, not one path's first seconds with the other's average.
  const approvalRound = async (count: number, firstArg: number) => {
    const ids: string[] = [];
    const bodies: { path: string; body: string; auth: string }[] = [];
    for (let t = 0; t < Math.ceil(count / APPROVERS); t++) {
      const id = (await client.ok<{ token: { id: string } }>('POST', '/v1/tokens', admin, { service: 'USER_MGMT', operation: { command: 'hsm:deleteUser', args: { id: firstArg + t } } })).token.id;
      ids.push(id);
      const bytes = await client.bytes(`/v1/tokens/${id}/bytes`, admin);
      for (const o of officers) {
        bodies.push({ path: `/v1/tokens/${id}/approvals`, body: JSON.stringify({ signature: sign('sha256', bytes, o.privateKey).toString('base64') }), auth: `Bearer ${o.token}` });
      }
    }
    // The fan-out of these tokens is the issue benchmark's business: let the worker finish it first.
    await drained(redis, store);
    let next = 0;
    const cpu = cpuPerRequest(servicePids);
    const answer = await load(api.url, {
      amount: bodies.length,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const b = bodies[next++ % bodies.length]!;
            return { ...req, path: b.path, body: b.body, headers: { 'content-type': 'application/json', authorization: b.auth } };
          },
        },
      ],
    });
    return { ids, answer, cpu: cpu(answer.answered) };
  };
  const warmUp = await approvalRound(SIZE.warmUpApprovals, 100_000);
  if (warmUp.answer.non2xx > 0) log(`warm-up approvals: ${warmUp.answer.non2xx} non-2xx answers`);
  await drained(redis, store);
  const memoryBefore = await usedMemory(redis);
  const indexKeys = [store.keys.audit(), store.keys.auditHashes(), store.keys.auditTree(0), store.keys.auditTokenEntries(), store.keys.allTokens(), store.keys.requesterTokens('user:1')];
  const indexBefore = await keyMemory(redis, indexKeys);
  const eachBefore = await Promise.all(indexKeys.map((k) => keyMemory(redis, [k])));
  const { ids: approvedIds, answer: approvals, cpu: approvalCpu } = await approvalRound(SIZE.approvals, 1000);
  const tokenCount = approvedIds.length;
  results.approvalRps = approvals.rps;
  const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(await redis.info('commandstats'));
  if (evalsha) rows.push({ measure: '  Redis time per script call so far (us, INFO commandstats evalsha)', value: Number(evalsha[3]).toFixed(1) });
  rows.push({ measure: `approvals end to end, RSA-2048, after ${SIZE.warmUpApprovals} unmeasured (req/s)`, value: approvals.rps.toFixed(0), ratio: `${((approvals.rps / approvalFloor.rps) * 100).toFixed(1)}% of the approval floor` });
  rows.push({ measure: `  the ${SIZE.warmUpApprovals} warm-up approvals, from a cold start (req/s; not a bar)`, value: warmUp.answer.rps.toFixed(0), ratio: `${((warmUp.answer.rps / approvalFloor.rps) * 100).toFixed(1)}%; CPU ${warmUp.cpu}` });
  rows.push({ measure: '  CPU per approval (us)', value: '', ratio: approvalCpu });
  if (approvals.non2xx > 0) log(`approvals: ${approvals.non2xx} non-2xx answers`);
  const approvalLag = await sealingLag(redis, store);
  results.sealingLagMs = Math.max(issueLag, approvalLag);
  rows.push({ measure: 'audit sealing behind the writes, at the end of the issue / approval load (ms)', value: `${issueLag} / ${approvalLag}` });

  // 5. Memory per finished token: the approved tokens are consumed, the worker drains.
  for (const id of approvedIds) await client.ok('POST', `/v1/tokens/${id}/consume`, admin, { operation: { command: 'hsm:deleteUser', args: { id: 1000 + approvedIds.indexOf(id) } } });
  await drained(redis, store);
  await new Promise((r) => setTimeout(r, 1000));
  const memoryAfter = await usedMemory(redis);
  const tokenHashes = await keyMemory(redis, approvedIds.map((id) => store.keys.token(id)));
  const indexGrowth = (await keyMemory(redis, indexKeys)) - indexBefore;
  const eachGrowth = (await Promise.all(indexKeys.map((k) => keyMemory(redis, [k])))).map((after, i) => (after - eachBefore[i]!) / tokenCount);
  const perToken = (tokenHashes + indexGrowth) / tokenCount;
  results.memoryPerFinishedTokenBytes = perToken;
  results.memoryPerTokenWithJobsBytes = (memoryAfter - memoryBefore) / tokenCount;
  rows.push({
    measure: `Redis memory per finished token, M=${APPROVERS}: token + audit entries + indexes`,
    value: `${(perToken / 1024).toFixed(2)} KB`,
    ratio: `(token hash ${(tokenHashes / tokenCount / 1024).toFixed(2)} KB, audit+indexes ${(indexGrowth / tokenCount / 1024).toFixed(2)} KB)`,
  });
  rows.push({ measure: '  per token: audit entries / their hashes / Merkle tree / token-entry index / all-tokens index / requester index (bytes)', value: eachGrowth.map((b) => b.toFixed(0)).join(' / ') });
  const sample = await redis.hgetallBuffer(store.keys.token(approvedIds[0]!));
  const fieldBytes = (pick: (field: string) => boolean) => Object.entries(sample).filter(([f]) => pick(f)).reduce((n, [f, v]) => n + f.length + v.length, 0);
  rows.push({
    measure: '  one finished token hash, content bytes: doc / votes / other fields',
    value: `${fieldBytes((f) => f === 'doc')} / ${fieldBytes((f) => f.startsWith('v:'))} / ${fieldBytes((f) => f !== 'doc' && !f.startsWith('v:'))}`,
    ratio: `(MEMORY USAGE ${await redis.call('MEMORY', 'USAGE', store.keys.token(approvedIds[0]!), 'SAMPLES', '0')})`,
  });
  rows.push({
    measure: '  same, used_memory delta incl. retained BullMQ jobs (1 h, <= 10,000)',
    value: `${(results.memoryPerTokenWithJobsBytes / 1024).toFixed(2)} KB`,
  });

  // 6. Signature verification: quorumd's path vs raw node:crypto vs node-forge.
  const key = keyPair();
  const data = tokenBytes(newTokenDocument({ service: 'USER_MGMT', operation: { command: 'hsm:deleteUser', args: { id: 1 } }, requester: { kind: 'user', id: 1, name: 'admin' }, m: 2, issuer: 'bench', now: Date.now(), ttlSeconds: 600 }));
  const sigB64 = sign('sha256', data, key.privateKey).toString('base64');
  const sig = Buffer.from(sigB64, 'base64');
  const parsed = parseQuorumPublicKey(key.publicPem);
  const cache = new KeyObjectCache();
  const raw: KeyObject = createPublicKey(key.publicPem);
  const quorumdPath = () => {
    if (!verifySignature(cache.get(parsed.fingerprint, parsed.pem), 'RS256', data, decodeSignature(sigB64))) throw new Error('verify');
  };
  const rawPath = () => {
    if (!verify('sha256', data, { key: raw, padding: constants.RSA_PKCS1_PADDING }, sig)) throw new Error('verify');
  };
  // Interleaved rounds, the median of each: on a shared machine one long window each would
  // compare two different moments of the machine rather than the two paths.
  const quorumdRounds: number[] = [];
  const rawRounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    quorumdRounds.push(opsPerSecond(quorumdPath, 150));
    rawRounds.push(opsPerSecond(rawPath, 150));
  }
  const quorumdOps = percentile(quorumdRounds, 50);
  const rawOps = percentile(rawRounds, 50);
  const forgeKey = forge.pki.publicKeyFromPem(key.publicPem) as forge.pki.rsa.PublicKey;
  const binarySig = sig.toString('binary');
  const forgeOps = opsPerSecond(() => {
    const md = forge.md.sha256.create();
    md.update(data.toString('binary'));
    if (!forgeKey.verify(md.digest().bytes(), binarySig)) throw new Error('verify');
  }, 500);
  results.verifyQuorumdOps = quorumdOps;
  results.verifyRawOps = rawOps;
  results.verifyForgeOps = forgeOps;
  rows.push({ measure: 'verify RSA-2048: quorumd path (ops/s)', value: quorumdOps.toFixed(0), ratio: `${((quorumdOps / rawOps) * 100).toFixed(1)}% of raw node:crypto` });
  rows.push({ measure: 'verify RSA-2048: raw node:crypto, cached KeyObject (ops/s)', value: rawOps.toFixed(0) });
  rows.push({ measure: 'verify RSA-2048: node-forge (ops/s)', value: forgeOps.toFixed(0), ratio: `quorumd is ${(quorumdOps / forgeOps).toFixed(1)}x node-forge` });

  // 7. Final approval -> long-polling waiter answered.
  const lags: number[] = [];
  for (let round = 0; round < SIZE.waiterRounds; round++) {
    const id = (await client.ok<{ token: { id: string } }>('POST', '/v1/tokens', admin, { service: 'USER_MGMT', operation: { command: 'hsm:deleteUser', args: { id: 5 } } })).token.id;
    const bytes = await client.bytes(`/v1/tokens/${id}/bytes`, admin);
    const signed = officers.map((o) => ({ o, signature: sign('sha256', bytes, o.privateKey).toString('base64') }));
    for (const { o, signature } of signed.slice(0, -1)) await client.ok('POST', `/v1/tokens/${id}/approvals`, o.token, { signature });
    let answeredAt = 0n;
    const waiter = fetch(`${api.url}/v1/tokens/${id}?wait=30`, { headers: { authorization: `Bearer ${admin}` } }).then(async (r) => {
      answeredAt = process.hrtime.bigint();
      await r.arrayBuffer();
    });
    await new Promise((r) => setTimeout(r, 5));
    const last = signed.at(-1)!;
    await client.ok('POST', `/v1/tokens/${id}/approvals`, last.o.token, { signature: last.signature });
    const approvedAt = process.hrtime.bigint();
    await waiter;
    lags.push(Number(answeredAt - approvedAt) / 1e6);
  }
  const waiterP50 = percentile(lags, 50);
  const waiterP99 = percentile(lags, 99);
  results.waiterP50Ms = waiterP50;
  results.waiterP99Ms = waiterP99;
  rows.push({ measure: `final approval answered -> waiter answered (ms, ${SIZE.waiterRounds} rounds; < 0: waiter first)`, value: `p50 ${waiterP50.toFixed(2)}, p99 ${waiterP99.toFixed(2)}` });

  // 8. Scale: 1,000 COs and many open tokens; a CO's pending list and a token read.
  await worker.stop();
  const issuer = (await redis.hget(store.keys.meta(), 'issuer')) ?? 'bench';
  let lastId = '';
  const batch = 500;
  for (let done = 0; done < SIZE.openTokens; done += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, SIZE.openTokens - done) }, async (_, i) => {
        const doc = newTokenDocument({ service: 'USER_MGMT', operation: { command: 'hsm:deleteUser', args: { id: done + i } }, requester: { kind: 'user', id: 1, name: 'admin' }, m: APPROVERS, issuer, now: Date.now(), ttlSeconds: 3600 });
        await store.tokens.issue(doc, tokenBytes(doc), ['USER_MGMT'], { key: 'user:1', userId: 1 }, {}, SYSTEM);
        lastId = doc.id;
      }),
    );
  }
  await redis.del(store.keys.outbox());
  await persistenceIdle(redis);
  const openCount = await redis.zcard(store.keys.openTokens());
  const co = officers[0]!;
  // Each measured from a fresh client process (bench/src/latency-client.ts).
  const pending = await latenciesFrom(`${api.url}/v1/officers/me/pending?limit=100`, co.token);
  const read = await latenciesFrom(`${api.url}/v1/tokens/${lastId}`, admin);
  results.pendingP50Ms = pending.p50;
  results.pendingP99Ms = pending.p99;
  results.readP50Ms = read.p50;
  results.readP99Ms = read.p99;
  results.openTokens = openCount;
  const userCount = (await store.users.list()).length;
  rows.push({ measure: `pending list, ${userCount} users, ${openCount} open tokens (ms)`, value: `p50 ${pending.p50.toFixed(2)}, p99 ${pending.p99.toFixed(2)}` });
  rows.push({ measure: `token read, same state (ms)`, value: `p50 ${read.p50.toFixed(2)}, p99 ${read.p99.toFixed(2)}` });

  // 8. Audit proofs over the whole log (the tokens above made it long): the worker is stopped,
  // so a sealer here grows the Merkle tree to the head once its lease runs out.
  const sealer = new AuditSealer(store, { id: 'bench-sealer', checkpointIntervalMs: 1000, log: () => undefined, alarm: () => undefined });
  const auditHead = await store.audit.headSeq();
  while ((await store.audit.treeSize()) < auditHead) {
    await sealer.round();
    await new Promise((r) => setTimeout(r, 50));
  }
  const treeSize = await store.audit.treeSize();
  const inclusion = await latenciesFrom(`${api.url}/v1/audit/proof/inclusion?index=${Math.floor(treeSize / 2)}&size=${treeSize}`, admin);
  const consistency = await latenciesFrom(`${api.url}/v1/audit/proof/consistency?from=${Math.floor(treeSize / 3)}&to=${treeSize}`, admin);
  results.auditTreeSize = treeSize;
  results.proofP99Ms = Math.max(inclusion.p99, consistency.p99);
  rows.push({ measure: `audit inclusion / consistency proof, ${treeSize} entries (ms)`, value: `p99 ${inclusion.p99.toFixed(2)} / ${consistency.p99.toFixed(2)}`, ratio: `p50 ${inclusion.p50.toFixed(2)} / ${consistency.p50.toFixed(2)}` });

  await api.stop();
  redis.disconnect();
  await redisServer.stop();
  rmSync(dataDir, { recursive: true, force: true });
  report();
}

/** p50 and p99 (ms) of SIZE.reads GETs of `url`, one after another, from a fresh client process. */
async function latenciesFrom(url: string, token: string): Promise<{ p50: number; p99: number }> {
  return JSON.parse(await runToEnd('bench/dist/latency-client.js', [JSON.stringify({ url, authorization: `Bearer ${token}`, n: SIZE.reads })])) as { p50: number; p99: number };
}

async function startChildReady(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Waits out a background AOF rewrite or RDB save: measure the steady state, not a fork. */
async function persistenceIdle(redis: Redis): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const info = await redis.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /rdb_bgsave_in_progress:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function keyMemory(redis: Redis, keys: string[]): Promise<number> {
  let total = 0;
  for (const key of keys) {
    // A string grown by APPEND (the audit Merkle tree) is allocated ahead, in steps up to 1 MB: its length is what each token adds.
    if ((await redis.type(key)) === 'string') total += await redis.strlen(key);
    else total += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  }
  return total;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

function report(): void {
  const bars = [
    { bar: 'approvals >= 60% of the approval floor', measured: results.approvalRps! / results.approvalFloorRps!, pass: (v: number) => v >= 0.6, show: (v: number) => `${(v * 100).toFixed(1)}%` },
    { bar: 'token issue >= 60% of the issue floor', measured: results.issueRps! / results.issueFloorRps!, pass: (v: number) => v >= 0.6, show: (v: number) => `${(v * 100).toFixed(1)}%` },
    { bar: 'verification >= 80% of raw node:crypto', measured: results.verifyQuorumdOps! / results.verifyRawOps!, pass: (v: number) => v >= 0.8, show: (v: number) => `${(v * 100).toFixed(1)}%` },
    { bar: 'quorum -> waiter p99 < 5 ms', measured: results.waiterP99Ms!, pass: (v: number) => v < 5, show: (v: number) => `${v.toFixed(2)} ms` },
    { bar: 'pending list p99 < 10 ms', measured: results.pendingP99Ms!, pass: (v: number) => v < 10, show: (v: number) => `${v.toFixed(2)} ms` },
    { bar: 'token read p99 < 10 ms', measured: results.readP99Ms!, pass: (v: number) => v < 10, show: (v: number) => `${v.toFixed(2)} ms` },
    { bar: 'audit proof endpoints p99 < 10 ms', measured: results.proofP99Ms!, pass: (v: number) => v < 10, show: (v: number) => `${v.toFixed(2)} ms at ${results.auditTreeSize} entries` },
    { bar: 'audit sealing lags the writes by < 1 s', measured: results.sealingLagMs!, pass: (v: number) => v < 1000, show: (v: number) => `${v} ms` },
    { bar: 'Redis memory per finished token < 4 KB', measured: results.memoryPerFinishedTokenBytes!, pass: (v: number) => v < 4096, show: (v: number) => `${(v / 1024).toFixed(2)} KB` },
  ];
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
  const width = Math.max(...rows.map((r) => r.measure.length));
  const lines = [`quorumd bench (${quick ? 'quick' : 'full'}) on ${machine}`, ''];
  for (const r of rows) lines.push(`${r.measure.padEnd(width)}  ${r.value.padStart(22)}  ${r.ratio ?? ''}`.trimEnd());
  lines.push('');
  const verdicts = bars.map((b) => ({ bar: b.bar, measured: b.show(b.measured), pass: b.pass(b.measured) }));
  for (const v of verdicts) lines.push(`${v.pass ? 'PASS' : 'MISS'}  ${v.bar}: ${v.measured}`);
  process.stdout.write(lines.join('\n') + '\n');
  const summary = {
    ratios: {
      approvalsToFloor: results.approvalRps! / results.approvalFloorRps!,
      issueToFloor: results.issueRps! / results.issueFloorRps!,
      verifyToRaw: results.verifyQuorumdOps! / results.verifyRawOps!,
    },
    latency: { waiterP99Ms: results.waiterP99Ms, pendingP99Ms: results.pendingP99Ms, readP99Ms: results.readP99Ms },
    memory: { bytesPerFinishedToken: results.memoryPerFinishedTokenBytes },
  };
  writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify({ mode: quick ? 'quick' : 'full', machine, at: new Date().toISOString(), ...summary, results, table: rows, bars: verdicts }, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);

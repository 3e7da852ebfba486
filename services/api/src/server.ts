import { resolve } from 'node:path';
import {
  QuorumStore,
  TokenEvents,
  RedisConnectionMonitor,
  closeConnections,
  connectForEvents,
  connectForRequests,
  createRedis,
  redactUrl,
  redisErrorFields,
  waitForReplicasInSync,
  waitUntilReady,
} from '@quorumd/store';
import type { Logger } from 'pino';
import { bootstrapAdmin } from './admin-bootstrap';
import { buildApp } from './app';
import { createLogger, loadConfig, type Config } from '@quorumd/config';
import { QuorumQueues, startWorker, type RunningWorker } from '@quorumd/queue';
import { DataDirLock } from './data-dir-lock';
import { startLocalRedis, stopLeftoverRedis, type LocalRedis } from './local-redis';
import { Metrics } from './metrics';
import { ShutdownSteps } from './shutdown-steps';
import { adminLine, publicUrl, startBanner } from './start-banner';
import { startFailureLine } from './start-error';

/** Longest a stop may take before the process gives up and exits 1. */
const SHUTDOWN_DEADLINE_MS = 10_000;
/** The inline worker's graceful steps end this long before that deadline: room for the connections and the local redis-server. */
const AFTER_WORKER_MS = 2000;

/**
 * The process: config, the data dir lock and the local Redis (when REDIS_URL is unset),
 * Redis connections, bootstrap, HTTP (and the inline worker), a start banner, and an
 * ordered, bounded stop — on SIGTERM/SIGINT, and of whatever had started when a start fails.
 */
async function main(): Promise<void> {
  const steps = new ShutdownSteps();
  let config: Config | undefined;
  let logger: Logger | undefined;
  let stopping = false;
  /** Set by a stop: when every step must be done (a failed start stops with each step's own bounds). */
  let stopBy: number | undefined;
  // Closing connections on purpose is no outage: once stopping, connection changes go unreported.
  let muteReports = (): void => undefined;

  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    stopBy = Date.now() + SHUTDOWN_DEADLINE_MS - 200;
    logger?.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger?.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    muteReports();
    await steps.runAll(
      (name, err) => logger?.warn({ step: name, err }, 'shutdown step failed'),
      (name, ms) => logger?.debug({ step: name, ms }, 'stopped'),
    );
    process.exit(0);
  };
  // process.on, not once: one Ctrl-C under `npm start` arrives twice (from the terminal and
  // forwarded by npm), and a second SIGINT must not kill the process half-way through its stop.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    config = loadConfig();
    const cfg = config;
    const log = createLogger(cfg);
    logger = log;

    let localRedis: LocalRedis | undefined;
    let lock: DataDirLock | undefined;
    let url = cfg.redisUrl;
    if (!url) {
      // The data dir is this process's alone while it runs; a second start refuses and touches nothing.
      lock = DataDirLock.acquire(cfg.dataDir);
      const held = lock;
      steps.add('data dir lock', () => held.release());
      process.on('exit', () => held.release());
      const leftover = await stopLeftoverRedis(held.dataDir, held.previous?.redisPid);
      if (leftover.length > 0) log.warn({ pids: leftover, dataDir: held.dataDir }, 'stopped the redis-server an earlier quorumd left running on this data dir');
      localRedis = await startLocalRedis(held.dataDir);
      const started = localRedis;
      steps.add('local redis-server', () => started.stop(stopBy === undefined ? undefined : Math.max(200, stopBy - Date.now())));
      url = started.url;
      held.update({ redisUrl: url, redisPid: started.pid, prefix: cfg.redisPrefix });
      log.info({ redis: url, dataDir: held.dataDir, pid: started.pid }, 'started a local redis-server with AOF persistence');
    }
    const redisUrl = url;

    const monitor = new RedisConnectionMonitor((change, fields) => {
      const message = { lost: 'redis connection lost; requests answer 503 RET_STORE_UNAVAILABLE until it is back', reconnecting: 'reconnecting to redis', back: 'redis connection back' }[change];
      log[change === 'lost' ? 'warn' : 'info']({ redis: redactUrl(redisUrl), ...fields }, message);
    });
    const redis = monitor.watch(connectForRequests(redisUrl));
    const subscriber = monitor.watch(connectForEvents(redisUrl));
    steps.add('redis connections', () => closeConnections([redis, subscriber]));
    muteReports = () => monitor.mute();
    await waitUntilReady(redis, redisUrl, 10_000);

    const store = new QuorumStore(redis, { prefix: cfg.redisPrefix, retentionMs: cfg.tokenRetentionSeconds * 1000, replicaAcks: { minReplicas: cfg.minReplicas, timeoutMs: cfg.replicaAckTimeoutMs } });
    // One line per change of durability: what the WAITs after changes (and /readyz) found.
    store.ctx.durability.onChange((change, state, fields) => {
      if (change === 'restored') return log.info({ ...fields }, 'redis replicas acknowledge the changes again');
      if (state.degraded === 'replica-gone') return log.warn({ ...fields }, 'redis replica gone: changes are held by the master alone (WAIT now asks for 0 replicas)');
      log.warn({ ...fields }, `redis replicas do not acknowledge the changes within ${cfg.replicaAckTimeoutMs} ms: changes answer 503 with mayHaveCommitted until they do`);
    });
    // A replica still in its first sync is counted by the master but cannot acknowledge: the
    // bootstrap (and every change) would wait for it in vain. Wait for it, bounded, first.
    await waitForReplicasInSync(store.ctx, {
      minReplicas: cfg.minReplicas,
      timeoutMs: cfg.startTimeoutSeconds * 1000,
      report: (message, fields) => log.info(fields, message),
    });
    const boot = await bootstrapAdmin(store, {
      issuer: cfg.issuer,
      adminPassword: cfg.adminPassword,
      timeoutMs: cfg.startTimeoutSeconds * 1000,
      onRetry: (err) => log.warn({ err }, 'the bootstrap may have committed without its replication confirmed; reading it back and completing it'),
    });
    const issuer = boot.issuer;
    const events = new TokenEvents(subscriber, store.keys.events());
    await events.start();

    // The notification worker runs inside this process unless QUORUM_INLINE_WORKER=false
    // (then run services/worker on its own, as many as needed).
    let worker: RunningWorker | undefined;
    let queues: QuorumQueues;
    if (cfg.inlineWorker) {
      const running = await startWorker(cfg, redisUrl, log, { monitor });
      worker = running;
      // Its graceful steps share one deadline, ahead of the process's own.
      steps.add('worker', () => running.close({ force: !monitor.healthy, ...(stopBy === undefined ? {} : { deadline: stopBy - AFTER_WORKER_MS }) }));
      queues = running.queues;
    } else {
      const queueConnection = monitor.watch(createRedis(redisUrl, { maxRetriesPerRequest: null }));
      const producer = new QuorumQueues(queueConnection, store.keys.queuePrefix(), { deliveryAttempts: cfg.deliveryAttempts, deliveryBackoffMs: cfg.deliveryBackoffMs });
      steps.add('queues', async () => {
        if (monitor.healthy) await Promise.race([producer.close(), new Promise((r) => setTimeout(r, 1000))]);
        await closeConnections([queueConnection]);
      });
      queues = producer;
    }
    const metrics = new Metrics(queues, { durability: store.ctx.durability, auditSeal: worker?.auditSeal });
    for (const connection of [redis, subscriber]) connection.on('error', () => metrics.redisErrors.inc());
    const app = await buildApp({ store, events, config: cfg, issuer, queues, metrics }, { logger: log, rateLimitRedis: redis });
    steps.add('http', async () => {
      // Waiters (long-polls, event streams) answer at once with the token as it is; in-flight
      // requests finish; keep-alive sockets left idle are closed as they go quiet.
      events.close();
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
    });
    await app.listen({ port: cfg.port, host: cfg.host });

    const address = app.server.address();
    const apiUrl = publicUrl(cfg.host, typeof address === 'object' && address ? address.port : cfg.port);
    lock?.update({ url: apiUrl });
    log.info({ issuer, url: apiUrl, redis: redactUrl(redisUrl), worker: worker !== undefined }, 'quorumd API ready');
    const files = worker ? { auditKey: resolve(cfg.auditKeyFile), checkpoints: resolve(cfg.checkpointFile) } : undefined;
    const facts = { url: apiUrl, redisUrl, prefix: cfg.redisPrefix, admin: boot.admin, ...(files ? { files } : {}), ...(localRedis && lock ? { localRedis: { pid: localRedis.pid, dataDir: lock.dataDir } } : {}) };
    const admin = boot.admin;
    if (admin.kind === 'existing' && admin.adminPassword === 'differs') log.warn({}, adminLine(admin, facts).trim());
    else log.info({ admin: admin.kind, ...(admin.kind === 'missing' ? {} : { createdAt: new Date(admin.createdAt).toISOString() }) }, 'admin');
    const printedPassword = admin.kind === 'created' ? admin.password : undefined;
    if (printedPassword) process.stdout.write(`\n  quorumd: created the crypto officer "admin" with password: ${printedPassword}\n  (shown once; set QUORUM_ADMIN_PASSWORD to choose it)\n`);
    process.stdout.write(startBanner(facts));
  } catch (err) {
    if (stopping) return;
    stopping = true;
    muteReports();
    // A failed start stops whatever it had started (the local Redis, connections, the lock), then says why in one line.
    await steps.runAll(() => undefined);
    process.stderr.write(`quorumd: ${startFailureLine(err, config)}\n`);
    if (config?.logLevel === 'debug' || config?.logLevel === 'trace') process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  }
}

void main();

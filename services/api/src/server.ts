import { randomBytes } from 'node:crypto';
import { hashPassword } from '@quorumd/core';
import { QuorumStore, TokenEvents, connectForEvents, connectForRequests, redactUrl, waitUntilReady } from '@quorumd/store';
import { buildApp } from './app';
import { ConfigError, createLogger, loadConfig } from '@quorumd/config';
import { QuorumQueues, startWorker, type RunningWorker } from '@quorumd/queue';
import { Redis } from 'ioredis';
import { LocalRedisError, startLocalRedis, type LocalRedis } from './local-redis';
import { Metrics } from './metrics';

/** The process: config, Redis, bootstrap, HTTP (and the inline worker), and an ordered, bounded shutdown. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  let localRedis: LocalRedis | undefined;
  let url = config.redisUrl;
  if (!url) {
    localRedis = await startLocalRedis(config.dataDir);
    url = localRedis.url;
    logger.info({ redis: url, dataDir: config.dataDir }, 'started a local redis-server with AOF persistence');
  }
  const redis = connectForRequests(url);
  const subscriber = connectForEvents(url);
  redis.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  subscriber.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis subscriber error'));
  await waitUntilReady(redis, url, 10_000);

  const store = new QuorumStore(redis, { prefix: config.redisPrefix, retentionMs: config.tokenRetentionSeconds * 1000 });
  let issuer = config.issuer;
  if (!(await store.users.isBootstrapped()) || !issuer) {
    const password = config.adminPassword ?? randomBytes(12).toString('base64url');
    const boot = await store.users.bootstrap(issuer ?? `quorumd-${randomBytes(4).toString('hex')}`, await hashPassword(password));
    issuer ??= boot.issuer;
    if (boot.created && !config.adminPassword) {
      process.stdout.write(`\n  quorumd: created the crypto officer "admin" with password: ${password}\n  (shown once; set QUORUM_ADMIN_PASSWORD to choose it)\n\n`);
    }
  }
  const events = new TokenEvents(subscriber, store.keys.events());
  await events.start();
  // The notification worker runs inside this process unless QUORUM_INLINE_WORKER=false
  // (then run services/worker on its own, as many as needed).
  let worker: RunningWorker | undefined;
  let queueConnection: Redis | undefined;
  let queues: QuorumQueues;
  if (config.inlineWorker) {
    worker = await startWorker(config, url, logger);
    queues = worker.queues;
  } else {
    queueConnection = new Redis(url, { maxRetriesPerRequest: null });
    queues = new QuorumQueues(queueConnection, store.keys.queuePrefix(), { deliveryAttempts: config.deliveryAttempts, deliveryBackoffMs: config.deliveryBackoffMs });
  }
  const metrics = new Metrics(queues);
  for (const connection of [redis, subscriber]) connection.on('error', () => metrics.redisErrors.inc());
  const app = await buildApp({ store, events, config, issuer, queues, metrics }, { logger, rateLimitRedis: redis });
  await app.listen({ port: config.port, host: config.host });
  logger.info({ issuer, redis: redactUrl(url) }, 'quorumd API ready');

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 10_000);
    events.close();
    // Answered waiters leave keep-alive sockets behind: close them as they go idle.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
    await app.close();
    clearInterval(sweep);
    if (worker) await worker.close();
    else await queues.close();
    await Promise.allSettled([redis.quit(), subscriber.quit(), ...(queueConnection ? [queueConnection.quit()] : [])]);
    await localRedis?.stop();
    clearTimeout(deadline);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof LocalRedisError) {
    process.stderr.write(`quorumd: ${err.message}\n`);
  } else {
    process.stderr.write(`quorumd failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  }
  process.exit(1);
});

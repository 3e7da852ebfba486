import { ConfigError, createLogger, loadConfig, type Config } from '@quorumd/config';
import type { Logger } from 'pino';
import { RedisUnreachableError, closeConnections, connectForRequests, redactUrl, redisErrorFields, waitUntilReady } from '@quorumd/store';
import { WORKER_STOP_BUDGET_MS, startWorker, type RunningWorker } from '@quorumd/queue';

/** Longest a stop may take before the process gives up and exits 1 (a container's stop grace period should be above it). */
const SHUTDOWN_DEADLINE_MS = 10_000;

/** The worker on its own (`node services/worker/dist/main.js`): any number of replicas. */
async function main(): Promise<void> {
  let worker: RunningWorker | undefined;
  let logger: Logger | undefined;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger?.info({ signal }, 'worker shutting down');
    const deadline = setTimeout(() => {
      logger?.error('worker shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    // The graceful steps share one deadline, ahead of the process's own.
    await worker?.close({ deadline: Date.now() + WORKER_STOP_BUDGET_MS });
    process.exit(0);
  };
  // process.on, not once: a terminal's Ctrl-C may arrive twice (from the terminal and forwarded by npm).
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const config: Config = loadConfig();
  if (!config.redisUrl) throw new ConfigError('REDIS_URL must be set for a stand-alone worker (e.g. REDIS_URL=redis://127.0.0.1:6379)');
  const log = createLogger(config);
  logger = log;
  const probe = connectForRequests(config.redisUrl);
  probe.on('error', () => undefined);
  try {
    await waitUntilReady(probe, config.redisUrl, 10_000);
  } finally {
    await closeConnections([probe], 200);
  }
  if (stopping) return;
  worker = await startWorker(config, config.redisUrl, log);
  log.info({ redis: redactUrl(config.redisUrl) }, 'worker ready');
}

main().catch((err: unknown) => {
  const line =
    err instanceof RedisUnreachableError
      ? `cannot reach Redis at ${redactUrl(err.url)} (REDIS_URL): ${err.lastError?.error ?? `no answer within ${err.waitedMs} ms`}; start Redis there or fix REDIS_URL`
      : err instanceof ConfigError
        ? err.message
        : `failed to start: ${redisErrorFields(err).error}`;
  process.stderr.write(`quorumd worker: ${line}\n`);
  process.exit(1);
});

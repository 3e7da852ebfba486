import { ConfigError, createLogger, loadConfig } from '@quorumd/config';
import { startWorker } from '@quorumd/queue';

/** The worker on its own (`node services/worker/dist/main.js`): any number of replicas. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.redisUrl) throw new ConfigError('REDIS_URL must be set for a stand-alone worker');
  const logger = createLogger(config);
  const worker = await startWorker(config, config.redisUrl, logger);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker shutting down');
    const deadline = setTimeout(() => process.exit(1), 30_000);
    await worker.close();
    clearTimeout(deadline);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`quorumd worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

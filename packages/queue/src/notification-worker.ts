import type { Config } from '@quorumd/config';
import { QuorumStore, SYSTEM, connectForRequests } from '@quorumd/store';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { processDelivery } from './delivery-processor';
import { outboundPolicyForThisHost } from './outbound-guard';
import { DELIVERIES_QUEUE, EXPIRY_QUEUE, type DeliveryJob, type ExpiryJob } from './jobs';
import { OutboxDispatcher } from './outbox-dispatcher';
import { QuorumQueues } from './quorum-queues';

export interface RunningWorker {
  queues: QuorumQueues;
  /** Finishes the jobs in hand, stops taking new ones, closes every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * The notification worker: the outbox dispatcher, the deliveries worker (webhooks and
 * callbacks, retried with exponential backoff, dead-lettered after the last attempt) and
 * the expiry worker. Any number of them may run against one Redis.
 */
export async function startWorker(config: Config, redisUrl: string, logger: Logger): Promise<RunningWorker> {
  const log = logger.child({ module: 'worker' });
  // Workers retry forever while Redis is away (BullMQ's advice); the store connection fails fast.
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const blocking = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const storeRedis = connectForRequests(redisUrl, { enableOfflineQueue: true, lazyConnect: false });
  for (const c of [connection, blocking, storeRedis]) c.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'redis connection error'));
  const store = new QuorumStore(storeRedis, { prefix: config.redisPrefix, retentionMs: config.tokenRetentionSeconds * 1000 });
  const prefix = store.keys.queuePrefix();
  const queues = new QuorumQueues(connection, prefix, { deliveryAttempts: config.deliveryAttempts, deliveryBackoffMs: config.deliveryBackoffMs });

  const policy = outboundPolicyForThisHost(config.webhookAllowedNetworks);
  const deliveries = new Worker<DeliveryJob>(
    DELIVERIES_QUEUE,
    async (job: Job<DeliveryJob>) => processDelivery(store, job.data, config.deliveryTimeoutMs, policy),
    { connection, prefix, concurrency: config.workerConcurrency, lockDuration: config.jobLockMs, stalledInterval: Math.max(1000, Math.floor(config.jobLockMs / 2)) },
  );
  deliveries.on('failed', (job, err) => {
    const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
    const detail = (err as { detail?: unknown }).detail;
    log.warn({ deliveryId: job?.id, attempts: job?.attemptsMade, deadLettered: final, err: { message: err.message, detail } }, 'delivery failed');
  });

  const expiry = new Worker<ExpiryJob>(
    EXPIRY_QUEUE,
    async (job: Job<ExpiryJob>) => {
      const status = await store.tokens.expire(job.data.tokenId, SYSTEM).catch((err: unknown) => {
        if (err instanceof Error && 'code' in err && err.code === 'RET_TOKEN_NOT_FOUND') return 'GONE';
        throw err;
      });
      // Early by a clock's skew: try again shortly (a later due time has its own job).
      if ((status === 'PENDING' || status === 'APPROVED') && store.ctx.clock() < job.data.dueAt) throw new Error('not yet due');
      return status;
    },
    { connection, prefix, concurrency: config.workerConcurrency, lockDuration: config.jobLockMs },
  );

  const dispatcher = new OutboxDispatcher(store, queues, blocking, {
    requesterMayApprove: config.requesterMayApprove,
    claimIdleMs: config.outboxClaimMs,
    log: (message, fields) => log.warn(fields ?? {}, message),
  });
  await dispatcher.start();
  log.info({ prefix }, 'worker running');

  let closing: Promise<void> | undefined;
  return {
    queues,
    close: () => {
      closing ??= (async () => {
        await dispatcher.stop();
        await Promise.allSettled([deliveries.close(), expiry.close()]);
        await queues.close();
        await Promise.allSettled([connection.quit(), blocking.quit(), storeRedis.quit()]);
      })();
      return closing;
    },
  };
}

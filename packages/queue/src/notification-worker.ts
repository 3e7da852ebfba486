import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Config } from '@quorumd/config';
import { parseCheckpointLines, type AuditCheckpoint } from '@quorumd/core';
import { AuditSealer, QuorumStore, RedisConnectionMonitor, SYSTEM, closeConnections, connectForRequests, createRedis, isStoreUnavailable, redactUrl, redisErrorFields, type AuditSealStatus, type AuditSigner } from '@quorumd/store';
import { Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { WitnessSubmitter } from './audit-witness';
import { loadAuditKey } from './audit-key';
import { processDelivery } from './delivery-processor';
import { outboundPolicyForThisHost } from './outbound-guard';
import { DELIVERIES_QUEUE, SCHEDULES_QUEUE, type DeliveryJob, type ScheduleJob } from './jobs';
import { createMailer, sendNotification, type NotificationSenders } from './notification-delivery';
import { NotificationFanOut } from './notification-fanout';
import { NotificationDigest, type DigestWindows } from './notification-digest';
import { ExpirySweeper } from './expiry-sweeper';
import { OutboxDispatcher } from './outbox-dispatcher';
import { QuorumQueues } from './quorum-queues';
import { ShutdownBudget } from './shutdown-budget';

export interface RunningWorker {
  queues: QuorumQueues;
  /** How far this worker's audit sealer sees sealing and signing lag (for /metrics). */
  auditSeal(): AuditSealStatus;
  /**
   * Stops taking jobs, finishes the ones in hand and closes every connection. Idempotent.
   * With Redis gone (or `force`), it does not wait on Redis: jobs in hand are left to be
   * retried after QUORUM_JOB_LOCK_MS, and it returns within about a second.
   */
  close(options?: { force?: boolean; deadline?: number }): Promise<void>;
}

/**
 * The graceful stop's steps in order, and each one's share of the stop's one deadline
 * (`close({ deadline })`, by default WORKER_STOP_BUDGET_MS from now): jobs in hand get the
 * most; whatever a step leaves unused goes to the next.
 */
export const WORKER_STOP_STEPS = [
  ['sealer', 1],
  ['dispatcher', 2],
  ['sweeper', 1],
  ['deliveries', 10],
  ['queues', 2],
  ['connections', 1],
] as const;

/** The graceful stop's default budget: below a process's 10 s stop deadline, with room for what follows it. */
export const WORKER_STOP_BUDGET_MS = 8000;

interface WorkerOptions {
  /** Follows the worker's connections; by default the worker reports on its own (one line per change of state). */
  monitor?: RedisConnectionMonitor;
}

/** Resolves when `work` settles or after `ms`, whichever comes first (then calls `onTimeout`). */
function within(work: Promise<unknown>, ms: number, onTimeout?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      resolve();
    }, ms);
    work.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}

/** A lost connection or a failover, as BullMQ reports it: counted into the outage, never logged one retry at a time. */
function isConnectionError(err: unknown): boolean {
  const { error, code } = redisErrorFields(err);
  return isStoreUnavailable(err) || (code !== undefined && /^E[A-Z]+$/.test(code)) || /Connection is closed|connect|socket|ECONN|ETIMEDOUT|EPIPE/i.test(error);
}

/** The last checkpoint in this process's checkpoint file: what its sealer signed last (none: a new file). */
function lastCheckpointIn(file: string, log: Logger): AuditCheckpoint | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return parseCheckpointLines(readFileSync(file, 'utf8')).at(-1);
  } catch (err) {
    log.error({ file, err }, 'cannot read the audit checkpoint file: the sealer starts without its last checkpoint');
    return undefined;
  }
}

/**
 * The notification worker: the outbox dispatcher, the deliveries worker (webhooks and
 * callbacks, retried with exponential backoff, dead-lettered after the last attempt) and
 * the expiry sweep and the audit sealer. Any number of them may run against one Redis.
 */
export async function startWorker(config: Config, redisUrl: string, logger: Logger, options: WorkerOptions = {}): Promise<RunningWorker> {
  const log = logger.child({ module: 'worker' });
  const ownMonitor = options.monitor === undefined;
  const monitor = options.monitor ?? new RedisConnectionMonitor((change, fields) => log[change === 'back' ? 'info' : 'warn'](fields, `redis connection ${change}`));
  // Workers retry forever while Redis is away (BullMQ's advice); the store connection fails fast.
  const connection = createRedis(redisUrl, { maxRetriesPerRequest: null });
  const blocking = createRedis(redisUrl, { maxRetriesPerRequest: null });
  const storeRedis = connectForRequests(redisUrl, { enableOfflineQueue: true, lazyConnect: false });
  for (const c of [connection, blocking, storeRedis]) monitor.watch(c);
  const onError = (err: unknown) => (isConnectionError(err) ? monitor.noteError(err) : log.child({ module: 'queues' }).warn({ err }, 'queue error'));
  const store = new QuorumStore(storeRedis, { prefix: config.redisPrefix, retentionMs: config.tokenRetentionSeconds * 1000, replicaAcks: { minReplicas: config.minReplicas, timeoutMs: config.replicaAckTimeoutMs } });
  const prefix = store.keys.queuePrefix();
  const queues = new QuorumQueues(connection, prefix, { deliveryAttempts: config.deliveryAttempts, deliveryBackoffMs: config.deliveryBackoffMs });

  const policy = outboundPolicyForThisHost(config.webhookAllowedNetworks);
  const mailer = createMailer(config.smtpUrl, config.deliveryTimeoutMs);
  if (mailer && config.smtpUrl) log.info({ smtp: redactUrl(config.smtpUrl) }, 'notification e-mail goes through this relay');
  else log.info('QUORUM_SMTP_URL is not set: no notification e-mail is sent');
  const senders: NotificationSenders = {
    mailer,
    mailFrom: config.mailFrom,
    publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
    policy,
    timeoutMs: config.deliveryTimeoutMs,
    requesterMayApprove: config.requesterMayApprove,
  };
  const deliveries = new Worker<DeliveryJob>(
    DELIVERIES_QUEUE,
    async (job: Job<DeliveryJob>) => {
      const { target, batch } = job.data;
      if (target.kind !== 'email' && target.kind !== 'chat') return processDelivery(store, job.data, config.deliveryTimeoutMs, policy, config.requesterMayApprove);
      const attempt = { made: job.attemptsMade, of: job.opts.attempts ?? 1 };
      if (batch === undefined) return sendNotification(store, senders, job.data, [job.data], attempt);
      // A digest: every delivery that joined the batch, in one message; the batch goes once it went out.
      const items = await store.notifications.takeDigest(target.userId, target.kind, batch);
      const outcome = items.length === 0 ? { delivered: false, reason: 'empty batch' } : await sendNotification(store, senders, job.data, items, attempt);
      await store.notifications.dropDigest(target.userId, target.kind, batch);
      return outcome;
    },
    { connection, prefix, concurrency: config.workerConcurrency, lockDuration: config.jobLockMs, stalledInterval: Math.max(1000, Math.floor(config.jobLockMs / 2)) },
  );
  deliveries.on('failed', (job, err) => {
    const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
    // The dead-letter list says only "no 2xx answer"; the cause is for this log.
    const detail = (err as { detail?: unknown }).detail;
    log.child({ module: 'deliveries' }).warn({ deliveryId: job?.id, attempts: job?.attemptsMade, deadLettered: final, err, detail }, 'delivery failed');
  });
  deliveries.on('error', onError);

  // Reminders and escalations: a delayed job each, which fans out when due (to whoever its route names then).
  const fanOut = new NotificationFanOut(store, { requesterMayApprove: config.requesterMayApprove, mailEnabled: mailer !== undefined });
  const digestWindows: DigestWindows = { email: config.emailDigestMs, chat: config.chatDigestMs };
  const digest = new NotificationDigest(store, queues, digestWindows);
  const schedules = new Worker<ScheduleJob>(
    SCHEDULES_QUEUE,
    async (job: Job<ScheduleJob>) => {
      const token = await store.tokens.get(job.data.tokenId, config.requesterMayApprove);
      // Ended (approved, rejected, expired) before it was due: nobody is reminded.
      if (!token || token.status !== 'PENDING') return { delivered: false, reason: 'token ended before it was due' };
      const jobs = await fanOut.jobsForToken(job.data.event, token, job.data.round, job.data.step);
      await digest.deliver(jobs);
      return { delivered: true, jobs: jobs.length };
    },
    { connection, prefix, concurrency: config.workerConcurrency, lockDuration: config.jobLockMs, stalledInterval: Math.max(1000, Math.floor(config.jobLockMs / 2)) },
  );
  schedules.on('failed', (job, err) => log.child({ module: 'schedules' }).warn({ scheduleId: job?.id, attempts: job?.attemptsMade, err }, 'schedule failed'));
  schedules.on('error', onError);

  // Each background loop logs through a child logger of its own (`module`), errors as { err }.
  // While Redis is away the monitor has said so once: the loops' retries stay quiet.
  const warnWhileUp =
    (module: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (monitor.healthy) log.child({ module }).warn(fields ?? {}, message);
    };

  // Expiry: a sweep of the indexes writes EXPIRED for what is due (no job per token).
  const sweeper = new ExpirySweeper(store, {
    intervalMs: 250,
    batch: 500,
    log: warnWhileUp('expiry-sweeper'),
    requesterMayApprove: config.requesterMayApprove,
  });
  sweeper.start();
  queues.deliveries.on('error', onError);
  queues.schedules.on('error', onError);

  const dispatcher = new OutboxDispatcher(store, queues, blocking, {
    requesterMayApprove: config.requesterMayApprove,
    claimIdleMs: config.outboxClaimMs,
    // Under load, a batch every 10 ms rather than one read per entry; a webhook waits at most that much more.
    lingerMs: 10,
    mailEnabled: mailer !== undefined,
    digestWindows,
    log: warnWhileUp('outbox-dispatcher'),
  });
  await dispatcher.start();

  // The audit sealer: hashes the log in order and signs checkpoints (one at a time across replicas).
  const key = loadAuditKey(config.auditKeyFile, { create: !config.auditKeyFileGiven });
  log.info({ file: config.auditKeyFile, fingerprint: key.fingerprint, created: key.created }, 'audit key');
  await store.ctx.read((r) => r.setnx(store.keys.auditPublicKey(), key.signer.publicKeyPem));
  const published = await store.audit.publicKeyPem();
  let signer: AuditSigner | undefined = key.signer;
  if (published !== key.signer.publicKeyPem) {
    log.error({ file: config.auditKeyFile }, 'this audit key is not the one this deployment publishes: checkpoints are left to the sealers that hold it (give every replica the same QUORUM_AUDIT_KEY_FILE)');
    signer = undefined;
  }
  mkdirSync(dirname(config.checkpointFile), { recursive: true });
  const sealerLog = log.child({ module: 'audit-sealer' });
  const witnesses = new WitnessSubmitter(store, config.witnessUrls, (message, fields) => sealerLog.error(fields ?? {}, message));
  const sealer = new AuditSealer(store, {
    id: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    signer,
    lastCheckpoint: lastCheckpointIn(config.checkpointFile, log),
    checkpointIntervalMs: config.checkpointIntervalMs,
    ...(config.auditOrigin === undefined ? {} : { origin: config.auditOrigin }),
    onCheckpoint: (checkpoint) => {
      try {
        appendFileSync(config.checkpointFile, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
      } catch (err) {
        sealerLog.error({ file: config.checkpointFile, err }, 'cannot append the audit checkpoint to its file');
      }
      witnesses.submit(checkpoint);
    },
    log: warnWhileUp('audit-sealer'),
    alarm: (message, fields) => sealerLog.error(fields ?? {}, message),
  });
  sealer.start();
  log.info({ prefix }, 'worker running');

  let closing: Promise<void> | undefined;
  return {
    queues,
    auditSeal: () => sealer.status(),
    close: (closeOptions = {}) => {
      closing ??= (async () => {
        if (ownMonitor) monitor.mute();
        const graceful = !closeOptions.force && [connection, blocking, storeRedis].every((c) => c.status === 'ready');
        // Graceful: every step within its share of one deadline. With Redis gone: a few hundred ms each, not waiting on it.
        const budget = new ShutdownBudget(WORKER_STOP_STEPS, closeOptions.deadline ?? Date.now() + WORKER_STOP_BUDGET_MS);
        const ms = (step: (typeof WORKER_STOP_STEPS)[number][0], forced: number) => (graceful ? budget.msFor(step) : forced);
        // The dispatcher's blocking read waits on a Redis that is gone: cut it off.
        await within(sealer.stop(), ms('sealer', 100));
        await within(dispatcher.stop(), ms('dispatcher', 100), () => blocking.disconnect());
        await within(sweeper.stop(), ms('sweeper', 100));
        await within(Promise.all([deliveries.close(!graceful), schedules.close(!graceful)]), ms('deliveries', 300));
        await within(queues.close(), ms('queues', 300));
        mailer?.close();
        await closeConnections([connection, blocking, storeRedis], Math.max(100, ms('connections', 100)));
      })();
      return closing;
    },
  };
}

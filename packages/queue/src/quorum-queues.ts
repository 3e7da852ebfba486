import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import { DELIVERIES_QUEUE, SCHEDULES_QUEUE, type DeliveryJob, type ScheduleJob } from './jobs';
import type { DueSchedule } from './notification-fanout';

export interface QueueSettings {
  deliveryAttempts: number;
  deliveryBackoffMs: number;
}

/**
 * Finished jobs are kept an hour (at most 10,000) so that their deterministic ids keep
 * deduplicating a re-read outbox entry (re-reads happen within QUORUM_OUTBOX_CLAIM_MS);
 * the cap bounds the memory they take. Receivers de-duplicate on X-Quorum-Delivery anyway.
 */
const KEEP_DONE = { age: 3600, count: 10_000 };

/** The producer side of quorumd's BullMQ queues. */
export class QuorumQueues {
  readonly deliveries: Queue<DeliveryJob>;
  /** Reminders and escalations, each a delayed job until it is due. */
  readonly schedules: Queue<ScheduleJob>;

  constructor(
    connection: ConnectionOptions,
    readonly prefix: string,
    private readonly settings: QueueSettings,
  ) {
    this.deliveries = new Queue<DeliveryJob>(DELIVERIES_QUEUE, { connection, prefix });
    this.schedules = new Queue<ScheduleJob>(SCHEDULES_QUEUE, { connection, prefix });
  }

  /** Delayed jobs, each due at its time (an id already there is not added again). */
  async schedule(due: DueSchedule[], now = Date.now()): Promise<void> {
    if (due.length === 0) return;
    await this.schedules.addBulk(
      due.map(({ id, job, at }) => ({
        name: job.event,
        data: job,
        opts: { jobId: id, delay: Math.max(0, Math.ceil(at - now)), attempts: this.settings.deliveryAttempts, backoff: { type: 'exponential', delay: this.settings.deliveryBackoffMs }, removeOnComplete: KEEP_DONE, removeOnFail: false },
      })),
    );
  }

  /** Adds the jobs (an id already there is not added again), due at once or after `delayMs`. */
  async deliver(jobs: DeliveryJob[], delayMs = 0): Promise<void> {
    if (jobs.length === 0) return;
    await this.deliveries.addBulk(
      jobs.map((data) => ({
        name: data.event,
        data,
        opts: {
          jobId: data.deliveryId,
          ...(delayMs > 0 ? { delay: delayMs } : {}),
          attempts: this.settings.deliveryAttempts,
          backoff: { type: 'exponential', delay: this.settings.deliveryBackoffMs },
          removeOnComplete: KEEP_DONE,
          // Failed jobs stay: they are the dead letters an operator lists and replays.
          removeOnFail: false,
        },
      })),
    );
  }

  /** Dead letters: deliveries that used up their attempts. */
  async failedDeliveries(start = 0, end = 99): Promise<Job<DeliveryJob>[]> {
    return this.deliveries.getJobs(['failed'], start, end, false);
  }

  /** Sends a dead-lettered delivery again, with the same delivery id. */
  async replayDelivery(id: string): Promise<boolean> {
    const job = await this.deliveries.getJob(id);
    if (!job || !(await job.isFailed())) return false;
    await job.retry('failed', { resetAttemptsMade: true });
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([this.deliveries.close(), this.schedules.close()]);
  }
}

import { randomBytes } from 'node:crypto';
import { NOTIFICATION_ROUTES, isNotificationEvent, type NotificationChannel } from '@quorumd/core';
import type { QuorumStore } from '@quorumd/store';
import type { DeliveryJob } from './jobs';
import type { QuorumQueues } from './quorum-queues';

/** How long a digest batch stays open, per channel (0: no digest, one message per delivery). */
export type DigestWindows = Record<NotificationChannel, number>;

/** A batch job runs this long after its window closed: a delivery joining at the window's last moment is in it. */
const AFTER_WINDOW_MS = 250;

/**
 * Deliveries to one person's channel within a window go out as one message: each e-mail or
 * chat delivery joins the open batch of its user and channel (the first opens it, for the
 * window), and one job per batch, due when the window has passed, sends every delivery that
 * joined. Joining is idempotent (a re-read outbox entry joins nothing twice); the batch job's
 * id is deterministic. Webhooks, callbacks and urgent events (break-glass) are never held.
 */
export class NotificationDigest {
  constructor(
    private readonly store: QuorumStore,
    private readonly queues: QuorumQueues,
    private readonly windows: DigestWindows,
  ) {}

  async deliver(jobs: DeliveryJob[]): Promise<void> {
    const now: DeliveryJob[] = [];
    const held = new Map<string, { job: DeliveryJob; window: number }>();
    for (const job of jobs) {
      const { target } = job;
      const window = target.kind === 'email' || target.kind === 'chat' ? this.windows[target.kind] : 0;
      if (window <= 0 || target.kind === 'officer' || target.kind === 'callback' || !isNotificationEvent(job.event) || NOTIFICATION_ROUTES[job.event].urgent) {
        now.push(job);
        continue;
      }
      const { batch } = await this.store.notifications.joinDigest(target.userId, target.kind, job, window, `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`);
      const id = `digest-${target.kind}${target.userId}-${batch}`;
      if (!held.has(id)) held.set(id, { job: { deliveryId: id, event: job.event, tokenId: job.tokenId, target, batch }, window });
    }
    await this.queues.deliver(now);
    // One job per batch; it is there already for every delivery but the one that opened it (the id says so).
    for (const { job, window } of held.values()) await this.queues.deliver([job], window + AFTER_WINDOW_MS);
  }
}

import { hostname } from 'node:os';
import type { QuorumStore, RedisClient, StoredToken } from '@quorumd/store';
import { deliveryId, type DeliveryEvent, type DeliveryJob, type DeliveryTarget } from './jobs';
import type { QuorumQueues } from './quorum-queues';

const GROUP = 'dispatch';

export interface DispatcherOptions {
  requesterMayApprove: boolean;
  /** Entries another dispatcher held this long without acknowledging are taken over. */
  claimIdleMs: number;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

type StreamEntry = [id: string, fields: string[]];

function field(fields: string[], name: string): string {
  const i = fields.indexOf(name);
  return i >= 0 && i % 2 === 0 ? (fields[i + 1] ?? '') : '';
}

/**
 * Moves token status changes from the outbox stream (written atomically with each change)
 * into BullMQ jobs with deterministic ids, then acknowledges them. Any number of
 * dispatchers share the consumer group; entries of a dead one are claimed after
 * `claimIdleMs`. At-least-once into the queues, and the job ids make it exactly-once there.
 */
export class OutboxDispatcher {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly consumer = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    private readonly store: QuorumStore,
    private readonly queues: QuorumQueues,
    /** A connection of its own: XREADGROUP blocks it. */
    private readonly blocking: RedisClient,
    private readonly options: DispatcherOptions,
  ) {}

  async start(): Promise<void> {
    try {
      await this.blocking.xgroup('CREATE', this.store.keys.outbox(), GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const key = this.store.keys.outbox();
    while (!this.stopped) {
      try {
        const claimed = (await this.blocking.xautoclaim(key, GROUP, this.consumer, this.options.claimIdleMs, '0-0', 'COUNT', 100)) as [string, StreamEntry[]];
        await this.handleAll(claimed[1] ?? []);
        const read = (await this.blocking.xreadgroup('GROUP', GROUP, this.consumer, 'COUNT', 100, 'BLOCK', 500, 'STREAMS', key, '>')) as
          | [string, StreamEntry[]][]
          | null;
        await this.handleAll(read?.[0]?.[1] ?? []);
      } catch (err) {
        if (this.stopped) break;
        this.options.log('outbox dispatch failed; retrying', { err: err instanceof Error ? err.message : String(err) });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /**
   * A batch at a time: every entry's reads go out together (one pipeline), the jobs are added
   * in one bulk, and the entries are acknowledged in one step after that. A failure leaves
   * the whole batch unacknowledged: it is read again, and the job ids keep it from doubling.
   */
  private async handleAll(entries: StreamEntry[]): Promise<void> {
    const live = entries.filter((entry): entry is [string, string[]] => Array.isArray(entry[1]));
    if (live.length === 0) return;
    const jobs = (await Promise.all(live.map(([, fields]) => this.jobsFor(field(fields, 'id'), field(fields, 'status'))))).flat();
    await this.queues.deliver(jobs);
    const key = this.store.keys.outbox();
    const ids = live.map(([id]) => id);
    await this.blocking.multi().xack(key, GROUP, ...ids).xdel(key, ...ids).exec();
  }

  /** What a status change sets off. */
  private async jobsFor(tokenId: string, status: string): Promise<DeliveryJob[]> {
    // The fan-out needs only the token's id (the script reads the rest): no token read first.
    if (status === 'PENDING') return this.approvalRequests(tokenId);
    const token = await this.store.tokens.get(tokenId, this.options.requesterMayApprove);
    if (!token) return [];
    if (status === 'APPROVED') return this.requesterNotices(token, 'token.approved');
    if (status === 'REJECTED') return this.requesterNotices(token, 'token.rejected');
    if (status === 'EXPIRED') return this.requesterNotices(token, 'token.expired');
    return [];
  }

  /**
   * One approval request per CO who may approve and has a webhook (the store's answer: key
   * holders with a webhook, less the requester when it may not approve).
   */
  private async approvalRequests(tokenId: string): Promise<DeliveryJob[]> {
    const recipients = await this.store.tokens.approvalRecipients(tokenId, this.options.requesterMayApprove);
    return recipients.map((uid) => this.job('approval.requested', tokenId, { kind: 'officer', userId: uid }));
  }

  /** The requester hears how its token ended: its callbackUrl, and its webhook when it is a CO that has one. */
  private async requesterNotices(token: StoredToken, event: DeliveryEvent): Promise<DeliveryJob[]> {
    const jobs: DeliveryJob[] = [];
    if (token.callbackUrl) jobs.push(this.job(event, token.doc.id, { kind: 'callback' }));
    const requester = /^user:(\d+)$/.exec(token.requesterKey);
    if (requester && (await this.store.webhooks.get(Number(requester[1])))) jobs.push(this.job(event, token.doc.id, { kind: 'officer', userId: Number(requester[1]) }));
    return jobs;
  }

  private job(event: DeliveryEvent, tokenId: string, target: DeliveryTarget): DeliveryJob {
    return { deliveryId: deliveryId(event, tokenId, target), event, tokenId, target };
  }
}

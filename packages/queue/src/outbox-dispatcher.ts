import { hostname } from 'node:os';
import { NOTIFICATION_ROUTES, QuorumError, isNotificationEvent, type NotificationEvent } from '@quorumd/core';
import { OUTBOX_FIELDS, isStoreUnavailable, type QuorumStore, type RedisClient } from '@quorumd/store';
import { deliveryId, type DeliveryEvent, type DeliveryJob, type DeliveryTarget } from './jobs';
import type { QuorumQueues } from './quorum-queues';
import { NotificationFanOut, type DueSchedule } from './notification-fanout';
import { NotificationDigest, type DigestWindows } from './notification-digest';

const GROUP = 'dispatch';

export interface DispatcherOptions {
  requesterMayApprove: boolean;
  /** Entries another dispatcher held this long without acknowledging are taken over. */
  claimIdleMs: number;
  /**
   * After a batch shorter than a full one, wait this long before reading again, so that under
   * load a batch carries many entries (a few round trips for all of them) instead of one.
   * Webhooks and callbacks may go out this much later; waiters are woken by pub/sub, not by this.
   */
  lingerMs?: number;
  /** Whether e-mail goes out (QUORUM_SMTP_URL set): without it no e-mail job is made. */
  mailEnabled?: boolean;
  /** E-mail and chat digest windows (QUORUM_EMAIL_DIGEST_MS, QUORUM_CHAT_DIGEST_MS); absent: none. */
  digestWindows?: DigestWindows;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

type StreamEntry = [id: string, fields: string[]];

/** The statuses a requester hears of, and the event each is. */
const ENDINGS: Partial<Record<string, 'token.approved' | 'token.rejected' | 'token.expired'>> = { APPROVED: 'token.approved', REJECTED: 'token.rejected', EXPIRED: 'token.expired' };
// (Their route names the requester alone, so jobsFor reads only the requester's id of the token.)
for (const event of Object.values(ENDINGS)) {
  if (event && NOTIFICATION_ROUTES[event].recipients !== 'requester') throw new Error(`${event}: the outbox dispatcher tells an ending's requester only`);
}

const BATCH = 100;
/** Pages of idle entries taken over in one pass (a page is a batch). */
const MAX_CLAIM_PAGES = 20;
/** Times an entry fails on its own, while Redis answers, before it is dead-lettered. */
const POISON_ATTEMPTS = 5;
/** A token id as the scripts write it (a UUID); anything else names no token. */
const TOKEN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STATUSES: ReadonlySet<string> = new Set(['PENDING', 'APPROVED', 'REJECTED', 'EXPIRED', 'CONSUMED', 'DELETED']);
/** The announcements an entry may carry instead of a status change (docs/policies.md, Break-glass): told to every officer its entry names. */
const ANNOUNCEMENTS: ReadonlySet<string> = new Set<DeliveryEvent>(['breakglass.requested', 'breakglass.unreviewed']);

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/**
 * Whether a failure is Redis being away, slow or moving, on any of the connections the work
 * went out on (the store's fails fast: one retry, a 900 ms command timeout; it answers such a
 * failure as RET_STORE_UNAVAILABLE): no entry is at fault for it.
 */
function storeAway(err: unknown): boolean {
  return (err instanceof QuorumError && err.code === 'RET_STORE_UNAVAILABLE') || isStoreUnavailable(err);
}

/**
 * An outbox entry: a token's status change, who hears of it when the script said so (`to`),
 * and how many times the token had been reopened by it, a reopening counting itself (`round`, 0
 * when the entry has none).
 */
interface Change {
  id: string;
  status: string;
  to: string | undefined;
  round: number;
  /** An announcement (breakglass.requested, breakglass.unreviewed) rather than a status change. */
  event?: DeliveryEvent;
}

/** An entry as read from the stream, with its change. */
interface ReadEntry {
  entryId: string;
  fields: string[];
  change: Change;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An entry's change, or why it is none (no token id, an unknown status, a round that is no count). */
function parseChange(fields: string[]): Change | string {
  const id = field(fields, OUTBOX_FIELDS.id) ?? '';
  const status = field(fields, OUTBOX_FIELDS.status) ?? '';
  const round = field(fields, OUTBOX_FIELDS.round) ?? '0';
  if (!TOKEN_ID.test(id)) return 'no token id';
  if (!STATUSES.has(status)) return 'unknown status';
  if (!/^\d{1,9}$/.test(round)) return 'round is not a count';
  const event = field(fields, OUTBOX_FIELDS.event);
  if (event !== undefined && !ANNOUNCEMENTS.has(event)) return 'unknown event';
  return { id, status, to: field(fields, OUTBOX_FIELDS.to), round: Number(round), ...(event !== undefined ? { event: event as DeliveryEvent } : {}) };
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
  private readonly notifications: NotificationFanOut;
  private readonly digest: NotificationDigest;

  constructor(
    private readonly store: QuorumStore,
    private readonly queues: QuorumQueues,
    /** A connection of its own: XREADGROUP blocks it. */
    private readonly blocking: RedisClient,
    private readonly options: DispatcherOptions,
  ) {
    this.notifications = new NotificationFanOut(store, { requesterMayApprove: options.requesterMayApprove, mailEnabled: options.mailEnabled ?? false });
    this.digest = new NotificationDigest(store, queues, options.digestWindows ?? { email: 0, chat: 0 });
  }

  async start(): Promise<void> {
    await this.createGroup();
    this.loop = this.run();
  }

  /** The consumer group, from the stream's start (BUSYGROUP: it is there already). */
  private async createGroup(): Promise<void> {
    try {
      await this.blocking.xgroup('CREATE', this.store.keys.outbox(), GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const key = this.store.keys.outbox();
    // Entries a dead dispatcher left are looked for at start and then every half claim period, not at every read.
    let claimedAt = 0;
    while (!this.stopped) {
      try {
        // A claim pass that fails does not keep new entries waiting: they are read all the same,
        // and the failure is reported after them.
        let claimFailure: unknown;
        if (Date.now() - claimedAt >= this.options.claimIdleMs / 2) {
          claimedAt = Date.now();
          await this.claimIdle().catch((err: unknown) => {
            claimFailure = err;
            // Tried again at the next turn (after the pause below), not half a period later.
            claimedAt = 0;
          });
        }
        const read = (await this.blocking.xreadgroup('GROUP', GROUP, this.consumer, 'COUNT', BATCH, 'BLOCK', claimFailure === undefined ? 500 : 1, 'STREAMS', key, '>')) as
          | [string, StreamEntry[]][]
          | null;
        const entries = read?.[0]?.[1] ?? [];
        await this.handleAll(entries).catch((err: unknown) => {
          // Both failed: the claim pass's failure is reported too.
          if (claimFailure !== undefined) this.options.log('outbox dispatch failed; retrying', { err: claimFailure });
          throw err;
        });
        if (claimFailure !== undefined) throw claimFailure;
        if (entries.length > 0 && entries.length < BATCH && this.options.lingerMs) await new Promise((r) => setTimeout(r, this.options.lingerMs));
      } catch (err) {
        if (this.stopped) break;
        // The stream or its group is gone (a Redis that restarted without its data, a key deleted
        // by hand): made again, from the start of whatever the stream holds (job ids keep re-reads single).
        if (err instanceof Error && err.message.startsWith('NOGROUP')) {
          await this.createGroup().catch(() => undefined);
          await this.blocking.del(this.store.keys.outboxFailures()).catch(() => undefined);
          continue;
        }
        this.options.log('outbox dispatch failed; retrying', { err });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /**
   * Takes over the entries left unacknowledged for `claimIdleMs` (a dead dispatcher's, or a
   * batch that failed here), page by page through the whole pending list: entries that keep
   * failing at its start do not hide the ones after them.
   */
  private async claimIdle(): Promise<void> {
    let cursor = '0-0';
    let failure: unknown;
    for (let page = 0; page < MAX_CLAIM_PAGES; page++) {
      const claimed = (await this.blocking.xautoclaim(this.store.keys.outbox(), GROUP, this.consumer, this.options.claimIdleMs, cursor, 'COUNT', BATCH)) as [string, StreamEntry[]];
      await this.handleAll(claimed[1] ?? []).catch((err: unknown) => {
        failure ??= err;
      });
      // The store is away: the pages after this one would only wait out the same failure.
      if (failure !== undefined && storeAway(failure)) break;
      cursor = claimed[0];
      if (cursor === '0-0') break;
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * What becomes of the entries read in one go. Each entry goes through these states:
   *
   *   read ── malformed (no token id, unknown status) ──────────────────────────► dead letter
   *     └─ in the batch ── the batch's jobs added ─────────────────────────────► acknowledged
   *          └─ the batch failed ── alone ── its jobs added ────────────────────► acknowledged
   *                                   ├─ Redis away or slow (storeAway) ───────► left, not counted
   *                                   └─ failed on its own: counted ── count < POISON_ATTEMPTS,
   *                                        or Redis does not answer ──────────► left
   *                                        └─ else ─────────────────────────────► dead letter
   *
   * "Left" entries stay unacknowledged and are read again (claimed after `claimIdleMs`); the
   * job ids keep a re-read from doubling a job. Failure counts live in Redis
   * (`outbox:failures`), so a restarted dispatcher goes on counting where the last one stopped.
   * Throws the failure of a batch that was left, so that the loop pauses.
   */
  private async handleAll(entries: StreamEntry[]): Promise<void> {
    const live = entries.filter((entry): entry is [string, string[]] => Array.isArray(entry[1]));
    const batch: ReadEntry[] = [];
    for (const [entryId, fields] of live) {
      const change = parseChange(fields);
      if (typeof change === 'string') await this.deadLetter({ entryId, fields }, change);
      else batch.push({ entryId, fields, change });
    }
    if (batch.length === 0) return;
    const failure = await this.dispatch(batch.map((e) => e.change)).then(
      () => undefined,
      (err: unknown) => err as object,
    );
    if (failure === undefined) return this.acknowledge(batch);
    if (batch.length > 1) return this.oneAtATime(batch, failure);
    return this.blame(batch[0] as ReadEntry, failure);
  }

  /** The entries of a failed batch, each alone: one that cannot be turned into jobs holds up no other. */
  private async oneAtATime(entries: ReadEntry[], batchError: unknown): Promise<void> {
    let failure: unknown;
    for (const entry of entries) {
      try {
        await this.handleAll([[entry.entryId, entry.fields]]);
      } catch (err) {
        failure ??= err;
        // The store is away: the entries after this one are left for the next pass.
        if (storeAway(err)) break;
      }
    }
    if (failure !== undefined) throw failure instanceof Error ? failure : batchError;
  }

  /** An entry that failed alone: counted in Redis, and dead-lettered at its last attempt while Redis answers; otherwise left (rethrown). */
  private async blame(entry: ReadEntry, err: unknown): Promise<void> {
    // Redis away or slow is no fault of the entry: it is not counted.
    if (storeAway(err)) throw err;
    const attempts = await this.blocking.hincrby(this.store.keys.outboxFailures(), entry.entryId, 1);
    if (attempts < POISON_ATTEMPTS || !(await this.redisAnswers())) throw err;
    await this.deadLetter(entry, `failed ${attempts} times: ${messageOf(err)}`);
  }

  /** Entries whose jobs were added: acknowledged, removed and their failure counts dropped, in one step. */
  private async acknowledge(entries: ReadEntry[]): Promise<void> {
    const key = this.store.keys.outbox();
    const ids = entries.map((e) => e.entryId);
    await this.blocking.multi().xack(key, GROUP, ...ids).xdel(key, ...ids).hdel(this.store.keys.outboxFailures(), ...ids).exec();
  }

  /** The jobs a batch of changes sets off, added in one bulk. */
  private async dispatch(changes: Change[]): Promise<void> {
    // A token issued or reopened (PENDING again) asks the officers who could approve it.
    const asking = changes.filter((c) => c.status === 'PENDING' && c.event === undefined);
    const recipients = await this.store.tokens.approvalRecipients(
      asking.map((c) => c.id),
      this.options.requesterMayApprove,
    );
    // The recipients are those with a webhook or a notification channel: webhooks go to the first.
    const hooked = await this.store.webhooks.having([...new Set(recipients.flat())]);
    const fanOut = asking.flatMap((c, i) => (recipients[i] ?? []).filter((uid) => hooked.has(uid)).map((uid) => this.job('approval.requested', c, { kind: 'officer', userId: uid })));
    const told = await this.notifications.jobsForMany('approval.requested', asking.map((c, i) => ({ tokenId: c.id, userIds: recipients[i] ?? [], round: c.round })));
    const others = await Promise.all(changes.filter((c) => c.status !== 'PENDING' && c.event === undefined).map((c) => this.jobsFor(c)));
    // An announcement goes to every officer its entry names (those with a webhook: the script looked),
    // and through every e-mail and chat channel of the officers its event's route names (urgent: no digest wait).
    const announced = changes.flatMap((c) =>
      c.event === undefined
        ? []
        : (c.to ?? '')
            .split(' ')
            .filter((target) => target.startsWith('officer:'))
            .map((target) => this.job(c.event as DeliveryEvent, c, { kind: 'officer', userId: Number(target.slice('officer:'.length)) })),
    );
    const announcedOnChannels = await Promise.all(
      changes.filter((c) => c.event !== undefined && isNotificationEvent(c.event)).map((c) => this.notifications.jobsForEvent(c.event as NotificationEvent, c.id)),
    );
    // Reminders and escalations are scheduled before the deliveries: a re-read entry schedules nothing twice (job ids).
    // A reminder only for a token someone was told of on a channel; an escalation whenever the policy has one.
    // (Only those tokens are read whole: a built-in service's token told of on no channel costs no read.)
    const toldOf = new Set(asking.filter((_, i) => (told[i] ?? []).length > 0).map((c) => c.id));
    const untold = asking.filter((c) => !toldOf.has(c.id));
    const signed = await this.store.tokens.signedPolicies(untold.map((c) => c.id));
    const escalating = new Set(untold.filter((_, i) => signed[i]?.escalation !== undefined).map((c) => c.id));
    const scheduled = asking.filter((c) => toldOf.has(c.id) || escalating.has(c.id));
    const due = (await this.schedulesFor(scheduled)).filter((d) => d.job.event === 'approval.escalated' || toldOf.has(d.job.tokenId));
    if (due.length > 0) await this.queues.schedule(due);
    await this.digest.deliver([...fanOut, ...told.flat(), ...others.flat(), ...announced, ...announcedOnChannels.flat()]);
  }

  /** The reminders and escalation of the tokens that have just asked for approvals (still waiting for them). */
  private async schedulesFor(asking: Change[]): Promise<DueSchedule[]> {
    if (asking.length === 0) return [];
    const tokens = await this.store.tokens.getMany(asking.map((c) => c.id), this.options.requesterMayApprove);
    const rounds = new Map(asking.map((c) => [c.id, c.round]));
    return tokens.filter((t) => t.status === 'PENDING').flatMap((t) => this.notifications.schedulesFor(t, rounds.get(t.doc.id) ?? 0));
  }

  /**
   * Moves an entry that cannot be turned into jobs to the outbox's dead letters
   * (`<prefix>outbox:dead`, the newest 1,000, each with the entry's fields, its id and why),
   * in one step with its acknowledgement, and logs it.
   */
  private async deadLetter(entry: { entryId: string; fields: string[] }, reason: string): Promise<void> {
    const key = this.store.keys.outbox();
    await this.blocking
      .multi()
      .xadd(this.store.keys.outboxDead(), 'MAXLEN', '~', 1000, '*', ...entry.fields, 'entry', entry.entryId, 'reason', reason)
      .xack(key, GROUP, entry.entryId)
      .xdel(key, entry.entryId)
      .hdel(this.store.keys.outboxFailures(), entry.entryId)
      .exec();
    this.options.log('outbox entry dead-lettered', { entry: entry.entryId, reason });
  }

  /**
   * Whether Redis answers now, on the dispatcher's own connection and on the store's (whose
   * reads the fan-out and older entries need; its readiness probe is a write to the
   * deployment's slot, so a replica or a Cluster node without the slot does not count): an
   * entry is blamed for a failure only then. (The dispatcher's own connection has just handed
   * the entry out: it alone says little, and on a Cluster its PING goes to any node.)
   */
  private async redisAnswers(): Promise<boolean> {
    try {
      const [own] = await Promise.all([this.blocking.ping(), this.store.ping()]);
      return own === 'PONG';
    } catch {
      return false;
    }
  }

  /** What an ending sets off: the requester hears how its token ended (its callback, its webhook, its e-mail and chat channels). */
  private async jobsFor(change: Change): Promise<DeliveryJob[]> {
    const event = ENDINGS[change.status];
    if (!event) return [];
    const to = change.to ?? (await this.recipientsFromToken(change.id));
    const hooks = to
      .split(' ')
      .filter(Boolean)
      .map((target) => (target === 'callback' ? this.job(event, change, { kind: 'callback' }) : this.job(event, change, { kind: 'officer', userId: Number(target.slice('officer:'.length)) })));
    // The endings go to the requester alone: its id is all that is read of the token.
    const requester = await this.store.tokens.requesterUserId(change.id);
    const told = requester === undefined ? [] : await this.notifications.jobsFor(event, change.id, [requester], change.round);
    return [...hooks, ...told];
  }

  /** Who hears of an ending, for an entry written before entries named it: the token's callback, and its requester's webhook when it is an officer with one. */
  private async recipientsFromToken(tokenId: string): Promise<string> {
    const token = await this.store.tokens.get(tokenId, this.options.requesterMayApprove);
    if (!token) return '';
    const to: string[] = [];
    if (token.callbackUrl) to.push('callback');
    const requester = /^user:(\d+)$/.exec(token.requesterKey);
    if (requester && (await this.store.webhooks.get(Number(requester[1])))) to.push(`officer:${requester[1]}`);
    return to.join(' ');
  }

  private job(event: DeliveryEvent, change: Change, target: DeliveryTarget): DeliveryJob {
    return { deliveryId: deliveryId(event, change.id, target, change.round), event, tokenId: change.id, target };
  }
}

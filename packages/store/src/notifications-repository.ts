import { isNotificationEvent, type NotificationChannel, type NotificationSettings } from '@quorumd/core';
import type { Actor, StoreContext } from './store-context';

/** One delivery of a notification, as a user's settings page lists it. */
export interface NotificationLogEntry {
  at: string;
  event: string;
  tokenId: string;
  channel: NotificationChannel;
  deliveryId: string;
  /** sent; failed (it will be retried, or was dead-lettered when `final`); dropped (the token ended before it was due). */
  outcome: 'sent' | 'failed' | 'dropped';
  attempt?: number;
  final?: boolean;
  /** Why it failed, in words an operator may see (never the receiver's answer). */
  detail?: string;
}

const LOG_KEPT = 50;

/** Each user's notification channels (e-mail, chat), and the latest deliveries to it. */
export class NotificationsRepository {
  constructor(private readonly ctx: StoreContext) {}

  async get(userId: number): Promise<NotificationSettings | undefined> {
    const hash = await this.ctx.read((r) => r.hgetall(this.ctx.keys.notifications(userId)));
    return settingsOf(hash);
  }

  /** Several users' channels in one round trip (a fan-out's recipients). */
  async getMany(userIds: readonly number[]): Promise<(NotificationSettings | undefined)[]> {
    if (userIds.length === 0) return [];
    const replies = await this.ctx.read((r) => {
      const pipeline = r.pipeline();
      for (const id of userIds) pipeline.hgetall(this.ctx.keys.notifications(id));
      return pipeline.exec();
    });
    return (replies ?? []).map(([err, hash]) => {
      if (err) throw err;
      return settingsOf(hash as Record<string, string>);
    });
  }

  /** Sets a user's channels (none: removes them), audited in the same step; RET_NOT_FOUND for no such user. */
  async set(userId: number, settings: NotificationSettings, actor: Actor): Promise<void> {
    await this.ctx.run('setNotifications', { userId }, actor, {
      userId,
      email: settings.email ?? '',
      chatUrl: settings.chat?.url ?? '',
      chatFormat: settings.chat?.format ?? '',
      events: (settings.events ?? []).join(' '),
      chatOrigin: settings.chat ? new URL(settings.chat.url).origin : '',
    });
  }

  /** Notes one delivery (newest first, the latest 50 kept). */
  async record(userId: number, entry: NotificationLogEntry): Promise<void> {
    const key = this.ctx.keys.notificationLog(userId);
    await this.ctx.read((r) => r.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, LOG_KEPT - 1).exec());
  }

  /**
   * A delivery joins the user's open digest batch of its channel (or opens one for `windowMs`);
   * answers the batch and whether this call opened it. A delivery that joined before answers
   * the batch it joined.
   */
  async joinDigest(userId: number, channel: NotificationChannel, item: { deliveryId: string; event: string; tokenId: string }, windowMs: number, newBatch: string): Promise<{ batch: string; opened: boolean }> {
    const digest = `${userId}-${channel}`;
    const [batch, opened] = (await this.ctx.run('joinDigest', { digest }, { kind: 'system' }, { digest, deliveryId: item.deliveryId, item: `${item.event} ${item.tokenId}`, windowMs, newBatch })) as [string, number];
    return { batch: String(batch), opened: Number(opened) === 1 };
  }

  /** Closes a due batch and answers its items (they stay until dropDigest: a retry sends the same). */
  async takeDigest(userId: number, channel: NotificationChannel, batch: string): Promise<{ deliveryId: string; event: string; tokenId: string }[]> {
    const digest = `${userId}-${channel}`;
    const flat = (await this.ctx.run('takeDigest', { digest }, { kind: 'system' }, { digest, batch })) as string[];
    const items: { deliveryId: string; event: string; tokenId: string }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [event = '', tokenId = ''] = String(flat[i + 1]).split(' ');
      items.push({ deliveryId: String(flat[i]), event, tokenId });
    }
    return items.sort((a, b) => a.deliveryId.localeCompare(b.deliveryId));
  }

  /** A batch's message went out: its items go. */
  async dropDigest(userId: number, channel: NotificationChannel, batch: string): Promise<void> {
    await this.ctx.read((r) => r.del(this.ctx.keys.digestItems(`${userId}-${channel}-${batch}`)));
  }

  async log(userId: number, limit = LOG_KEPT): Promise<NotificationLogEntry[]> {
    const lines = await this.ctx.read((r) => r.lrange(this.ctx.keys.notificationLog(userId), 0, limit - 1));
    return lines.map((line) => JSON.parse(line) as NotificationLogEntry);
  }
}

function settingsOf(hash: Record<string, string>): NotificationSettings | undefined {
  if (!hash.email && !hash.chatUrl) return undefined;
  const settings: NotificationSettings = {};
  if (hash.email) settings.email = hash.email;
  if (hash.chatUrl) settings.chat = { url: hash.chatUrl, format: 'slack' };
  if (hash.eventList) settings.events = hash.eventList.split(' ').filter(isNotificationEvent);
  return settings;
}

import { QuorumError, parseNotificationSettings, type NotificationSettings, type OutboundPolicy } from '@quorumd/core';
import { checkOutboundUrl } from '@quorumd/queue';
import type { NotificationLogEntry, QuorumStore } from '@quorumd/store';
import { actorOf, requireUser, type Principal } from './principal';

export interface NotificationsView {
  notifications: NotificationSettings | null;
  /** The latest deliveries to the user (newest first): sent, failed, dropped. */
  deliveries: NotificationLogEntry[];
}

/** A user's notification channels: its own, or any user's for a CO. */
export class NotificationsService {
  constructor(
    private readonly store: QuorumStore,
    private readonly outbound: OutboundPolicy,
  ) {}

  /** The user itself, or a crypto officer for another user (a session either way). */
  private allowed(principal: Principal, userId: number): void {
    const user = requireUser(principal);
    if (user.id !== userId && user.type !== 'CO') throw new QuorumError('RET_FORBIDDEN', "Only crypto officers may set another user's notifications");
  }

  async get(principal: Principal, userId: number): Promise<NotificationsView> {
    this.allowed(principal, userId);
    if (!(await this.store.users.get(userId))) throw new QuorumError('RET_USER_NOT_FOUND', 'No such user');
    const [settings, deliveries] = await Promise.all([this.store.notifications.get(userId), this.store.notifications.log(userId, 20)]);
    // An incoming webhook's path is its secret: another user (a CO) sees only where it points.
    if (settings?.chat && requireUser(principal).id !== userId) settings.chat = { ...settings.chat, url: `${new URL(settings.chat.url).origin}/…` };
    return { notifications: settings ?? null, deliveries };
  }

  /** Sets the channels (none given: removes them); the chat URL obeys the outbound policy of webhooks. Audited. */
  async set(principal: Principal, userId: number, input: { email?: unknown; chat?: unknown; events?: unknown }): Promise<NotificationsView> {
    this.allowed(principal, userId);
    const settings = parseNotificationSettings(input);
    if (settings.chat) settings.chat.url = (await checkOutboundUrl(this.outbound, settings.chat.url, 'chat.url')).toString();
    await this.store.notifications.set(userId, settings, actorOf(principal));
    return this.get(principal, userId);
  }
}

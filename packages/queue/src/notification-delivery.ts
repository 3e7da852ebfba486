import { NOTIFICATION_ROUTES, isNotificationEvent, renderChat, renderEmail, tokenView, type NotificationItem, type OutboundPolicy } from '@quorumd/core';
import type { NotificationLogEntry, QuorumStore, StoredToken } from '@quorumd/store';
import { createTransport, type Transporter } from 'nodemailer';
import type { DeliveryJob } from './jobs';
import { DeliveryFailed, postDelivery } from './webhook-delivery';

export interface NotificationSenders {
  /** The SMTP relay (QUORUM_SMTP_URL); none: e-mail is not sent. */
  mailer: Transporter | undefined;
  mailFrom: string;
  publicUrl: string;
  policy: OutboundPolicy;
  timeoutMs: number;
  requesterMayApprove: boolean;
}

/** The SMTP transport for QUORUM_SMTP_URL (smtp:// upgrades with STARTTLS when offered; smtps:// is TLS from the start). */
export function createMailer(smtpUrl: string | undefined, timeoutMs: number): Transporter | undefined {
  if (!smtpUrl) return undefined;
  return createTransport(smtpUrl, { connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs * 2 });
}

export interface NotificationOutcome {
  delivered: boolean;
  reason?: string;
  items?: number;
}

/** Whether an event still stands at send time: an open-token event for a token that ended (or that this officer decided) is dropped. */
function stillDue(event: string, token: StoredToken | undefined, userId: number): string | undefined {
  if (!token) return 'token no longer stored';
  if (!isNotificationEvent(event)) return 'unknown event';
  if (!NOTIFICATION_ROUTES[event].whileOpen) return undefined;
  if (token.status !== 'PENDING') return 'token ended before it was due';
  if (token.approvals.some((a) => a.userId === userId) || token.rejections.some((r) => r.userId === userId)) return 'already decided';
  return undefined;
}

/**
 * Sends one e-mail or chat delivery (or a digest of several: `items`), reading the user's
 * channel and every token at send time, and notes the outcome in the user's delivery log.
 * A failure throws (BullMQ retries it with backoff, and dead-letters it after the last attempt).
 */
export async function sendNotification(
  store: QuorumStore,
  senders: NotificationSenders,
  job: DeliveryJob,
  items: { deliveryId: string; event: string; tokenId: string }[],
  attempt: { made: number; of: number },
): Promise<NotificationOutcome> {
  const target = job.target;
  if (target.kind !== 'email' && target.kind !== 'chat') throw new Error('not a notification');
  const note = (entry: Omit<NotificationLogEntry, 'at' | 'channel' | 'deliveryId' | 'event' | 'tokenId'>, item = items[0]) =>
    store.notifications.record(target.userId, { at: new Date(store.ctx.clock()).toISOString(), channel: target.kind, deliveryId: item?.deliveryId ?? job.deliveryId, event: item?.event ?? job.event, tokenId: item?.tokenId ?? job.tokenId, ...entry });
  const settings = await store.notifications.get(target.userId);
  const tokens = await store.tokens.getMany([...new Set(items.map((i) => i.tokenId))], senders.requesterMayApprove);
  const byId = new Map(tokens.map((t) => [t.doc.id, t]));
  const due: NotificationItem[] = [];
  for (const item of items) {
    const token = byId.get(item.tokenId);
    const dropped = stillDue(item.event, token, target.userId);
    if (dropped !== undefined || !token || !isNotificationEvent(item.event)) {
      await note({ outcome: 'dropped', detail: dropped }, item);
      continue;
    }
    due.push({ event: item.event, token: tokenView(token) });
  }
  if (due.length === 0) return { delivered: false, reason: 'nothing still due' };
  const ctx = { publicUrl: senders.publicUrl, now: store.ctx.clock() };
  const final = attempt.made + 1 >= attempt.of;
  try {
    if (target.kind === 'email') {
      if (!settings?.email) return { delivered: false, reason: 'no e-mail channel' };
      if (!senders.mailer) return { delivered: false, reason: 'QUORUM_SMTP_URL is not set' };
      const message = renderEmail(due, ctx);
      try {
        await senders.mailer.sendMail({ from: senders.mailFrom, to: settings.email, subject: message.subject, text: message.text, html: message.html, headers: { 'X-Quorum-Delivery': job.deliveryId } });
      } catch (err) {
        throw new DeliveryFailed('e-mail delivery failed: the SMTP relay did not take it', err instanceof Error ? err.message : String(err));
      }
    } else {
      if (!settings?.chat) return { delivered: false, reason: 'no chat channel' };
      const body = JSON.stringify(renderChat(due, ctx));
      await postDelivery({ url: settings.chat.url, deliveryId: job.deliveryId, event: job.event, body, timeoutMs: senders.timeoutMs }, senders.policy);
    }
  } catch (err) {
    await note({ outcome: 'failed', attempt: attempt.made + 1, final, detail: err instanceof Error ? err.message : String(err) }).catch(() => undefined);
    throw err;
  }
  for (const item of items.filter((i) => due.some((d) => d.token.id === i.tokenId && d.event === i.event))) await note({ outcome: 'sent', attempt: attempt.made + 1 }, item);
  return { delivered: true, items: due.length };
}

import { QuorumError } from './errors';
import { NOTIFICATION_EVENTS, isNotificationEvent, type NotificationEvent } from './notification-events';

/** A user's channels (`PUT /v1/users/{id}/notifications`): where it is told, and of what. */
export interface NotificationSettings {
  email?: string;
  chat?: { url: string; format: 'slack' };
  /** The events it hears of (absent: all of them). */
  events?: NotificationEvent[];
}

/** An address as SMTP takes it in one header: no spaces, commas, angle brackets or line breaks (no header injection). */
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function refuse(message: string): never {
  throw new QuorumError('RET_BAD_REQUEST', message);
}

/** Reads the channels as sent; the chat URL's destination is checked by the caller (the outbound policy). */
export function parseNotificationSettings(input: { email?: unknown; chat?: unknown; events?: unknown }): NotificationSettings {
  const out: NotificationSettings = {};
  if (input.email !== undefined && input.email !== null && input.email !== '') {
    if (typeof input.email !== 'string' || input.email.length > 254 || !EMAIL.test(input.email)) refuse('email is not an e-mail address (name@example.org)');
    out.email = input.email;
  }
  if (input.chat !== undefined && input.chat !== null) {
    const chat = input.chat as Record<string, unknown>;
    if (typeof chat !== 'object' || Array.isArray(chat) || typeof chat.url !== 'string') refuse('chat must be {"url", "format": "slack"}');
    if ((chat.format ?? 'slack') !== 'slack') refuse('chat.format must be "slack" (Slack, Mattermost and Rocket.Chat incoming webhooks take it)');
    out.chat = { url: chat.url, format: 'slack' };
  }
  if (input.events !== undefined && input.events !== null) {
    if (!Array.isArray(input.events)) refuse(`events must be a list of ${NOTIFICATION_EVENTS.join(', ')}`);
    const events = input.events.map((e: unknown) => {
      if (typeof e !== 'string' || !isNotificationEvent(e)) refuse(`events holds ${JSON.stringify(e).slice(0, 40)}, which is none of ${NOTIFICATION_EVENTS.join(', ')}`);
      return e;
    });
    out.events = [...new Set(events)];
  }
  return out;
}

export function wantsEvent(settings: NotificationSettings, event: NotificationEvent): boolean {
  return settings.events === undefined || settings.events.includes(event);
}

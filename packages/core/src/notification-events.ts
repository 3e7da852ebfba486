/**
 * The events people hear of through their channels (e-mail, chat), and for each, who hears it
 * and how soon. Adding an event is one entry in NOTIFICATION_ROUTES: the worker's fan-out reads
 * the recipients and the urgency from here and nothing else.
 *
 * Recipients:
 * - `asked`: the officers the token's policy asks (key holders who may approve it and have not
 *   decided: the approval fan-out);
 * - `undecided`: the same, read again when the reminder is due;
 * - `escalation`: the members of the policy's `escalation.group` who have not decided;
 * - `requester`: the user who asked for the token (an API key's owner);
 * - `ruleOfficers`: every officer named by the service's rules (its groups' members; the
 *   built-in services' rule is every officer), decided or not.
 *
 * `urgent`: sent at once on every channel, never held for a digest.
 * `whileOpen`: only while the token waits for approvals; one due after it ended is dropped.
 */
export const NOTIFICATION_ROUTES = {
  'approval.requested': { recipients: 'asked', urgent: false, whileOpen: true },
  'approval.reminder': { recipients: 'undecided', urgent: false, whileOpen: true },
  'approval.escalated': { recipients: 'escalation', urgent: false, whileOpen: true },
  'token.approved': { recipients: 'requester', urgent: false, whileOpen: false },
  'token.rejected': { recipients: 'requester', urgent: false, whileOpen: false },
  'token.expired': { recipients: 'requester', urgent: false, whileOpen: false },
  'breakglass.requested': { recipients: 'ruleOfficers', urgent: true, whileOpen: false },
  'breakglass.unreviewed': { recipients: 'ruleOfficers', urgent: true, whileOpen: false },
} as const satisfies Record<string, NotificationRoute>;

export type NotificationRecipients = 'asked' | 'undecided' | 'escalation' | 'requester' | 'ruleOfficers';

export interface NotificationRoute {
  recipients: NotificationRecipients;
  urgent: boolean;
  whileOpen: boolean;
}

export type NotificationEvent = keyof typeof NOTIFICATION_ROUTES;
export const NOTIFICATION_EVENTS = Object.keys(NOTIFICATION_ROUTES) as NotificationEvent[];

export function isNotificationEvent(name: string): name is NotificationEvent {
  return Object.prototype.hasOwnProperty.call(NOTIFICATION_ROUTES, name);
}

export function notificationRoute(event: NotificationEvent): NotificationRoute {
  return NOTIFICATION_ROUTES[event];
}

/** The channels a user may be told on. */
export const NOTIFICATION_CHANNELS = ['email', 'chat'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

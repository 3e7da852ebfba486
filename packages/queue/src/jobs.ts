import type { NotificationEvent } from '@quorumd/core';

/** Queue names, job names and typed payloads. Payloads carry ids only: never secrets. */
export const DELIVERIES_QUEUE = 'deliveries';
/** Delayed jobs that fan out when due: reminders and escalations (see notification-fanout.ts). */
export const SCHEDULES_QUEUE = 'schedules';

export const DELIVERY_EVENTS = ['approval.requested', 'token.approved', 'token.rejected', 'token.expired', 'breakglass.requested', 'breakglass.unreviewed'] as const;
/** A webhook's or a callback's events (DELIVERY_EVENTS); e-mail and chat carry every NotificationEvent. */
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number] | NotificationEvent;

/** Where a delivery goes: a CO's webhook, the requester's callbackUrl, or a user's e-mail or chat channel. */
export type DeliveryTarget = { kind: 'officer'; userId: number } | { kind: 'callback' } | { kind: 'email'; userId: number } | { kind: 'chat'; userId: number };

export interface DeliveryJob {
  deliveryId: string;
  event: DeliveryEvent;
  tokenId: string;
  target: DeliveryTarget;
  /**
   * E-mail or chat: the digest batch this job sends (every delivery that joined it, listed in
   * one message; see notification-digest.ts). Its event and token are the first one's.
   */
  batch?: string;
}

/** A reminder or an escalation, due at a set time: it fans out to whoever should hear of it then. */
export interface ScheduleJob {
  event: 'approval.reminder' | 'approval.escalated';
  tokenId: string;
  round: number;
  /** A reminder's per cent of the token's time (50, 90); an escalation's 0. */
  step: number;
}

function targetPart(target: DeliveryTarget): string {
  switch (target.kind) {
    case 'officer':
      return `co${target.userId}`;
    case 'callback':
      return 'callback';
    default:
      return `${target.kind}${target.userId}`;
  }
}

/**
 * Deterministic: the same change of a token, for the same target, always has the same id, so
 * a repeated enqueue (a re-read outbox entry) never duplicates it. `round` is how many times
 * the token had gone back to PENDING by the change, a reopening counting itself (see the
 * token's `token.reopened` audit entries): the first reopening's fan-out is `…-co<id>-r1`;
 * a token approved, reopened and approved again sets off two `token.approved` deliveries,
 * `…-callback` and `…-callback-r1`. A reminder names its step (`…-email3-s50`). BullMQ ids may
 * not contain ':'.
 */
export function deliveryId(event: DeliveryEvent, tokenId: string, target: DeliveryTarget, round = 0, step = 0): string {
  return `${event}-${tokenId}-${targetPart(target)}${step > 0 ? `-s${step}` : ''}${round > 0 ? `-r${round}` : ''}`;
}

export function scheduleId(job: ScheduleJob): string {
  return `${job.event}-${job.tokenId}${job.step > 0 ? `-s${job.step}` : ''}${job.round > 0 ? `-r${job.round}` : ''}`;
}

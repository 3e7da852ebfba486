/** Queue names, job names and typed payloads. Payloads carry ids only: never secrets. */
export const DELIVERIES_QUEUE = 'deliveries';

export const DELIVERY_EVENTS = ['approval.requested', 'token.approved', 'token.rejected', 'token.expired', 'breakglass.requested', 'breakglass.unreviewed'] as const;
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];

/** Where a delivery goes: a CO's webhook, or the requester's callbackUrl. */
export type DeliveryTarget = { kind: 'officer'; userId: number } | { kind: 'callback' };

export interface DeliveryJob {
  deliveryId: string;
  event: DeliveryEvent;
  tokenId: string;
  target: DeliveryTarget;
}


/**
 * Deterministic: the same change of a token, for the same target, always has the same id, so
 * a repeated enqueue (a re-read outbox entry) never duplicates it. `round` is how many times
 * the token had gone back to PENDING by the change, a reopening counting itself (see the
 * token's `token.reopened` audit entries): the first reopening's fan-out is `…-co<id>-r1`;
 * a token approved, reopened and approved again sets off two `token.approved` deliveries,
 * `…-callback` and `…-callback-r1`. BullMQ ids may not contain ':'.
 */
export function deliveryId(event: DeliveryEvent, tokenId: string, target: DeliveryTarget, round = 0): string {
  return `${event}-${tokenId}-${target.kind === 'officer' ? `co${target.userId}` : 'callback'}${round > 0 ? `-r${round}` : ''}`;
}

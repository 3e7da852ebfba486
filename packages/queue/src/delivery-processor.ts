import { tokenView, type OutboundPolicy } from '@quorumd/core';
import type { QuorumStore } from '@quorumd/store';
import type { DeliveryJob } from './jobs';
import { postDelivery } from './webhook-delivery';

export interface DeliveryOutcome {
  delivered: boolean;
  reason?: string;
  status?: number;
}

/**
 * Runs one delivery job: finds the target's URL and secret in Redis (jobs carry no
 * secrets), builds `{"event","token":TokenView}` and POSTs it signed.
 */
export async function processDelivery(store: QuorumStore, job: DeliveryJob, timeoutMs: number, policy: OutboundPolicy, requesterMayApprove: boolean): Promise<DeliveryOutcome> {
  const token = await store.tokens.get(job.tokenId, requesterMayApprove);
  if (!token) return { delivered: false, reason: 'token no longer stored' };
  let target: { url: string; secret: string } | undefined;
  if (job.target.kind === 'officer') {
    target = await store.webhooks.get(job.target.userId);
    if (!target) return { delivered: false, reason: 'officer has no webhook' };
  } else {
    if (!token.callbackUrl) return { delivered: false, reason: 'token has no callbackUrl' };
    target = { url: token.callbackUrl, secret: token.callbackSecret ?? '' };
  }
  const body = JSON.stringify({ event: job.event, token: tokenView(token) });
  const status = await postDelivery({ ...target, deliveryId: job.deliveryId, event: job.event, body, timeoutMs }, policy);
  return { delivered: true, status };
}

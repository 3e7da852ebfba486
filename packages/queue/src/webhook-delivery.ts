import { webhookSignature } from '@quorumd/core';

export interface DeliveryRequest {
  url: string;
  secret: string;
  deliveryId: string;
  event: string;
  body: string;
  timeoutMs: number;
}

export class DeliveryFailed extends Error {
  override name = 'DeliveryFailed';
}

/**
 * POSTs one signed delivery. Anything but a 2xx answer within the timeout is a failure,
 * which BullMQ retries with backoff.
 */
export async function postDelivery(request: DeliveryRequest): Promise<number> {
  let status: number;
  try {
    const res = await fetch(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'quorumd-webhook/1',
        'x-quorum-event': request.event,
        'x-quorum-delivery': request.deliveryId,
        'x-quorum-signature': webhookSignature(request.secret, request.body),
      },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    status = res.status;
    await res.body?.cancel();
  } catch (err) {
    throw new DeliveryFailed(`delivery to ${new URL(request.url).origin} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (status < 200 || status >= 300) throw new DeliveryFailed(`delivery to ${new URL(request.url).origin} answered ${status}`);
  return status;
}

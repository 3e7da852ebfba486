import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { hostAddress, webhookSignature, type OutboundPolicy } from '@quorumd/core';
import { DestinationRefused, guardedLookup } from './outbound-guard';

export interface DeliveryRequest {
  url: string;
  /** The HMAC secret it is signed with (X-Quorum-Signature); none: unsigned (a chat incoming webhook). */
  secret?: string;
  deliveryId: string;
  event: string;
  body: string;
  timeoutMs: number;
}

/**
 * A delivery that did not get a 2xx answer. Its message is what operators see in the
 * dead-letter list, and on purpose says no more than "no 2xx answer": telling "404"
 * from "connection refused" would make quorumd a port scanner. The cause is in `detail`
 * (for the worker's log only).
 */
export class DeliveryFailed extends Error {
  override name = 'DeliveryFailed';
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

/**
 * POSTs one signed delivery to a destination the outbound policy permits (checked on the
 * address actually connected to), following no redirect. Anything but a 2xx answer
 * within the timeout is a failure, which BullMQ retries with backoff.
 */
export async function postDelivery(request: DeliveryRequest, policy: OutboundPolicy): Promise<number> {
  const url = new URL(request.url);
  const origin = url.origin;
  const host = hostAddress(url);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (isIP(host) !== 0 && !policy.permits(host))) {
    throw new DeliveryFailed(`delivery to ${origin} refused: not a public http(s) destination`, 'refused by the outbound policy');
  }
  let status: number;
  try {
    status = await post(url, request, policy);
  } catch (err) {
    if (err instanceof DestinationRefused) throw new DeliveryFailed(`delivery to ${origin} refused: not a public http(s) destination`, err.message);
    throw new DeliveryFailed(`delivery to ${origin} failed: no 2xx answer`, err instanceof Error ? err.message : String(err));
  }
  if (status < 200 || status >= 300) throw new DeliveryFailed(`delivery to ${origin} failed: no 2xx answer`, `answered ${status}`);
  return status;
}

function post(url: URL, request: DeliveryRequest, policy: OutboundPolicy): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(request.body),
          'user-agent': 'quorumd-webhook/1',
          'x-quorum-event': request.event,
          'x-quorum-delivery': request.deliveryId,
          ...(request.secret === undefined ? {} : { 'x-quorum-signature': webhookSignature(request.secret, request.body) }),
        },
        lookup: guardedLookup(policy),
        timeout: request.timeoutMs,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error('timed out')), request.timeoutMs);
    req.once('close', () => clearTimeout(deadline));
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', reject);
    req.end(request.body);
  });
}

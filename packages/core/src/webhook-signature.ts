import { createHmac, timingSafeEqual } from 'node:crypto';

/** `X-Quorum-Signature` of a delivery: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export function webhookSignature(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** What a receiver does: recompute over the raw body and compare in constant time. */
export function verifyWebhookSignature(secret: string, rawBody: string | Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(webhookSignature(secret, rawBody));
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

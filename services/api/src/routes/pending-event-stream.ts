import type { TokenView } from '@quorumd/core';
import type { TokenEvents } from '@quorumd/store';
import type { EventStreamOut } from './event-stream-response';

const KEEPALIVE_MS = 15_000;
/** Changes that land together (an approval that finishes a token, a burst of issues) are read once. */
const SETTLE_MS = 50;

/**
 * SSE framing for `GET /v1/officers/me/pending/events`: the officer's queue now, then again
 * whenever it changes. Any token's change (pub/sub from any replica: issue, vote, status) and
 * the soonest expiry in the queue wake one re-read, at most SETTLE_MS after the first change
 * (a steady flow of changes never holds it back); the queue is sent only when it differs
 * from the last one sent. `read` authenticates the caller again each time, and `check` does
 * at every keepalive: the stream ends once its session or user is gone. Ends too when the
 * client goes away, at shutdown, or when a re-read fails (the client reconnects and is
 * authenticated again).
 */
export function streamPendingTokens(
  read: () => Promise<TokenView[]>,
  check: () => Promise<unknown>,
  events: TokenEvents,
  first: TokenView[],
  out: EventStreamOut,
): void {
  let last = JSON.stringify(first);
  let settle: NodeJS.Timeout | undefined;
  let expiry: NodeJS.Timeout | undefined;
  let reading = false;
  let again = false;
  let finished = false;
  const send = (text: string) => out.event(`event: pending\ndata: {"tokens":${text}}\n\n`);
  const keepalive = setInterval(() => void check().then(() => out.keepalive(), finish), KEEPALIVE_MS);
  let off: () => void = () => undefined;
  function finish() {
    if (finished) return;
    finished = true;
    off();
    clearInterval(keepalive);
    clearTimeout(settle);
    clearTimeout(expiry);
    out.end();
  }
  const armExpiry = (tokens: TokenView[]) => {
    clearTimeout(expiry);
    const soonest = Math.min(...tokens.map((t) => Date.parse(t.expiresAt)));
    if (Number.isFinite(soonest)) expiry = setTimeout(wake, Math.max(0, soonest - Date.now() + 5));
  };
  const refresh = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        const tokens = await read();
        if (finished) return;
        const text = JSON.stringify(tokens);
        if (text !== last) {
          last = text;
          send(text);
        }
        armExpiry(tokens);
      } while (again && !finished);
    } catch {
      finish();
    } finally {
      reading = false;
    }
  };
  function wake() {
    if (settle !== undefined || finished) return;
    settle = setTimeout(() => {
      settle = undefined;
      void refresh();
    }, SETTLE_MS);
  }
  send(last);
  off = events.onAny((_id, status) => (status === 'CLOSING' ? finish() : wake()));
  armExpiry(first);
  out.signal.addEventListener('abort', finish, { once: true });
  // A change between the first read and the subscription is caught by one more read.
  wake();
}

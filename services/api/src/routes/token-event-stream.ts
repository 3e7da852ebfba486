import { isTerminal, type TokenView } from '@quorumd/core';
import type { TokenEvents } from '@quorumd/store';
import type { EventStreamOut } from './event-stream-response';

const KEEPALIVE_MS = 15_000;

/**
 * SSE framing for `GET /v1/tokens/:id/events`. Server-sent events for one token: the view
 * now, then again on every status change and every approval or rejection (woken by pub/sub
 * from any replica, and at the token's expiry time), until a terminal state or until the
 * client goes away. `read` authenticates the caller again each time, and `check` does at
 * every keepalive: the stream ends once its session, user or API key is gone. The caller
 * has already checked the token exists.
 */
export function streamTokenStatus(
  read: () => Promise<TokenView>,
  check: () => Promise<unknown>,
  events: TokenEvents,
  first: TokenView,
  out: EventStreamOut,
): void {
  let last = first;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const send = (view: TokenView) => out.event(`event: status\ndata: ${JSON.stringify(view)}\n\n`);
  const keepalive = setInterval(() => void check().then(() => out.keepalive(), finish), KEEPALIVE_MS);
  let off: () => void = () => undefined;
  function finish() {
    if (finished) return;
    finished = true;
    off();
    clearInterval(keepalive);
    clearTimeout(timer);
    out.end();
  }
  const armExpiry = (view: TokenView) => {
    clearTimeout(timer);
    const due = view.status === 'PENDING' ? view.expiresAt : view.status === 'APPROVED' ? view.approvedExpiresAt : undefined;
    if (due) timer = setTimeout(() => void refresh(), Math.max(0, Date.parse(due) - Date.now() + 5));
  };
  const refresh = async () => {
    try {
      const view = await read();
      if (finished) return;
      if (view.status !== last.status || view.approvals.length !== last.approvals.length || view.rejections.length !== last.rejections.length) {
        last = view;
        send(view);
      }
      if (isTerminal(view.status)) return finish();
      armExpiry(view);
    } catch {
      finish();
    }
  };
  send(first);
  if (isTerminal(first.status)) return finish();
  off = events.on(first.id, (status) => (status === 'CLOSING' ? finish() : void refresh()));
  armExpiry(first);
  out.signal.addEventListener('abort', finish, { once: true });
  // A change between the first read and the subscription is caught by one more read.
  void refresh();
}

import { isTerminal, type TokenView } from '@quorumd/core';
import type { TokenEvents } from '@quorumd/store';
import type { Principal } from '../application/principal';
import type { TokensService } from '../application/tokens-service';

const KEEPALIVE_MS = 15_000;

/**
 * SSE framing for `GET /v1/tokens/:id/events`. Server-sent events for one token: the view
 * now, then again on every status change and every approval or rejection (woken by pub/sub
 * from any replica, and at the token's expiry time), until a terminal state or until the
 * client goes away. The caller has already checked the token exists.
 */
export function streamTokenStatus(
  tokens: TokensService,
  events: TokenEvents,
  principal: Principal,
  first: TokenView,
  write: (chunk: string) => void,
  end: () => void,
  signal: AbortSignal,
): void {
  let last = first;
  let timer: NodeJS.Timeout | undefined;
  const send = (view: TokenView) => write(`event: status\ndata: ${JSON.stringify(view)}\n\n`);
  const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
  let off: () => void = () => undefined;
  const finish = () => {
    off();
    clearInterval(keepalive);
    clearTimeout(timer);
    end();
  };
  const armExpiry = (view: TokenView) => {
    clearTimeout(timer);
    const due = view.status === 'PENDING' ? view.expiresAt : view.status === 'APPROVED' ? view.approvedExpiresAt : undefined;
    if (due) timer = setTimeout(() => void refresh(), Math.max(0, Date.parse(due) - Date.now() + 5));
  };
  const refresh = async () => {
    try {
      const view = await tokens.read(principal, first.id);
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
  signal.addEventListener('abort', finish, { once: true });
  // A change between the first read and the subscription is caught by one more read.
  void refresh();
}

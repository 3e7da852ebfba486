import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../application/auth-service';
import type { Principal } from '../application/principal';
import type { StreamSlots } from '../application/stream-slots';

/** The response side of a server-sent events stream, as the stream functions use it. */
export interface EventStreamOut {
  /** Sends an event now, or once the client has taken what was sent before (only the latest waits). */
  event(chunk: string): void;
  /** A comment that keeps proxies from closing an idle stream; skipped while the client is behind. */
  keepalive(): void;
  /** Sends the event still waiting, if any, and ends the response. */
  end(): void;
  /** Aborts when the connection closes (the client went away, or the response ended). */
  readonly signal: AbortSignal;
}

/**
 * Opens a server-sent events response (`/v1/tokens/:id/events`,
 * `/v1/officers/me/pending/events`). Every event of these streams is a whole state (a
 * TokenView, a queue), so an event that finds the client still behind on the previous one
 * replaces any event already waiting: a client that reads slowly, or never, holds the server
 * to one event in the socket and one waiting — never a backlog that grows with every change.
 * `onClose` runs once, when the connection closes.
 */
function openEventStream(request: FastifyRequest, reply: FastifyReply, onClose: () => void): EventStreamOut {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': request.id,
  });
  const closed = new AbortController();
  let waiting: string | undefined;
  const open = () => !res.writableEnded && !res.destroyed;
  res.on('drain', () => {
    if (waiting === undefined || !open()) return;
    const chunk = waiting;
    waiting = undefined;
    res.write(chunk);
  });
  res.once('close', () => {
    waiting = undefined;
    closed.abort();
    onClose();
  });
  return {
    event(chunk) {
      if (!open()) return;
      if (res.writableNeedDrain) waiting = chunk;
      else res.write(chunk);
    },
    keepalive() {
      if (open() && !res.writableNeedDrain && waiting === undefined) res.write(': keepalive\n\n');
    },
    end() {
      if (!open()) return;
      if (waiting !== undefined) res.write(waiting);
      waiting = undefined;
      res.end();
    },
    signal: closed.signal,
  };
}

/**
 * Opens a caller's event stream: one of the caller's few places first (a user's sessions
 * together, an API key on its own: see StreamSlots), so that a refused stream costs no read; then the first state, read as the
 * caller; then `stream` with a `read` that authenticates the caller again each time (a
 * session or API key that ended, or its user deleted, stops the stream) and that check alone.
 */
export async function openCallerStream<T>(
  services: { streams: StreamSlots; auth: AuthService },
  request: FastifyRequest,
  reply: FastifyReply,
  readAs: (principal: Principal) => Promise<T>,
  stream: (read: () => Promise<T>, check: () => Promise<Principal>, first: T, out: EventStreamOut) => void,
): Promise<void> {
  const release = services.streams.take(request.principal);
  const credential = request.headers.authorization;
  const caller = () => services.auth.principal(credential);
  let first: T;
  try {
    first = await readAs(request.principal);
  } catch (err) {
    release();
    throw err;
  }
  stream(async () => readAs(await caller()), caller, first, openEventStream(request, reply, release));
}

import { errorOf, type ApiClient } from './api-client';

export interface StreamEvent {
  event: string;
  data: string;
}

/** Splits server-sent events text into events; keeps the unfinished tail for the next chunk. */
function parseEventChunk(buffer: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const blocks = buffer.replace(/\r\n/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'event') event = value;
      else if (name === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

/**
 * Follows a server-sent events URL of the API with the session in the Authorization header
 * (EventSource cannot send one, and a session must never go into a URL). Reconnects after
 * a dropped or finished stream, or one refused for the moment (429), 1 s and up to 10 s
 * between tries, until `signal` aborts, `done` says the stream has nothing more to say, or
 * the API refuses (401 ends the session, 404 the thing followed is gone).
 */
export function followEvents(
  api: ApiClient,
  path: string,
  onEvent: (event: StreamEvent) => void,
  options: { signal: AbortSignal; done?: () => boolean; onRefused?: (status: number, code: string) => void },
): void {
  const { signal } = options;
  let delay = 1000;
  const once = async (): Promise<boolean> => {
    const res = await fetch(path, { headers: api.headers({ accept: 'text/event-stream' }), signal, cache: 'no-store', credentials: 'omit' });
    if (!res.ok || !res.body) {
      const err = await errorOf(res);
      // 429: the user's streams are all taken for now (other tabs): try again later.
      if (res.status >= 400 && res.status < 500 && res.status !== 429) {
        options.onRefused?.(res.status, err.code);
        return false;
      }
      return true;
    }
    delay = 1000;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return true;
      const parsed = parseEventChunk(buffer + value);
      buffer = parsed.rest;
      for (const event of parsed.events) onEvent(event);
    }
  };
  const loop = async () => {
    while (!signal.aborted) {
      let again = true;
      try {
        again = await once();
      } catch {
        // dropped: try again
      }
      if (!again || signal.aborted || options.done?.()) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void loop();
}

/**
 * A client of the server-sent event routes (the live queue, a token's events) over a real
 * connection, for the tests: the next event, whether the server ends the stream, close.
 */
// any: the events carry queues or TokenViews, asserted field by field by the tests.

export interface Stream {
  status: number;
  code?: string;
  /** The next event's data (any: a queue or a TokenView, asserted field by field); rejects when the stream ends. */
  next(timeoutMs?: number): Promise<{ event: string; data: any }>;
  /** Resolves true when the server ends the stream within `timeoutMs`, with every event it sent before. */
  ended(timeoutMs: number): Promise<{ ended: boolean; events: { event: string; data: any }[] }>;
  close(): void;
}

/** Reads server-sent events from a real connection. */
export async function openStream(url: string, path: string, credential: string): Promise<Stream> {
  const aborted = new AbortController();
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${credential}` }, signal: aborted.signal });
  if (res.status !== 200) {
    const body = (await res.json()) as { code?: string };
    return { status: res.status, code: body.code, next: () => Promise.reject(new Error('refused')), ended: async () => ({ ended: true, events: [] }), close: () => undefined };
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let done = false;
  const pull = async (deadline: number): Promise<{ event: string; data: any } | 'timeout' | 'done'> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) return { event, data: JSON.parse(data) };
        continue;
      }
      if (done) return 'done';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        reader.read().catch(() => ({ value: undefined, done: true })),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left))),
      ]);
      clearTimeout(timer);
      if (chunk === 'timeout') return 'timeout';
      if (chunk.done) done = true;
      else buffer += chunk.value;
    }
  };
  return {
    status: 200,
    async next(timeoutMs = 5000) {
      const got = await pull(Date.now() + timeoutMs);
      if (got === 'timeout' || got === 'done') throw new Error(`stream: ${got}`);
      return got;
    },
    async ended(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const events: { event: string; data: any }[] = [];
      for (;;) {
        const got = await pull(deadline);
        if (got === 'done') return { ended: true, events };
        if (got === 'timeout') return { ended: false, events };
        events.push(got);
      }
    },
    close: () => aborted.abort(),
  };
}

/** The token ids a list of events carries (queues or token views). */
export const ids = (events: { data: any }[]) => events.flatMap((e) => (e.data.tokens ?? [e.data]).map((t: { id: string }) => t.id));

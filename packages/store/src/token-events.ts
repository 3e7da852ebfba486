import type { RedisClient } from './redis-url';

type Listener = (status: string) => void;
type AnyListener = (id: string, status: string) => void;

/**
 * Wakes waiters when a token's status changes, on whichever replica the change
 * happened: every store script that changes a status publishes `<id> <status>` on one
 * channel, and each API process holds a single subscriber connection for it. A vote that
 * leaves the status as it was publishes `<id> VOTE` (not a status: listeners re-read).
 */
export class TokenEvents {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<AnyListener>();
  private closed = false;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly channel: string,
  ) {
    subscriber.on('message', (ch: string, message: string) => {
      if (ch !== this.channel) return;
      const space = message.indexOf(' ');
      const id = message.slice(0, space);
      const status = message.slice(space + 1);
      for (const listener of this.listeners.get(id) ?? []) listener(status);
      for (const listener of this.anyListeners) listener(id, status);
    });
  }

  /** True once close() ran: waiters must answer now rather than wait again. */
  get closing(): boolean {
    return this.closed;
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.channel);
  }

  /** Calls `listener` on every status change of token `id` until the returned function is called. */
  on(id: string, listener: Listener): () => void {
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /**
   * Calls `listener` on every change of any token (an officer's queue follows them all)
   * until the returned function is called. At close it hears `('', 'CLOSING')`.
   */
  onAny(listener: AnyListener): () => void {
    this.anyListeners.add(listener);
    return () => void this.anyListeners.delete(listener);
  }

  /**
   * Resolves on the next status change of `id`, after `timeoutMs`, or when `signal`
   * aborts, whichever is first. `armed` runs once the listener is in place, so a caller
   * can re-read the state without missing a change.
   */
  async next(id: string, timeoutMs: number, signal: AbortSignal, armed: () => Promise<boolean>): Promise<void> {
    if (this.closed) return;
    let off: () => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => {
      off = this.on(id, () => resolve());
      timer = setTimeout(resolve, Math.max(0, timeoutMs));
      onAbort = () => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      if (await armed()) await changed;
    } finally {
      off();
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Wakes every waiter (at shutdown) and stops listening. */
  close(): void {
    this.closed = true;
    for (const [, set] of this.listeners) for (const listener of set) listener('CLOSING');
    for (const listener of this.anyListeners) listener('', 'CLOSING');
    this.listeners.clear();
    this.anyListeners.clear();
  }
}

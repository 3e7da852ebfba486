import { SYSTEM, type QuorumStore } from '@quorumd/store';

/**
 * Writes EXPIRED for every token whose time has passed (reads report it at once anyway),
 * which sets off `token.expired`: a sweep of the open and approved indexes every
 * `intervalMs`, instead of one delayed job per token. Every worker sweeps; the expiry
 * script is idempotent, so two sweeps of one token change it once.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: QuorumStore,
    private readonly options: { intervalMs: number; batch: number; log: (message: string, fields?: Record<string, unknown>) => void; requesterMayApprove?: boolean },
  ) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => this.options.log('expiry sweep failed; retrying', { err }))
        .finally(() => this.schedule());
    }, this.options.intervalMs);
  }

  /** Expires what is due now; answers how many tokens it looked at. */
  async sweep(): Promise<number> {
    const due = await this.store.tokens.dueForExpiry(this.store.ctx.clock(), this.options.batch);
    // An id whose token is gone is dropped from the indexes by the script (GONE).
    for (const id of due) await this.store.tokens.expire(id, SYSTEM);
    // Break-glass tokens at the end of their time lock: APPROVED without anyone calling.
    const locked = await this.store.tokens.dueForBreakGlass(this.store.ctx.clock(), this.options.batch);
    for (const id of locked) await this.store.tokens.settleBreakGlass(id, this.options.requesterMayApprove ?? false, SYSTEM);
    return due.length + locked.length;
  }
}

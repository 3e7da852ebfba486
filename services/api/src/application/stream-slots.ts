import { QuorumError } from '@quorumd/core';
import type { Principal } from './principal';

/** One count a caller's open connections are held to, and its limit. */
interface Budget {
  key: string;
  limit: number;
  whose: string;
}

/**
 * How many long-lived requests of one kind — event streams (`/v1/tokens/:id/events`,
 * `/v1/officers/me/pending/events`) or long-polls (`GET /v1/tokens/:id?wait=`) — each caller
 * holds open in this process. A user's sessions count together, as one person; an API key
 * counts on its own budget, so that automation can never push its owner's console off the
 * live queue, and all API keys of one owner together on a larger one (keys are cheap to make).
 * Each costs a connection, a listener on every token change and, for a queue, a read of the
 * open tokens on each change: one caller opening them without end would slow Redis and this
 * process for everyone.
 */
export class StreamSlots {
  private readonly open = new Map<string, number>();

  /** `what`: the requests counted, as a refusal names them (e.g. "event streams"). */
  constructor(
    private readonly what: string,
    private readonly perCaller: number,
    private readonly perOwnerKeys = 4 * perCaller,
  ) {}

  private budgets(principal: Principal): Budget[] {
    if (principal.kind === 'user') return [{ key: `user:${principal.user.id}`, limit: this.perCaller, whose: 'user' }];
    return [
      { key: `apikey:${principal.key.id}`, limit: this.perCaller, whose: 'API key' },
      { key: `keys-of:${principal.key.ownerId}`, limit: this.perOwnerKeys, whose: 'owner’s API keys together' },
    ];
  }

  /** Takes one of the caller's places, or refuses (RET_RATE_LIMITED); returns what gives it back (once). */
  take(principal: Principal): () => void {
    const budgets = this.budgets(principal);
    for (const budget of budgets) {
      if ((this.open.get(budget.key) ?? 0) >= budget.limit) {
        throw new QuorumError('RET_RATE_LIMITED', `At most ${budget.limit} ${this.what} per ${budget.whose} may be open at once on this server; close one first`);
      }
    }
    for (const budget of budgets) this.open.set(budget.key, (this.open.get(budget.key) ?? 0) + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      for (const budget of budgets) {
        const left = (this.open.get(budget.key) ?? 1) - 1;
        if (left > 0) this.open.set(budget.key, left);
        else this.open.delete(budget.key);
      }
    };
  }
}

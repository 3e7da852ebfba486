import { QuorumError } from '@quorumd/core';

/**
 * How many event streams (`/v1/tokens/:id/events`, `/v1/officers/me/pending/events`) each
 * user holds open in this process — its sessions and its API keys together, as one person.
 * A stream costs a connection, a listener on every token change and, for a queue, a read of
 * the open tokens on each change: one user opening them without end would slow Redis and
 * this process for everyone.
 */
export class StreamSlots {
  private readonly open = new Map<number, number>();

  constructor(private readonly perUser: number) {}

  /** Takes one of `userId`'s places, or refuses (RET_RATE_LIMITED); returns what gives it back (once). */
  take(userId: number): () => void {
    const held = this.open.get(userId) ?? 0;
    if (held >= this.perUser) {
      throw new QuorumError('RET_RATE_LIMITED', `At most ${this.perUser} event streams per user may be open at once on this server; close one first`);
    }
    this.open.set(userId, held + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left > 0) this.open.set(userId, left);
      else this.open.delete(userId);
    };
  }
}

import { SERVICE_NAMES, type QuorumService } from '@quorumd/core';
import { gateIdsAndArgs, type QuorumGate } from './quorum-gate';
import type { Actor, StoreContext } from './store-context';

/** The M value of each quorum service (1 when never set: quorum off). */
export class MValuesRepository {
  private lastRead: Record<QuorumService, number> | undefined;

  constructor(private readonly ctx: StoreContext) {}

  async all(): Promise<Record<QuorumService, number>> {
    const hash = await this.ctx.read((r) => r.hgetall(this.ctx.keys.mValues()));
    const read = Object.fromEntries(SERVICE_NAMES.map((service) => [service, Number(hash[service] ?? 1)])) as Record<QuorumService, number>;
    this.lastRead = read;
    return read;
  }

  /**
   * The M values as last read by this process (read once if never): only for a write whose
   * script checks them again (token issue: RET_M_VALUE_CHANGED, then read afresh).
   */
  async lastKnown(): Promise<Record<QuorumService, number>> {
    return this.lastRead ?? this.all();
  }

  /** setMValue; `force` comes from the signed operation. */
  async set(gate: QuorumGate, service: QuorumService, m: number, rules: { force: boolean }, actor: Actor): Promise<void> {
    const { gateTokenId, args } = gateIdsAndArgs(gate);
    await this.ctx.run('setMValue', { gateTokenId }, actor, { ...args, service, m, force: rules.force ? '1' : '0', retentionMs: this.ctx.retentionMs });
  }
}

/**
 * Why the changes are held by fewer replicas than they should be: the automatic setting
 * went from 1 to 0 because the master's replica left (`replica-gone`), or the replicas WAIT
 * asked for did not acknowledge in time (`acks-timed-out`, e.g. a frozen or resyncing replica).
 */
export type DegradedReason = 'replica-gone' | 'acks-timed-out';

export interface DurabilityState {
  /** Replicas a change waits for now (WAIT's count). */
  required: number;
  /** Replicas that acknowledged the latest WAIT (0 when none was asked for). */
  acknowledging: number;
  degraded?: DegradedReason;
  /** Changes committed on the master that no replica was confirmed to hold, by why. */
  unacknowledged: { timedOut: number; noneRequired: number };
}

export type DurabilityListener = (change: 'degraded' | 'restored', state: Readonly<DurabilityState>, fields: Record<string, unknown>) => void;

/**
 * What the store's WAITs found, kept in memory (no round-trip of its own): the gauge and the
 * counters of /metrics, the `degraded` of /readyz, and one report per change of state.
 */
export class DurabilityWatch {
  private readonly current: DurabilityState = { required: 0, acknowledging: 0, unacknowledged: { timedOut: 0, noneRequired: 0 } };
  /** Whether the master was ever seen with a replica (a Redis without any is no degradation). */
  private hadReplica = false;
  private readonly listeners: DurabilityListener[] = [];

  constructor(
    /** QUORUM_MIN_REPLICAS: a number when set, else 'auto'. */
    readonly minReplicas: number | 'auto',
    private readonly timeoutMs: number,
  ) {}

  get state(): Readonly<DurabilityState> {
    return this.current;
  }

  /** Whether QUORUM_MIN_REPLICAS was set and the latest WAIT fell short of it (readiness fails). */
  get belowMinimum(): boolean {
    return this.minReplicas !== 'auto' && this.minReplicas > 0 && this.current.degraded !== undefined;
  }

  onChange(listener: DurabilityListener): void {
    this.listeners.push(listener);
  }

  /** The count a change asks WAIT for now (counted again every few seconds under 'auto'). */
  noteRequired(required: number): void {
    const before = this.current.required;
    this.current.required = required;
    if (required > 0) this.hadReplica = true;
    if (this.minReplicas === 'auto' && required === 0 && before > 0 && this.hadReplica) {
      this.current.acknowledging = 0;
      this.change('replica-gone', { requiredWas: before });
    }
  }

  /** A change made without a WAIT (none required): no replica holds it yet. */
  noteUnwaited(): void {
    this.current.unacknowledged.noneRequired++;
    this.current.acknowledging = 0;
  }

  /** A WAIT's answer; `change`: it followed a change (a readiness probe counts no write). */
  noteAcks(acknowledged: number, required: number, change: boolean): void {
    this.current.acknowledging = acknowledged;
    if (acknowledged < required) {
      if (change) this.current.unacknowledged.timedOut++;
      this.change('acks-timed-out', { acknowledged, required, timeoutMs: this.timeoutMs });
    } else if (required > 0 && this.current.degraded) {
      this.change(undefined, { acknowledged, required });
    }
  }

  private change(reason: DegradedReason | undefined, fields: Record<string, unknown>): void {
    if (this.current.degraded === reason) return;
    this.current.degraded = reason;
    for (const listener of this.listeners) listener(reason ? 'degraded' : 'restored', this.current, { ...fields, ...(reason ? { reason } : {}) });
  }
}

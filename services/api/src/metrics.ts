import type { QuorumQueues } from '@quorumd/queue';
import type { AuditSealStatus, DurabilityWatch } from '@quorumd/store';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const GAUGES_NAMED_TOTAL = new Set(['active_handles_total', 'active_requests_total', 'active_resources_total'].map((name) => `quorum_process_nodejs_${name}`));

/** Prometheus metrics of one API process, all named `quorum_*`, served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'quorum_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'quorum_tokens_total',
    help: 'Token status changes made by this process, by service and new status',
    labelNames: ['service', 'status'] as const,
    registers: [this.registry],
  });
  /** Break-glass tokens by what became of them in this process: requested, vetoed, approved, used. */
  readonly breakGlass = new Counter({
    name: 'quorum_breakglass_total',
    help: 'Break-glass tokens requested, vetoed, approved and used through this process (docs/policies.md)',
    labelNames: ['service', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly approvals = new Counter({ name: 'quorum_approvals_total', help: 'Approvals accepted', labelNames: ['alg'] as const, registers: [this.registry] });
  readonly signatureFailures = new Counter({ name: 'quorum_signature_failures_total', help: 'Approvals refused because the signature did not verify', registers: [this.registry] });
  readonly gateVotesRefused = new Counter({ name: 'quorum_gate_votes_refused_total', help: 'Vote records a quorum gate found in Redis whose signature does not verify (they never count)', registers: [this.registry] });
  readonly timeToQuorum = new Histogram({
    name: 'quorum_time_to_quorum_seconds',
    help: 'Time from token issue to the approval that completed its quorum',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({ name: 'quorum_redis_errors_total', help: 'Redis connection errors and requests answered RET_STORE_UNAVAILABLE', registers: [this.registry] });

  /**
   * `durability`: what the store's WAITs found; `auditSeal`: the inline worker's audit sealer,
   * when this process runs one.
   */
  constructor(queues?: QuorumQueues, sources: { durability?: DurabilityWatch; auditSeal?: () => AuditSealStatus } = {}) {
    const { durability, auditSeal } = sources;
    // Node's defaults, but for the three gauges prom-client names `_total` (Prometheus keeps
    // that suffix for counters): the same counts by type stay, as quorum_process_nodejs_active_{handles,requests,resources}.
    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults, prefix: 'quorum_process_' });
    for (const { name } of defaults.getMetricsAsArray()) {
      const metric = defaults.getSingleMetric(name);
      if (metric && !GAUGES_NAMED_TOTAL.has(name)) this.registry.registerMetric(metric);
    }
    if (auditSeal) {
      new Gauge({
        name: 'quorum_audit_seal_lag_seconds',
        help: 'How long the oldest audit entry not sealed yet has waited (0: all sealed); alert well before 5 checkpoint intervals',
        registers: [this.registry],
        collect() {
          this.set(auditSeal().sealLagSeconds);
        },
      });
      new Gauge({
        name: 'quorum_audit_checkpoint_age_seconds',
        help: 'How long the oldest audit entry no signed checkpoint covers has waited, at most the newest checkpoint\'s age (0: all covered)',
        registers: [this.registry],
        collect() {
          this.set(auditSeal().checkpointAgeSeconds);
        },
      });
    }
    if (durability) {
      // Read from what the store's WAITs found: nothing is asked of Redis for them.
      new Gauge({
        name: 'quorum_redis_replicas_acknowledging',
        help: 'Replicas that acknowledged the latest change (Redis WAIT after it); 0 when none was asked for',
        registers: [this.registry],
        collect() {
          this.set(durability.state.acknowledging);
        },
      });
      new Counter({
        name: 'quorum_writes_unacknowledged_total',
        help: 'Changes committed on the Redis master that no replica was confirmed to hold: WAIT timed out (answered 503 mayHaveCommitted), or none was required',
        labelNames: ['reason'] as const,
        registers: [this.registry],
        collect() {
          const { timedOut, noneRequired } = durability.state.unacknowledged;
          this.reset();
          this.inc({ reason: 'timed_out' }, timedOut);
          this.inc({ reason: 'none_required' }, noneRequired);
        },
      });
    }
    if (!queues) return;
    new Gauge({
      name: 'quorum_queue_jobs',
      help: 'Jobs in the quorumd queues by state (failed deliveries are the dead letters)',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        for (const queue of [queues.deliveries]) {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
          for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
        }
      },
    });
  }
}

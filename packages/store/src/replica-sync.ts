import type { ReplicaLink, ReplicationInfo } from './replication-info';
import type { StoreContext } from './store-context';

/** The start waited its bound and the replicas WAIT counts are still not in sync; the message is the one line to show. */
export class ReplicasNotInSyncError extends Error {
  override name = 'ReplicasNotInSyncError';
}

export interface ReplicaSyncOptions {
  /** As QUORUM_MIN_REPLICAS: 'auto' needs one replica in sync when the master has any. */
  minReplicas: number | 'auto';
  timeoutMs: number;
  /** One call per change of what the wait is waiting for. */
  report: (message: string, fields: Record<string, unknown>) => void;
  pollMs?: number;
}

/** What a replica that is not in sync is still doing, in the words of the log line. */
function pending(replica: ReplicaLink): string {
  return replica.state === 'online' ? 'catch up with the master' : 'finish its first sync';
}

/**
 * Waits (bounded) until as many replicas as WAIT will ask for are online and caught up with
 * the master that holds the deployment's writes: a replica is caught up once it acknowledged
 * the master's offset of the moment it was first seen online. A Redis 7 master counts a new
 * replica in `connected_slaves` from its first contact, while it holds the full sync back by
 * `repl-diskless-sync-delay` (5 s): a change made then cannot be acknowledged in time.
 * Reports one line per change (a replica waited for, its state, all in sync); past the bound
 * it throws a ReplicasNotInSyncError naming the replica and its state.
 */
export async function waitForReplicasInSync(ctx: StoreContext, options: ReplicaSyncOptions): Promise<void> {
  const started = Date.now();
  const pollMs = options.pollMs ?? 100;
  /** The master's offset when each replica was first seen online: what it must acknowledge. */
  const targets = new Map<string, number>();
  /** What was last said about each replica (or the missing ones): one line per change. */
  const said = new Map<string, string>();
  let last: { info?: ReplicationInfo; error?: string } = {};
  for (;;) {
    try {
      last = { info: await ctx.replication() };
    } catch (err) {
      last = { error: err instanceof Error ? err.message : String(err) };
    }
    const info = last.info;
    if (info) {
      const needed = options.minReplicas === 'auto' ? Math.min(1, info.replicas.length) : options.minReplicas;
      for (const replica of info.replicas) if (replica.state === 'online' && !targets.has(replica.address)) targets.set(replica.address, info.offset);
      const inSync = (r: ReplicaLink) => r.state === 'online' && r.offset >= (targets.get(r.address) ?? Infinity);
      if (info.replicas.filter(inSync).length >= needed) {
        if (said.size > 0) options.report('redis replicas in sync', { replicas: info.replicas.filter(inSync).map((r) => r.address), waitedMs: Date.now() - started });
        return;
      }
      for (const replica of info.replicas.filter((r) => !inSync(r))) {
        const what = `${pending(replica)}|${replica.state}`;
        if (said.get(replica.address) === what) continue;
        said.set(replica.address, what);
        options.report(`waiting for replica ${replica.address} to ${pending(replica)}`, { replica: replica.address, state: replica.state, lag: replica.lag });
      }
      if (info.replicas.length < needed && said.get('(missing)') !== String(info.replicas.length)) {
        said.set('(missing)', String(info.replicas.length));
        options.report(`waiting for ${needed - info.replicas.length} more replica(s) to connect (QUORUM_MIN_REPLICAS=${needed})`, { connected: info.replicas.length, needed });
      }
    }
    const waitedMs = Date.now() - started;
    if (waitedMs >= options.timeoutMs) throw new ReplicasNotInSyncError(notInSyncLine(last, options, targets));
    await new Promise((r) => setTimeout(r, Math.min(pollMs, options.timeoutMs - waitedMs)));
  }
}

function notInSyncLine(last: { info?: ReplicationInfo; error?: string }, options: ReplicaSyncOptions, targets: Map<string, number>): string {
  const after = `after ${options.timeoutMs / 1000} s (QUORUM_START_TIMEOUT_SECONDS)`;
  const what = 'wait for it, raise QUORUM_START_TIMEOUT_SECONDS, or see that replica’s log';
  if (!last.info) return `the Redis master that holds the deployment’s writes did not answer INFO replication ${after}: ${last.error ?? 'no answer'}`;
  const late = last.info.replicas.find((r) => !(r.state === 'online' && r.offset >= (targets.get(r.address) ?? Infinity)));
  if (late) {
    const state = late.state === 'online' ? `online, acknowledged offset ${late.offset} of ${targets.get(late.address) ?? last.info.offset}` : `state ${late.state}`;
    return `replica ${late.address} is not in sync with the Redis master ${after} (${state}): changes could not be acknowledged by it; ${what}`;
  }
  return (
    `the Redis master has ${last.info.replicas.length} replica(s) but QUORUM_MIN_REPLICAS is ${String(options.minReplicas)} ${after}: ` +
    'start the missing replica(s) or lower QUORUM_MIN_REPLICAS'
  );
}

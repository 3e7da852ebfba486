import { QuorumError, canonicalJson } from '@quorumd/core';
import keySlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-url';
import { StoreKeys, type KeyIds } from './keys';
import { defineScripts, scriptCommand, scriptKeyNames, type ScriptName } from './lua-scripts';
import { DurabilityWatch } from './durability-watch';
import { parseReplication, type ReplicationInfo } from './replication-info';
import { orderedArgs, type ScriptArgs } from './script-args';
import { toQuorumError } from './store-errors';

/** Who made a change, as written into the audit log. */
export type Actor =
  | { kind: 'user'; id: number; name: string }
  | { kind: 'apikey'; id: string; name: string }
  | { kind: 'system' };

export const SYSTEM: Actor = { kind: 'system' };

/**
 * An actor as the audit log names it: `user:<id>`, `apikey:<id>` or `system` (compact: names
 * are in the entries that created the user or key).
 */
function actorKey(actor: Actor): string {
  return actor.kind === 'system' ? 'system' : `${actor.kind}:${actor.id}`;
}

/** Scripts that change nothing the API answers for (reads, and the sealer's own bookkeeping): no replica wait. */
const READ_ONLY_SCRIPTS: ReadonlySet<ScriptName> = new Set(['readToken', 'readSession', 'pendingTokens', 'approvalRecipients', 'auditSealerLease', 'sealAudit', 'growAuditTree', 'addAuditCheckpoint', 'addAuditCosignatures', 'tokenApprovers']);

/**
 * Durability: a change answered 2xx is on at least `minReplicas` replicas (Redis WAIT after
 * the script). 'auto': 1 when the master has replicas (checked every few seconds), else 0.
 */
export interface ReplicaAcks {
  minReplicas: number | 'auto';
  timeoutMs: number;
}

export interface StoreOptions {
  prefix: string;
  replicaAcks?: ReplicaAcks;
  /** How long finished tokens are kept for reading and bundles, ms. */
  retentionMs: number;
  clock?: () => number;
}

/**
 * Whatever goes wrong once the script has run (the replicas' count, WAIT on a connection that
 * died or on a node that is no longer a master) leaves the change possibly committed: the
 * caller hears so (503, mayHaveCommitted), never a 500 nor a plain "try again".
 */
function afterTheChange(err: unknown): never {
  if (err instanceof QuorumError) throw err;
  throw new QuorumError('RET_STORE_UNAVAILABLE', 'The change was made on the Redis master but its replication could not be confirmed: it may have been committed; read the state before trying again', {
    mayHaveCommitted: true,
  });
}

/** The connection, keys and clock that the repositories share. */
export class StoreContext {
  readonly keys: StoreKeys;
  readonly retentionMs: number;
  readonly clock: () => number;
  /** What the WAITs after changes found: for /metrics, /readyz and the log. */
  readonly durability: DurabilityWatch;

  private readonly replicaAcks: ReplicaAcks | undefined;
  /** The Cluster hash slot every key of this deployment is in (one hash tag). */
  private readonly slot: number;
  private replicasSeen: { count: number; at: number; node?: Redis } = { count: 0, at: 0 };
  /** Counts the connection's 'ready' events: a change of life between a script and its WAIT is a reconnection. */
  private connectionLives = 0;

  constructor(readonly redis: RedisClient, options: StoreOptions) {
    this.keys = new StoreKeys(options.prefix);
    this.slot = keySlot(this.keys.base);
    this.retentionMs = options.retentionMs;
    this.clock = options.clock ?? Date.now;
    this.replicaAcks = options.replicaAcks;
    this.durability = new DurabilityWatch(options.replicaAcks?.minReplicas ?? 0, options.replicaAcks?.timeoutMs ?? 0);
    // A reconnection may land on another master (a failover): count its replicas again.
    redis.on('ready', () => {
      this.replicasSeen = { count: 0, at: 0 };
      this.connectionLives++;
    });
    defineScripts(redis);
  }

  /**
   * The connection that carried this deployment's writes: the server itself, or on a Cluster
   * the master that owns the deployment's slot now (WAIT counts one connection's writes).
   */
  private writesConnection(afterTheChange: boolean): Redis {
    const redis = this.redis;
    if (!(redis instanceof Cluster)) return redis;
    const owner = redis.slots[this.slot]?.[0];
    const node = owner ? redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner) : undefined;
    if (!node) throw new QuorumError('RET_STORE_UNAVAILABLE', 'The store is unavailable; try again shortly', afterTheChange ? { mayHaveCommitted: true } : undefined);
    return node;
  }

  /** How many replicas must acknowledge a change now. */
  private async requiredAcks(acks: ReplicaAcks, node: Redis): Promise<number> {
    if (acks.minReplicas !== 'auto') {
      this.durability.noteRequired(acks.minReplicas);
      return acks.minReplicas;
    }
    const now = Date.now();
    // Counted again every few seconds, and at once when the slot has another master (a Cluster failover).
    if (now - this.replicasSeen.at > 5000 || this.replicasSeen.node !== node) {
      const info = await node.info('replication');
      this.replicasSeen = { count: Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0), at: now, node };
      this.durability.noteRequired(Math.min(1, this.replicasSeen.count));
    }
    return Math.min(1, this.replicasSeen.count);
  }

  /** Which connection carries writes now, and in which of its lives (a reconnection is a new one to WAIT). */
  private writer(): { node: Redis; life: number } {
    return { node: this.writesConnection(false), life: this.connectionLives };
  }

  /**
   * WAIT until `n` replicas hold the writes of the connection the script went out on; 503
   * (the change may be committed) when they do not in time, or when that connection was
   * replaced meanwhile (a reconnection or a Cluster failover: WAIT on the new one would count
   * nothing of this change).
   */
  private async waitForReplicas(acks: ReplicaAcks, before: { node: Redis; life: number }): Promise<void> {
    const node = this.writesConnection(true);
    if (node !== before.node || this.connectionLives !== before.life) {
      throw new QuorumError('RET_STORE_UNAVAILABLE', 'The connection to the Redis master changed while the change was made: it may have been committed; read the state before trying again', {
        mayHaveCommitted: true,
      });
    }
    const n = await this.requiredAcks(acks, node);
    if (n === 0) return this.durability.noteUnwaited();
    const acked = Number(await node.call('WAIT', n, acks.timeoutMs));
    this.durability.noteAcks(acked, n, true);
    if (acked < n) {
      throw new QuorumError(
        'RET_STORE_UNAVAILABLE',
        `The change was made on the Redis master but ${acked} of ${n} replica(s) acknowledged it within ${acks.timeoutMs} ms: it may have been committed, or may be lost in a failover; read the state before trying again`,
        { mayHaveCommitted: true },
      );
    }
  }

  /**
   * Runs one atomic script with the keys it declares, built from `ids`; refusals come
   * back as QuorumError.
   */
  async run<Name extends ScriptName>(name: Name, ids: KeyIds, actor: Actor, args: ScriptArgs<Name>): Promise<unknown> {
    const keys = scriptKeyNames(name).map((key) => this.keys.resolve(key, ids));
    const values = orderedArgs(name, args as Parameters<typeof orderedArgs>[1]);
    const now = this.clock();
    try {
      const acks = READ_ONLY_SCRIPTS.has(name) ? undefined : this.replicaAcks;
      const before = acks ? this.writer() : undefined;
      const reply = await scriptCommand(this.redis, name)(...keys, this.keys.base, now, new Date(now).toISOString(), canonicalJson(actorKey(actor)), ...values);
      if (acks && before) await this.waitForReplicas(acks, before).catch(afterTheChange);
      return reply;
    } catch (err) {
      throw toQuorumError(err);
    }
  }

  /**
   * Writes the readiness probe on the connection that carries the deployment's writes and
   * WAITs as a change does: replication is in order, so an acknowledgement of the probe is
   * one of every write made before it on that master (a change re-run that found itself done
   * writes nothing for its own WAIT to count). `required` is what a change would ask for now.
   */
  async probeReplicas(): Promise<{ required: number; acknowledged: number }> {
    try {
      const node = this.writesConnection(false);
      await node.set(this.keys.readyProbe(), String(this.clock()), 'PX', 60_000);
      const acks = this.replicaAcks;
      const required = acks ? await this.requiredAcks(acks, node) : 0;
      const acknowledged = acks && required > 0 ? Number(await node.call('WAIT', required, acks.timeoutMs)) : 0;
      if (required > 0) this.durability.noteAcks(acknowledged, required, false);
      return { required, acknowledged };
    } catch (err) {
      throw toQuorumError(err);
    }
  }

  /** The replication seen from the master that takes the deployment's writes now (`INFO replication`). */
  async replication(): Promise<ReplicationInfo> {
    try {
      return parseReplication(await this.writesConnection(false).info('replication'));
    } catch (err) {
      throw toQuorumError(err);
    }
  }

  /** Runs a read; a lost Redis comes back as RET_STORE_UNAVAILABLE. */
  async read<T>(fn: (redis: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.redis);
    } catch (err) {
      throw toQuorumError(err);
    }
  }
}

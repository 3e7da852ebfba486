import { canonicalJson } from '@quorumd/core';
import type { Redis } from 'ioredis';
import { StoreKeys, type KeyIds } from './keys';
import { defineScripts, scriptCommand, scriptKeyNames, type ScriptName } from './lua-scripts';
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

export interface StoreOptions {
  prefix: string;
  /** How long finished tokens are kept for reading and bundles, ms. */
  retentionMs: number;
  clock?: () => number;
}

/** The connection, keys and clock that the repositories share. */
export class StoreContext {
  readonly keys: StoreKeys;
  readonly retentionMs: number;
  readonly clock: () => number;

  constructor(readonly redis: Redis, options: StoreOptions) {
    this.keys = new StoreKeys(options.prefix);
    this.retentionMs = options.retentionMs;
    this.clock = options.clock ?? Date.now;
    defineScripts(redis);
  }

  /**
   * Runs one atomic script with the keys it declares, built from `ids`; refusals come
   * back as QuorumError.
   */
  async run(name: ScriptName, ids: KeyIds, actor: Actor, args: (string | number | Buffer)[] = []): Promise<unknown> {
    const keys = scriptKeyNames(name).map((key) => this.keys.resolve(key, ids));
    const now = this.clock();
    try {
      return await scriptCommand(this.redis, name)(...keys, this.keys.base, now, new Date(now).toISOString(), canonicalJson(actorKey(actor)), ...args);
    } catch (err) {
      throw toQuorumError(err);
    }
  }

  /** Runs a read; a lost Redis comes back as RET_STORE_UNAVAILABLE. */
  async read<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      return await fn(this.redis);
    } catch (err) {
      throw toQuorumError(err);
    }
  }
}

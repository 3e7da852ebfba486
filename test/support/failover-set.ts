import type { RedisProcess } from './redis-process';

/** A replicated Redis set-up started by a test (Sentinel or Cluster), seen from the deployment's slot. */
export interface FailoverSet {
  /** What quorumd's REDIS_URL says. */
  readonly url: string;
  /** The redis-server that is master for the deployment's keys now. */
  masterFor(prefix: string): Promise<RedisProcess>;
  /** Waits until a server other than `old` is master for the deployment's keys; returns it. */
  promotedFor(prefix: string, old: RedisProcess, timeoutMs: number): Promise<RedisProcess>;
  stop(): Promise<void>;
}

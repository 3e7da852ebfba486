import type { DegradedReason } from './durability-watch';
import type { RedisClient } from './redis-url';
import { ApiKeysRepository } from './api-keys-repository';
import { AuditRepository } from './audit-repository';
import { MValuesRepository } from './m-values-repository';
import { PasskeysRepository } from './passkeys-repository';
import { NotificationsRepository } from './notifications-repository';
import { PoliciesRepository } from './policies-repository';
import { QuorumKeysRepository } from './quorum-keys-repository';
import { SessionsRepository } from './sessions-repository';
import { StoreContext, type StoreOptions } from './store-context';
import { TokensRepository } from './tokens-repository';
import { UsersRepository } from './users-repository';
import { WebhooksRepository } from './webhooks-repository';

/** All of quorumd's Redis state, behind one object per connection. */
export class QuorumStore {
  readonly ctx: StoreContext;
  readonly users: UsersRepository;
  readonly sessions: SessionsRepository;
  readonly quorumKeys: QuorumKeysRepository;
  readonly mValues: MValuesRepository;
  readonly policies: PoliciesRepository;
  readonly tokens: TokensRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly audit: AuditRepository;
  readonly webhooks: WebhooksRepository;
  readonly passkeys: PasskeysRepository;
  readonly notifications: NotificationsRepository;

  constructor(redis: RedisClient, options: StoreOptions) {
    this.ctx = new StoreContext(redis, options);
    this.users = new UsersRepository(this.ctx);
    this.sessions = new SessionsRepository(this.ctx);
    this.quorumKeys = new QuorumKeysRepository(this.ctx);
    this.mValues = new MValuesRepository(this.ctx);
    this.policies = new PoliciesRepository(this.ctx);
    this.tokens = new TokensRepository(this.ctx);
    this.apiKeys = new ApiKeysRepository(this.ctx);
    this.audit = new AuditRepository(this.ctx);
    this.webhooks = new WebhooksRepository(this.ctx);
    this.passkeys = new PasskeysRepository(this.ctx);
    this.notifications = new NotificationsRepository(this.ctx);
  }

  get keys() {
    return this.ctx.keys;
  }

  /**
   * Readiness: a write to the deployment's slot, not only a PING — a replica (READONLY), a
   * node that no longer owns the slot (MOVED) or a cluster without quorum (CLUSTERDOWN)
   * answers RET_STORE_UNAVAILABLE.
   */
  async ping(): Promise<void> {
    await this.ctx.read((r) => r.set(this.keys.readyProbe(), String(this.ctx.clock()), 'PX', 60_000));
  }

  /**
   * Readiness with durability: the probe write, then a WAIT as a change would ask for it.
   * `degraded` says why fewer replicas hold the changes than should (the automatic count fell
   * to 0, or acknowledgements time out); `belowMinimum` when QUORUM_MIN_REPLICAS is set and unmet.
   */
  async readiness(): Promise<{ degraded?: DegradedReason; required: number; acknowledging: number; belowMinimum: boolean }> {
    await this.ping();
    await this.ctx.probeReplicas();
    const watch = this.ctx.durability;
    const { degraded, required, acknowledging } = watch.state;
    return { ...(degraded ? { degraded } : {}), required, acknowledging, belowMinimum: watch.belowMinimum };
  }
}

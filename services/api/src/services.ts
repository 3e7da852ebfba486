import type { QuorumQueues } from '@quorumd/queue';
import type { QuorumStore } from '@quorumd/store';
import type { Config } from '@quorumd/config';
import { OutboundPolicy } from '@quorumd/core';
import { ApiKeysService } from './domain/api-keys-service';
import { AuthService } from './domain/auth-service';
import { DeliveriesService } from './domain/deliveries-service';
import { OfficersService } from './domain/officers-service';
import { TokensService } from './domain/tokens-service';
import type { TokenEvents } from './domain/token-events';
import { UsersService } from './domain/users-service';
import { Metrics } from './metrics';

/** What the app is built from; the process (server.ts) or a test provides it. */
export interface AppDeps {
  store: QuorumStore;
  events: TokenEvents;
  config: Config;
  /** This deployment's issuer name, as stored at bootstrap. */
  issuer: string;
  /** Producer side of the queues (dead-letter listing and replay); absent in tests that need none. */
  queues?: QuorumQueues;
  /** Prometheus metrics; one registry per app. */
  metrics?: Metrics;
}

export interface Services {
  auth: AuthService;
  users: UsersService;
  tokens: TokensService;
  apiKeys: ApiKeysService;
  officers: OfficersService;
  deliveries: DeliveriesService;
  events: TokenEvents;
  metrics: Metrics;
  limits: { login: number; issue: number };
  store: QuorumStore;
}

export function buildServices(deps: AppDeps): Services {
  const { store, config, issuer } = deps;
  const metrics = deps.metrics ?? new Metrics(deps.queues);
  const outbound = new OutboundPolicy(config.webhookAllowedNetworks);
  return {
    auth: new AuthService(store, { sessionTtlSeconds: config.sessionTtlSeconds, maxLoginFailures: config.maxLoginFailures, lockoutSeconds: config.lockoutSeconds }),
    users: new UsersService(store, issuer, metrics, config.requesterMayApprove),
    tokens: new TokensService(store, deps.events, metrics, {
      issuer,
      tokenTtlSeconds: config.tokenTtlSeconds,
      maxTokenTtlSeconds: config.maxTokenTtlSeconds,
      approvedTimeoutSeconds: config.approvedTimeoutSeconds,
      requesterMayApprove: config.requesterMayApprove,
      outbound,
    }),
    apiKeys: new ApiKeysService(store),
    officers: new OfficersService(store, config.requesterMayApprove, outbound),
    deliveries: new DeliveriesService(deps.queues),
    events: deps.events,
    metrics,
    limits: { login: config.rateLimitLogin, issue: config.rateLimitIssue },
    store,
  };
}

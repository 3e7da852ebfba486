import type { Config } from '@quorumd/config';
import { outboundPolicyForThisHost, type QuorumQueues } from '@quorumd/queue';
import type { AuditSealStatus, QuorumStore, TokenEvents } from '@quorumd/store';
import fp from 'fastify-plugin';
import { ApiKeysService } from '../application/api-keys-service';
import { AuthService } from '../application/auth-service';
import { DeliveriesService } from '../application/deliveries-service';
import { MValuesService } from '../application/m-values-service';
import { NotificationsService } from '../application/notifications-service';
import { OfficersService } from '../application/officers-service';
import { PasskeysService } from '../application/passkeys-service';
import { PoliciesService } from '../application/policies-service';
import { QuorumGates } from '../application/protected-command';
import { QuorumKeyObjects } from '../application/quorum-key-objects';
import { QuorumKeysService } from '../application/quorum-keys-service';
import { StreamSlots } from '../application/stream-slots';
import { TokensService } from '../application/tokens-service';
import { UsersService } from '../application/users-service';
import { Metrics } from '../metrics';

/** Event streams (a token's, a queue's) one user (or one API key) may hold open at once in one API process: a few console tabs. */
const MAX_EVENT_STREAMS_PER_CALLER = 8;
/** Long-polls (`GET /v1/tokens/:id?wait=`) one user (or one API key) may hold open at once in one API process. */
const MAX_LONG_POLLS_PER_CALLER = 16;

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
  /** The inline worker's audit sealer lag, served at /metrics (with no metrics given). */
  auditSeal?: () => AuditSealStatus;
}

/** The application services every route uses: `app.services`. */
interface Services {
  auth: AuthService;
  users: UsersService;
  quorumKeys: QuorumKeysService;
  passkeys: PasskeysService;
  mValues: MValuesService;
  policies: PoliciesService;
  tokens: TokensService;
  apiKeys: ApiKeysService;
  officers: OfficersService;
  deliveries: DeliveriesService;
  notifications: NotificationsService;
  events: TokenEvents;
  /** Open event streams per user, per API key, in this process (see StreamSlots). */
  streams: StreamSlots;
  /** Open long-polls per user, per API key, in this process (see StreamSlots). */
  polls: StreamSlots;
  metrics: Metrics;
  limits: { login: number };
  /** How often, at most, the audit head is signed: verifiers derive their default --max-checkpoint-age from it. */
  checkpointIntervalMs: number;
  store: QuorumStore;
  /** This deployment's name (signed into tokens and audit checkpoints). */
  issuer: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

function buildServices(deps: AppDeps): Services {
  const { store, config, issuer } = deps;
  const metrics = deps.metrics ?? new Metrics(deps.queues, { durability: store.ctx.durability, auditSeal: deps.auditSeal });
  const outbound = outboundPolicyForThisHost(config.webhookAllowedNetworks);
  const auth = new AuthService(store, {
    sessionTtlSeconds: config.sessionTtlSeconds,
    maxLoginFailures: config.maxLoginFailures,
    lockoutSeconds: config.lockoutSeconds,
  });
  const keys = new QuorumKeyObjects(store);
  const gates = new QuorumGates(store, keys, metrics, { issuer, requesterMayApprove: config.requesterMayApprove });
  const passkeys = new PasskeysService(store, auth, { rpId: config.webauthnRpId, origin: config.webauthnOrigin, requesterMayApprove: config.requesterMayApprove });
  return {
    auth,
    users: new UsersService(store, gates, metrics, auth),
    quorumKeys: new QuorumKeysService(store, issuer, config.requesterMayApprove),
    passkeys,
    mValues: new MValuesService(store, gates, metrics),
    policies: new PoliciesService(store, gates, metrics),
    tokens: new TokensService(store, deps.events, metrics, {
      issuer,
      tokenTtlSeconds: config.tokenTtlSeconds,
      maxTokenTtlSeconds: config.maxTokenTtlSeconds,
      approvedTimeoutSeconds: config.approvedTimeoutSeconds,
      requesterMayApprove: config.requesterMayApprove,
      outbound,
      issueLimitPerMinute: config.rateLimitIssue,
      requirePasskey: config.requirePasskey,
    }, keys, gates, passkeys),
    apiKeys: new ApiKeysService(store),
    officers: new OfficersService(store, config.requesterMayApprove, outbound),
    deliveries: new DeliveriesService(deps.queues),
    notifications: new NotificationsService(store, outbound),
    events: deps.events,
    streams: new StreamSlots('event streams', MAX_EVENT_STREAMS_PER_CALLER),
    polls: new StreamSlots('long-polls', MAX_LONG_POLLS_PER_CALLER),
    metrics,
    limits: { login: config.rateLimitLogin },
    checkpointIntervalMs: config.checkpointIntervalMs,
    store,
    issuer,
  };
}

/** App tier: the application services, built once from the process's dependencies. */
export default fp<AppDeps>(
  async (app, deps) => {
    app.decorate('services', buildServices(deps));
  },
  { name: 'services' },
);

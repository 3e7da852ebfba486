import type { QuorumStore } from '@quorumd/store';
import type { Config } from './config';
import { ApiKeysService } from './domain/api-keys-service';
import { AuthService } from './domain/auth-service';
import { TokensService } from './domain/tokens-service';
import type { TokenEvents } from './domain/token-events';
import { UsersService } from './domain/users-service';

/** What the app is built from; the process (server.ts) or a test provides it. */
export interface AppDeps {
  store: QuorumStore;
  events: TokenEvents;
  config: Config;
  /** This deployment's issuer name, as stored at bootstrap. */
  issuer: string;
}

export interface Services {
  auth: AuthService;
  users: UsersService;
  tokens: TokensService;
  apiKeys: ApiKeysService;
  store: QuorumStore;
}

export function buildServices(deps: AppDeps): Services {
  const { store, config, issuer } = deps;
  return {
    auth: new AuthService(store, { sessionTtlSeconds: config.sessionTtlSeconds, maxLoginFailures: config.maxLoginFailures }),
    users: new UsersService(store, issuer),
    tokens: new TokensService(store, deps.events, {
      issuer,
      tokenTtlSeconds: config.tokenTtlSeconds,
      approvedTimeoutSeconds: config.approvedTimeoutSeconds,
      requesterMayApprove: config.requesterMayApprove,
    }),
    apiKeys: new ApiKeysService(store),
    store,
  };
}

export { buildApp, type App } from './app';
export { loadConfig, ConfigError, type Config } from '@quorumd/config';
export { TokenEvents } from './domain/token-events';
export { freePort, startLocalRedis, type LocalRedis } from './local-redis';
export { LOG_REDACT_PATHS } from './log-redaction';
export { ROUTE_ERROR_CODES } from './route-error-codes';

export { buildApp, type App } from './app';
export { loadConfig, ConfigError, type Config } from '@quorumd/config';
export { freePort, startLocalRedis, type LocalRedis } from './local-redis';
export { ROUTE_ERROR_CODES } from './route-error-codes';

export { buildApp, type App } from './app';
export { loadConfig, ConfigError, type Config } from '@quorumd/config';
export { freePort, startLocalRedis, type LocalRedis } from './local-redis';
export { ROUTE_DOCS } from './route-docs';
export { bootstrapAdmin, type AdminFinding } from './admin-bootstrap';

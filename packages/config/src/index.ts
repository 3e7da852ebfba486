export * from './config';
export * from './log-redaction';
export * from './logger';
export { configurationDoc } from './configuration-doc';

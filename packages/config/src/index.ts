export * from './config';
export * from './log-redaction';
export * from './logger';

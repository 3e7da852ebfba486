import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { LOG_REDACT_PATHS } from './log-redaction';

/**
 * The one root logger of a process (API or worker): its level from the config, secrets
 * redacted. Lines go to stdout asynchronously: under load the lines written while one write
 * is in flight go out in the next one (one system call, not one per request); what is
 * pending is flushed when the process exits.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } }, pino.destination({ dest: 1, sync: false }));
}

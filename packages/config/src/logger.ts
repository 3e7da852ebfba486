import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { LOG_REDACT_PATHS } from './log-redaction';

/** The one root logger of a process (API or worker): its level from the config, secrets redacted. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } });
}

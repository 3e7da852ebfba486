import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { join } from 'node:path';
import { parseCidr } from '@quorumd/core';
import { invalidSettings, invalidSettingsLine, settingMessage } from './setting-messages';

const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);
const Int = (min: number, max: number, fallback: number, description: string) =>
  Type.String({ pattern: '^[0-9]+$', default: String(fallback), description, 'x-min': min, 'x-max': max });

/** Every environment variable quorumd (API and worker) reads, with its default. The README lists the same. */
export const ConfigSchema = Type.Object({
  PORT: Int(0, 65535, 8080, 'HTTP port'),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'HTTP bind address' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?(-sentinel|-cluster)?://', description: 'Redis URL (redis://, rediss://, redis-sentinel://host:port,…/<master> or redis-cluster://host:port,…); unset: start a local redis-server' })),
  QUORUM_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Where the local redis-server keeps its AOF' }),
  QUORUM_REDIS_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', default: 'quorumd', description: 'Key prefix (hash tag) of this deployment' }),
  QUORUM_ISSUER: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', description: 'Name of this deployment, signed into every token' })),
  QUORUM_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 7, maxLength: 128, description: 'Password of the bootstrap CO admin' })),
  QUORUM_REQUESTER_MAY_APPROVE: Type.Union([Bool], { default: 'true', description: "Whether a requester's own approval counts" }),
  QUORUM_TOKEN_TTL_SECONDS: Int(1, 86400, 600, 'Default time a token may stay PENDING'),
  QUORUM_MAX_TOKEN_TTL_SECONDS: Int(1, 86400, 3600, 'Longest ttlSeconds a token request may ask for (CloudHSM uses 600)'),
  QUORUM_APPROVED_TIMEOUT_SECONDS: Int(1, 86400, 600, 'Time an APPROVED token may wait to be used'),
  QUORUM_SESSION_TTL_SECONDS: Int(60, 86400, 3600, 'Session lifetime'),
  QUORUM_MAX_LOGIN_FAILURES: Int(1, 100, 5, 'Failed logins that lock a user'),
  QUORUM_LOCKOUT_SECONDS: Int(0, 31536000, 900, 'How long a user stays locked after too many failed logins; 0 keeps the lock until a password reset'),
  QUORUM_WEBHOOK_ALLOWED_NETWORKS: Type.String({
    default: '',
    description: 'Comma-separated CIDRs that webhooks and callbacks may reach although private or loopback (e.g. 127.0.0.0/8 for local development)',
  }),
  QUORUM_MIN_REPLICAS: Type.Optional(Type.String({ pattern: '^[0-9]$', description: 'Replicas that must acknowledge a change before it is answered 2xx (WAIT); unset: 1 when the master has replicas, else 0' })),
  QUORUM_REPLICA_ACK_TIMEOUT_MS: Int(10, 60000, 500, 'How long a change waits for its replica acknowledgements before answering 503'),
  QUORUM_START_TIMEOUT_SECONDS: Int(1, 3600, 30, 'How long a start waits for the replicas WAIT counts to finish their sync before it fails'),
  QUORUM_AUDIT_KEY_FILE: Type.Optional(Type.String({ minLength: 1, description: 'Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints; unset: <data dir>/audit-key.pem, created when missing' })),
  QUORUM_CHECKPOINT_FILE: Type.Optional(Type.String({ minLength: 1, description: 'File outside Redis the signed audit checkpoints are appended to; unset: <data dir>/checkpoints.jsonl' })),
  QUORUM_CHECKPOINT_INTERVAL_MS: Int(100, 3600000, 1000, 'How often, at most, the audit head is signed into a checkpoint (when it moved)'),
  QUORUM_TOKEN_RETENTION_SECONDS: Int(60, 31536000, 604800, 'How long finished tokens stay readable'),
  QUORUM_INLINE_WORKER: Type.Union([Bool], { default: 'true', description: 'Run the notification worker inside the API process' }),
  QUORUM_WORKER_CONCURRENCY: Int(1, 1000, 20, 'Deliveries a worker runs at once'),
  QUORUM_DELIVERY_ATTEMPTS: Int(1, 50, 6, 'Attempts of a webhook/callback delivery before it is dead-lettered'),
  QUORUM_DELIVERY_BACKOFF_MS: Int(10, 3600000, 1000, 'First retry delay of a delivery; doubles each attempt'),
  QUORUM_DELIVERY_TIMEOUT_MS: Int(100, 60000, 5000, 'Time a receiver has to answer a delivery'),
  QUORUM_JOB_LOCK_MS: Int(1000, 600000, 30000, 'A job held this long by a dead worker is taken over'),
  QUORUM_OUTBOX_CLAIM_MS: Int(100, 600000, 10000, 'Outbox entries held this long by a dead dispatcher are taken over'),
  QUORUM_RATE_LIMIT_LOGIN: Int(1, 1000000000, 30, 'Logins per minute per client IP'),
  QUORUM_RATE_LIMIT_ISSUE: Int(1, 1000000000, 600, 'Tokens one user may ask for per minute (its API keys count for it)'),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'pino log level' },
  ),
});

export interface Config {
  port: number;
  host: string;
  redisUrl: string | undefined;
  dataDir: string;
  redisPrefix: string;
  issuer: string | undefined;
  adminPassword: string | undefined;
  requesterMayApprove: boolean;
  tokenTtlSeconds: number;
  maxTokenTtlSeconds: number;
  approvedTimeoutSeconds: number;
  sessionTtlSeconds: number;
  maxLoginFailures: number;
  lockoutSeconds: number;
  webhookAllowedNetworks: string[];
  tokenRetentionSeconds: number;
  inlineWorker: boolean;
  workerConcurrency: number;
  deliveryAttempts: number;
  deliveryBackoffMs: number;
  deliveryTimeoutMs: number;
  jobLockMs: number;
  outboxClaimMs: number;
  rateLimitLogin: number;
  rateLimitIssue: number;
  logLevel: string;
  /** The audit key file, and whether it was named (else it is created when missing). */
  auditKeyFile: string;
  auditKeyFileGiven: boolean;
  checkpointFile: string;
  checkpointIntervalMs: number;
  /** Replicas that must acknowledge a change ('auto': 1 when the master has replicas). */
  minReplicas: number | 'auto';
  replicaAckTimeoutMs: number;
  /** How long a start waits for the replicas to be in sync. */
  startTimeoutSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Static<typeof ConfigSchema>;

function integer(env: Env, name: keyof Env): number {
  const schema = ConfigSchema.properties[name] as unknown as { 'x-min': number; 'x-max': number };
  const value = Number(env[name]);
  if (!Number.isSafeInteger(value) || value < schema['x-min'] || value > schema['x-max']) {
    throw new ConfigError(settingMessage(name, ConfigSchema.properties[name], String(env[name])));
  }
  return value;
}

/** Reads and checks the environment once; a wrong value stops the start, naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(ConfigSchema.properties);
  const picked: Record<string, string> = {};
  for (const name of known) {
    const value = source[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  // Each refused value in words (what the setting accepts, what it got, what to do), never the schema's own.
  const problems = invalidSettings(ConfigSchema.properties, picked);
  if (problems.length > 0) throw new ConfigError(invalidSettingsLine(problems));
  const env = Value.Default(ConfigSchema, picked) as Env;
  const tokenTtlSeconds = integer(env, 'QUORUM_TOKEN_TTL_SECONDS');
  const maxTokenTtlSeconds = integer(env, 'QUORUM_MAX_TOKEN_TTL_SECONDS');
  if (tokenTtlSeconds > maxTokenTtlSeconds) {
    throw new ConfigError(`QUORUM_TOKEN_TTL_SECONDS (${tokenTtlSeconds}) must not be above QUORUM_MAX_TOKEN_TTL_SECONDS (${maxTokenTtlSeconds}): lower the first or raise the second`);
  }
  const webhookAllowedNetworks = env.QUORUM_WEBHOOK_ALLOWED_NETWORKS.split(',').map((c) => c.trim()).filter(Boolean);
  for (const cidr of webhookAllowedNetworks) {
    try {
      parseCidr(cidr);
    } catch (err) {
      throw new ConfigError(`QUORUM_WEBHOOK_ALLOWED_NETWORKS: ${(err as Error).message}; give comma-separated networks, or leave it unset`);
    }
  }
  return {
    port: integer(env, 'PORT'),
    host: env.HOST,
    redisUrl: env.REDIS_URL,
    dataDir: env.QUORUM_DATA_DIR,
    auditKeyFile: env.QUORUM_AUDIT_KEY_FILE ?? join(env.QUORUM_DATA_DIR, 'audit-key.pem'),
    auditKeyFileGiven: env.QUORUM_AUDIT_KEY_FILE !== undefined,
    checkpointFile: env.QUORUM_CHECKPOINT_FILE ?? join(env.QUORUM_DATA_DIR, 'checkpoints.jsonl'),
    checkpointIntervalMs: integer(env, 'QUORUM_CHECKPOINT_INTERVAL_MS'),
    minReplicas: env.QUORUM_MIN_REPLICAS === undefined ? 'auto' : Number(env.QUORUM_MIN_REPLICAS),
    replicaAckTimeoutMs: integer(env, 'QUORUM_REPLICA_ACK_TIMEOUT_MS'),
    startTimeoutSeconds: integer(env, 'QUORUM_START_TIMEOUT_SECONDS'),
    redisPrefix: env.QUORUM_REDIS_PREFIX,
    issuer: env.QUORUM_ISSUER,
    adminPassword: env.QUORUM_ADMIN_PASSWORD,
    requesterMayApprove: env.QUORUM_REQUESTER_MAY_APPROVE === 'true',
    tokenTtlSeconds,
    maxTokenTtlSeconds,
    approvedTimeoutSeconds: integer(env, 'QUORUM_APPROVED_TIMEOUT_SECONDS'),
    sessionTtlSeconds: integer(env, 'QUORUM_SESSION_TTL_SECONDS'),
    maxLoginFailures: integer(env, 'QUORUM_MAX_LOGIN_FAILURES'),
    lockoutSeconds: integer(env, 'QUORUM_LOCKOUT_SECONDS'),
    webhookAllowedNetworks,
    tokenRetentionSeconds: integer(env, 'QUORUM_TOKEN_RETENTION_SECONDS'),
    inlineWorker: env.QUORUM_INLINE_WORKER === 'true',
    workerConcurrency: integer(env, 'QUORUM_WORKER_CONCURRENCY'),
    deliveryAttempts: integer(env, 'QUORUM_DELIVERY_ATTEMPTS'),
    deliveryBackoffMs: integer(env, 'QUORUM_DELIVERY_BACKOFF_MS'),
    deliveryTimeoutMs: integer(env, 'QUORUM_DELIVERY_TIMEOUT_MS'),
    jobLockMs: integer(env, 'QUORUM_JOB_LOCK_MS'),
    outboxClaimMs: integer(env, 'QUORUM_OUTBOX_CLAIM_MS'),
    rateLimitLogin: integer(env, 'QUORUM_RATE_LIMIT_LOGIN'),
    rateLimitIssue: integer(env, 'QUORUM_RATE_LIMIT_ISSUE'),
    logLevel: env.LOG_LEVEL,
  };
}

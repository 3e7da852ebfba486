import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { join } from 'node:path';
import { parseCidr } from '@quorumd/core';
import { invalidSettings, invalidSettingsLine } from './setting-messages';

const Int = (minimum: number, maximum: number, fallback: number, description: string) =>
  Type.Integer({ minimum, maximum, default: fallback, description });
const Bool = (fallback: boolean, description: string) => Type.Boolean({ default: fallback, description });
/** `x-unset`: what leaving an optional setting unset does (docs/configuration.md, error messages). */
const Optional = <T extends TSchema>(schema: T, unset: string) => Type.Optional(Type.Unsafe<Static<T>>({ ...schema, 'x-unset': unset }));

/**
 * Every environment variable quorumd (API, worker, audit verifier) reads: its type, range,
 * default and meaning, declared once. `loadConfig` parses against it, the `Config` type is
 * derived from it, and docs/configuration.md is generated from it (`npm run docs:config`).
 */
export const ConfigSchema = Type.Object({
  PORT: Int(0, 65535, 8080, 'HTTP port'),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'HTTP bind address' }),
  REDIS_URL: Optional(
    Type.String({ pattern: '^rediss?(-sentinel|-cluster)?://', description: 'Redis to use: `redis://`, `rediss://`, `redis-sentinel://host:port,…/<master>` or `redis-cluster://host:port,…`' }),
    'quorumd starts its own redis-server, with its AOF under the data directory',
  ),
  QUORUM_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Where the local redis-server keeps its AOF and the running instance its lock (quorumd.lock); also the default home of the audit key and checkpoint file' }),
  QUORUM_REDIS_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', default: 'quorumd', description: 'Key prefix (and Redis Cluster hash tag) of this deployment' }),
  QUORUM_ISSUER: Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', description: 'Name of this deployment, signed into every token' }), 'a name generated at the first start and stored'),
  QUORUM_ADMIN_PASSWORD: Optional(Type.String({ minLength: 7, maxLength: 128, description: 'Password of the bootstrap CO `admin`, chosen when it is created (a later start says whether it is the admin\'s password)' }), 'a random password, printed once the admin is known to exist with it'),
  QUORUM_REQUESTER_MAY_APPROVE: Bool(true, "Whether a requester's own approval counts"),
  QUORUM_TOKEN_TTL_SECONDS: Int(1, 86400, 600, 'Default time a token may stay PENDING (a request\'s `ttlSeconds` overrides it, up to the maximum)'),
  QUORUM_MAX_TOKEN_TTL_SECONDS: Int(1, 86400, 3600, 'Longest `ttlSeconds` a token request may ask for (CloudHSM uses 600)'),
  QUORUM_APPROVED_TIMEOUT_SECONDS: Int(1, 86400, 600, 'Time an APPROVED token may wait to be used'),
  QUORUM_SESSION_TTL_SECONDS: Int(60, 86400, 3600, 'Session lifetime'),
  QUORUM_MAX_LOGIN_FAILURES: Int(1, 100, 5, 'Failed logins of one name before each further try must wait (1 s, doubling with each failure); failed logins never lock a user'),
  QUORUM_LOCKOUT_SECONDS: Int(1, 86400, 900, 'Longest wait between login tries of a name after failed logins (0, once a permanent lock, is refused: failed logins never lock a user)'),
  QUORUM_WEBHOOK_ALLOWED_NETWORKS: Type.String({
    default: '',
    description: 'Comma-separated CIDRs that webhooks and callbacks may reach although private or loopback (e.g. 127.0.0.0/8 for local development)',
  }),
  QUORUM_MIN_REPLICAS: Optional(Type.Integer({ minimum: 0, maximum: 9, description: 'Replicas that must acknowledge a change (WAIT) before it is answered 2xx; set, /readyz answers 503 while fewer do' }), '1 when the master has replicas, else 0 (/readyz then answers 200 `degraded` while fewer do)'),
  QUORUM_REPLICA_ACK_TIMEOUT_MS: Int(10, 60000, 500, 'How long a change waits for its replica acknowledgements before answering 503 with mayHaveCommitted'),
  QUORUM_START_TIMEOUT_SECONDS: Int(1, 3600, 30, 'How long a start waits for the replicas WAIT counts to finish their sync (and a bootstrap to be acknowledged) before it fails, naming the replica'),
  QUORUM_AUDIT_KEY_FILE: Optional(
    Type.String({ minLength: 1, description: 'Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints; never stored in Redis; the same file on every replica' }),
    '<data dir>/audit-key.pem, created when missing',
  ),
  QUORUM_CHECKPOINT_FILE: Optional(Type.String({ minLength: 1, description: 'File outside Redis the signed audit checkpoints are appended to' }), '<data dir>/checkpoints.jsonl'),
  QUORUM_AUDIT_ORIGIN: Optional(
    Type.String({ pattern: '^[^\\s+]{1,200}$', description: 'Origin line of the audit checkpoints (C2SP tlog-checkpoint) and name of their note key: no spaces, no +' }),
    'quorumd/<issuer>',
  ),
  QUORUM_WITNESS_URLS: Type.String({
    default: '',
    description: 'Comma-separated submission prefixes of C2SP tlog-witness witnesses: each new audit checkpoint is sent to <url>/add-checkpoint and their cosignatures kept',
  }),
  QUORUM_CHECKPOINT_INTERVAL_MS: Int(100, 3600000, 1000, 'How often, at most, the audit head is signed into a checkpoint (when it moved)'),
  QUORUM_TOKEN_RETENTION_SECONDS: Int(60, 31536000, 604800, 'How long finished tokens stay readable (bundles)'),
  QUORUM_INLINE_WORKER: Bool(true, 'Run the notification worker inside the API process'),
  QUORUM_WORKER_CONCURRENCY: Int(1, 1000, 20, 'Deliveries a worker runs at once'),
  QUORUM_DELIVERY_ATTEMPTS: Int(1, 50, 6, 'Attempts of a webhook/callback delivery before it is dead-lettered'),
  QUORUM_DELIVERY_BACKOFF_MS: Int(10, 3600000, 1000, 'First retry delay of a delivery; doubles each attempt'),
  QUORUM_DELIVERY_TIMEOUT_MS: Int(100, 60000, 5000, 'Time a receiver has to answer a delivery'),
  QUORUM_SMTP_URL: Optional(
    Type.String({ pattern: '^smtps?://', description: 'SMTP relay for e-mail notifications: `smtp://host:587` (STARTTLS when offered) or `smtps://host:465`, user and password in the URL (`smtp://user:pass@host:587`)' }),
    'no e-mail is sent (chat channels and webhooks still are)',
  ),
  QUORUM_MAIL_FROM: Type.String({ minLength: 3, maxLength: 254, default: 'quorumd@localhost', description: 'From address of notification e-mails' }),
  QUORUM_PUBLIC_URL: Optional(Type.String({ pattern: '^https?://[^\\s]+$', description: 'Where people reach this quorumd (its console): notifications link to `<url>/console/#/tokens/<id>`' }), 'http://HOST:PORT'),
  QUORUM_EMAIL_DIGEST_MS: Int(0, 600000, 10000, 'Notification e-mails to one person within this window go out as one message listing them (0: one e-mail each); break-glass is never held'),
  QUORUM_CHAT_DIGEST_MS: Int(0, 600000, 0, 'As QUORUM_EMAIL_DIGEST_MS, for chat messages (0: one message each)'),
  QUORUM_JOB_LOCK_MS: Int(1000, 600000, 30000, 'A job held this long by a dead worker is taken over'),
  QUORUM_OUTBOX_CLAIM_MS: Int(100, 600000, 10000, 'Outbox entries held this long by a dead dispatcher are taken over'),
  QUORUM_RATE_LIMIT_LOGIN: Int(1, 1000000000, 30, 'Logins (and own password changes) per minute per client address, an IPv6 one by its /64'),
  QUORUM_RATE_LIMIT_ISSUE: Int(1, 1000000000, 600, 'Tokens one user may ask for per minute (its sessions and API keys together)'),
  QUORUM_REQUIRE_PASSKEY: Bool(false, 'Every approval of every service must carry a passkey (WebAuthn) assertion over the token bytes, whatever its policy says'),
  QUORUM_WEBAUTHN_RP_ID: Optional(
    Type.String({ minLength: 1, maxLength: 253, description: 'WebAuthn relying party id passkeys are registered for and assertions must name: a domain name (not an address), the console\'s host or a parent domain of it' }),
    'the host of the listen URL; `localhost` for a loopback or wildcard address',
  ),
  QUORUM_WEBAUTHN_ORIGIN: Optional(
    Type.String({ pattern: '^https?://[^/?#]+$', description: 'The console\'s origin (scheme, host, port) passkey assertions must come from; https unless its host is localhost' }),
    '`http://<RP ID>:<PORT>`',
  ),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'pino log level' },
  ),
});

type Settings = Static<typeof ConfigSchema>;
type SettingName = keyof Settings;

/** `QUORUM_SESSION_TTL_SECONDS` → `sessionTtlSeconds`, `REDIS_URL` → `redisUrl`. */
type CamelWords<S extends string> = S extends `${infer Word}_${infer Rest}` ? `${Capitalize<Lowercase<Word>>}${CamelWords<Rest>}` : Capitalize<Lowercase<S>>;
type FieldName<S extends string> = S extends `QUORUM_${infer Rest}` ? Uncapitalize<CamelWords<Rest>> : Uncapitalize<CamelWords<S>>;

function fieldName(setting: string): string {
  const words = setting.replace(/^QUORUM_/, '').toLowerCase().split('_');
  return words.map((word, i) => (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1))).join('');
}

/** Settings whose parsed value is refined (a list, a path with its default, 'auto'). */
type Refined = 'QUORUM_WEBHOOK_ALLOWED_NETWORKS' | 'QUORUM_WITNESS_URLS' | 'QUORUM_AUDIT_ORIGIN' | 'QUORUM_AUDIT_KEY_FILE' | 'QUORUM_CHECKPOINT_FILE' | 'QUORUM_MIN_REPLICAS' | 'QUORUM_WEBAUTHN_RP_ID' | 'QUORUM_WEBAUTHN_ORIGIN';

/** One field per setting, named after it, typed by its schema; the refined ones below. */
export type Config = {
  [Name in Exclude<SettingName, Refined> as FieldName<Name>]-?: Settings[Name];
} & {
  webhookAllowedNetworks: string[];
  /** The audit checkpoints' origin (QUORUM_AUDIT_ORIGIN); unset: `quorumd/<issuer>`, made by the sealer. */
  auditOrigin: string | undefined;
  /** The audit witnesses' submission prefixes (QUORUM_WITNESS_URLS). */
  witnessUrls: string[];
  /** The audit key file, and whether it was named (else it is created when missing). */
  auditKeyFile: string;
  auditKeyFileGiven: boolean;
  checkpointFile: string;
  /** Replicas that must acknowledge a change ('auto': 1 when the master has replicas). */
  minReplicas: number | 'auto';
  /** Where passkeys are registered and assertions made (QUORUM_WEBAUTHN_RP_ID, QUORUM_WEBAUTHN_ORIGIN, or from the listen URL). */
  webauthnRpId: string;
  webauthnOrigin: string;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and checks the environment once; a wrong value stops the start, naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const given: Record<string, string> = {};
  for (const name of Object.keys(ConfigSchema.properties)) {
    const value = source[name];
    if (value !== undefined && value !== '') given[name] = value;
  }
  // Each refused value in words (what the setting accepts, what it got, what to do), never the schema's own.
  const problems = invalidSettings(ConfigSchema.properties, given);
  if (problems.length > 0) throw new ConfigError(invalidSettingsLine(problems));
  const settings = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, given)) as Settings;
  if (settings.QUORUM_TOKEN_TTL_SECONDS > settings.QUORUM_MAX_TOKEN_TTL_SECONDS) {
    throw new ConfigError(
      `QUORUM_TOKEN_TTL_SECONDS (${settings.QUORUM_TOKEN_TTL_SECONDS}) must not be above QUORUM_MAX_TOKEN_TTL_SECONDS (${settings.QUORUM_MAX_TOKEN_TTL_SECONDS}): lower the first or raise the second`,
    );
  }
  const webhookAllowedNetworks = settings.QUORUM_WEBHOOK_ALLOWED_NETWORKS.split(',').map((c) => c.trim()).filter(Boolean);
  for (const cidr of webhookAllowedNetworks) {
    try {
      parseCidr(cidr);
    } catch (err) {
      throw new ConfigError(`QUORUM_WEBHOOK_ALLOWED_NETWORKS: ${(err as Error).message}; give comma-separated networks, or leave it unset`);
    }
  }
  const webauthn = webauthnSettings(settings);
  const witnessUrls = settings.QUORUM_WITNESS_URLS.split(',').map((u) => u.trim()).filter(Boolean);
  for (const url of witnessUrls) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new ConfigError(`QUORUM_WITNESS_URLS: ${JSON.stringify(url)} is not an http(s) URL; give comma-separated witness submission prefixes, or leave it unset`);
  }
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(settings)) fields[fieldName(name)] = value;
  return {
    ...(fields as Config),
    webhookAllowedNetworks,
    witnessUrls,
    auditOrigin: settings.QUORUM_AUDIT_ORIGIN,
    auditKeyFile: settings.QUORUM_AUDIT_KEY_FILE ?? join(settings.QUORUM_DATA_DIR, 'audit-key.pem'),
    auditKeyFileGiven: settings.QUORUM_AUDIT_KEY_FILE !== undefined,
    checkpointFile: settings.QUORUM_CHECKPOINT_FILE ?? join(settings.QUORUM_DATA_DIR, 'checkpoints.jsonl'),
    minReplicas: settings.QUORUM_MIN_REPLICAS ?? 'auto',
    webauthnRpId: webauthn.rpId,
    webauthnOrigin: webauthn.origin,
  };
}

/**
 * The WebAuthn relying party: its id (a domain: browsers refuse an address) and the origin
 * assertions come from, whose host must be the id or below it, over https unless it is
 * localhost. Unset, both come from the listen URL (a loopback or wildcard address: localhost).
 */
function webauthnSettings(settings: Settings): { rpId: string; origin: string } {
  const host = settings.HOST.toLowerCase();
  const address = /^[0-9.]+$/.test(host) || host.includes(':');
  const rpId = settings.QUORUM_WEBAUTHN_RP_ID ?? (address ? 'localhost' : host);
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(rpId)) throw new ConfigError(`QUORUM_WEBAUTHN_RP_ID (${rpId}) is not a domain name: lower-case labels separated by dots, e.g. quorum.example.com`);
  if (/^[0-9.]+$/.test(rpId)) throw new ConfigError(`QUORUM_WEBAUTHN_RP_ID (${rpId}) is an address: browsers register passkeys for a domain name only (localhost on one machine)`);
  const origin = settings.QUORUM_WEBAUTHN_ORIGIN ?? `http://${rpId}:${settings.PORT}`;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ConfigError(`QUORUM_WEBAUTHN_ORIGIN (${origin}) is not a URL: give scheme, host and port, e.g. https://quorum.example.com`);
  }
  if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) {
    throw new ConfigError(`QUORUM_WEBAUTHN_ORIGIN (${origin}) is not on QUORUM_WEBAUTHN_RP_ID (${rpId}): the origin's host must be the RP ID or a name below it`);
  }
  if (url.protocol !== 'https:' && url.hostname !== 'localhost') {
    throw new ConfigError(`QUORUM_WEBAUTHN_ORIGIN (${origin}) must be https (browsers offer passkeys over plain http only on localhost)`);
  }
  return { rpId, origin: url.origin };
}

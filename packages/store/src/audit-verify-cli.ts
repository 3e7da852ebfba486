#!/usr/bin/env node
/**
 * Offline check of the audit ledger: the hash chain, that the log reaches the head recorded
 * in Redis, every signed checkpoint (with the audit public key), that each checkpoint's
 * (seq, hash) is in the chain, and that the log is not shorter than the newest checkpoint.
 *
 *   npm run audit:verify                      # the local instance `npm start` runs: its Redis, checkpoint file and key
 *   npm run audit:verify -- --redis URL [--prefix P] [--checkpoints FILE] [--public-key FILE]
 *
 * Checkpoints come from --checkpoints (the file kept outside Redis) or else from Redis; the
 * public key from --public-key, else from the data dir's audit key, else as Redis publishes it
 * (with a warning: whoever writes Redis could replace that key).
 * It also fails when sealing or signing stopped: the newest checkpoint older than
 * --max-checkpoint-age SECONDS (default 5 × QUORUM_CHECKPOINT_INTERVAL_MS, at least 10 s) while
 * entries it does not cover are too, or an entry unsealed for longer.
 * Exits 0 when it all holds, 1 naming the first entry or checkpoint that fails (or when
 * there is no entry at all: a wrong Redis or prefix), 2 on bad usage.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '@quorumd/config';
import { defaultMaxCheckpointAgeMs, describeAuditVerdict, parseCheckpointLines, unpinnedAuditKeyWarning, type AuditCheckpoint } from '@quorumd/core';
import { localInstanceRunning, readLocalInstance } from './local-instance';
import { QuorumStore } from './quorum-store';
import { redactUrl } from './redis-connection';
import { createRedis } from './redis-url';

const USAGE = 'usage: audit-verify [--redis URL [--prefix PREFIX] | --data-dir DIR] [--checkpoints FILE] [--public-key FILE] [--max-checkpoint-age SECONDS]';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

interface Source {
  url: string;
  prefix: string;
  checkpointFile?: string;
  publicKeyPem?: string;
}

/** The public half of a private key file (the data dir's audit key), if there is one. */
function publicKeyFromPrivate(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return createPublicKey(readFileSync(file, 'utf8')).export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * Where to read: a Redis named by flag or environment, else the local instance (`npm start`) and its data dir.
 * The environment is the deployment's settings, read and checked as the service reads them (loadConfig);
 * a flag wins over its setting.
 */
function source(config: Config, env: NodeJS.ProcessEnv): Source | { error: string } {
  const checkpointFile = option('checkpoints');
  const publicKeyFile = option('public-key');
  const pinned = publicKeyFile ? readFileSync(publicKeyFile, 'utf8') : undefined;
  const url = option('redis') ?? config.redisUrl;
  // (The prefix's default is the local instance's own, unless a flag or the setting names one.)
  const prefix = option('prefix') ?? (env.QUORUM_REDIS_PREFIX !== undefined ? config.redisPrefix : undefined);
  if (url) return { url, prefix: prefix ?? 'quorumd', ...(checkpointFile ? { checkpointFile } : {}), ...(pinned ? { publicKeyPem: pinned } : {}) };
  const dataDir = resolve(option('data-dir') ?? config.dataDir);
  const local = readLocalInstance(dataDir);
  if (!local || !local.redisUrl || !localInstanceRunning(local)) {
    return { error: `no running quorumd with a local Redis in ${dataDir} (npm start it), or say what to check: ${USAGE.slice('usage: audit-verify '.length)}` };
  }
  // (The files' defaults follow --data-dir when it names another dir than the setting.)
  const keyFile = config.auditKeyFileGiven ? config.auditKeyFile : join(dataDir, 'audit-key.pem');
  const ownFile = env.QUORUM_CHECKPOINT_FILE !== undefined ? config.checkpointFile : join(dataDir, 'checkpoints.jsonl');
  const publicKeyPem = pinned ?? publicKeyFromPrivate(keyFile);
  return {
    url: local.redisUrl,
    prefix: prefix ?? local.prefix ?? 'quorumd',
    ...((checkpointFile ?? (existsSync(ownFile) ? ownFile : undefined)) ? { checkpointFile: checkpointFile ?? ownFile } : {}),
    ...(publicKeyPem ? { publicKeyPem } : {}),
  };
}

/** --max-checkpoint-age in ms; by default from the deployment's checkpoint interval (QUORUM_CHECKPOINT_INTERVAL_MS, 1000). */
function maxCheckpointAgeMs(config: Config): number | { error: string } {
  const given = option('max-checkpoint-age');
  if (given === undefined) return defaultMaxCheckpointAgeMs(config.checkpointIntervalMs);
  const seconds = Number(given);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(given) || seconds <= 0) return { error: `--max-checkpoint-age takes a number of seconds, not ${given}` };
  return seconds * 1000;
}

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`audit verify: ${err.message}\n`);
    return 2;
  }
  const maxAge = maxCheckpointAgeMs(config);
  if (typeof maxAge !== 'number') {
    process.stderr.write(`audit verify: ${maxAge.error}\n`);
    return 2;
  }
  const from = source(config, process.env);
  if ('error' in from) {
    process.stderr.write(`audit verify: ${from.error}\n`);
    return 2;
  }
  if (!from.publicKeyPem) {
    process.stderr.write(`${unpinnedAuditKeyWarning('--public-key')}\n`);
  }
  const checkpoints: AuditCheckpoint[] | undefined = from.checkpointFile ? parseCheckpointLines(readFileSync(from.checkpointFile, 'utf8')) : undefined;
  const redis = createRedis(from.url, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const verdict = await new QuorumStore(redis, { prefix: from.prefix, retentionMs: 0 }).audit.verify({
      ...(from.publicKeyPem ? { publicKeyPem: from.publicKeyPem } : {}),
      ...(checkpoints ? { checkpoints } : {}),
      freshness: { now: Date.now(), maxCheckpointAgeMs: maxAge },
    });
    const where = `${redactUrl(from.url)}, prefix ${from.prefix}${from.checkpointFile ? `, checkpoints ${from.checkpointFile}` : ''}`;
    process.stdout.write(`${describeAuditVerdict(verdict)} (${where})\n`);
    return verdict.ok && verdict.entries > 0 ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);

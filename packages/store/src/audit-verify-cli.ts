#!/usr/bin/env node
/**
 * Offline check of the audit hash chain. Reads entries either from a file (one raw entry
 * per line, as `GET /v1/audit?format=raw` or `redis-cli LRANGE` give them) or from Redis.
 *
 *   npm run audit:verify                       # the local instance `npm start` runs (its data dir's lock names its Redis)
 *   npm run audit:verify -- --file audit.jsonl
 *   npm run audit:verify -- --redis redis://127.0.0.1:6379 --prefix quorumd
 *
 * Exits 0 when the chain holds, 1 naming the first broken entry (or when there is no entry
 * at all: a wrong Redis or prefix), 2 on bad usage or when there is nothing to check.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { verifyAuditChain, type AuditVerdict } from '@quorumd/core';
import { Redis } from 'ioredis';
import { localInstanceRunning, readLocalInstance } from './local-instance';
import { QuorumStore } from './quorum-store';
import { redactUrl } from './redis-connection';

const USAGE = 'usage: audit-verify [--file FILE | --redis URL [--prefix PREFIX] | --data-dir DIR]';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function verdictFromRedis(url: string, prefix: string): Promise<AuditVerdict> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await new QuorumStore(redis, { prefix, retentionMs: 0 }).audit.verify();
  } finally {
    redis.disconnect();
  }
}

/** Where to read: a file, a Redis named by flag or environment, else the Redis of the local instance (`npm start`). */
function source(): { file: string } | { url: string; prefix: string } | { error: string } {
  const file = option('file');
  if (file) return { file };
  const url = option('redis') ?? process.env.REDIS_URL;
  const prefix = option('prefix') ?? process.env.QUORUM_REDIS_PREFIX;
  if (url) return { url, prefix: prefix ?? 'quorumd' };
  const dataDir = resolve(option('data-dir') ?? process.env.QUORUM_DATA_DIR ?? './data');
  const local = readLocalInstance(dataDir);
  if (!local || !local.redisUrl || !localInstanceRunning(local)) {
    return { error: `no running quorumd with a local Redis in ${dataDir} (npm start it), or say what to check: ${USAGE.slice('usage: audit-verify '.length)}` };
  }
  return { url: local.redisUrl, prefix: prefix ?? local.prefix ?? 'quorumd' };
}

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const from = source();
  if ('error' in from) {
    process.stderr.write(`audit verify: ${from.error}\n`);
    return 2;
  }
  let verdict: AuditVerdict;
  let where: string;
  if ('file' in from) {
    verdict = verifyAuditChain(readFileSync(from.file, 'utf8').split('\n').filter((line) => line.trim() !== ''));
    where = from.file;
  } else {
    verdict = await verdictFromRedis(from.url, from.prefix);
    where = `${redactUrl(from.url)}, prefix ${from.prefix}`;
  }
  if (verdict.ok && verdict.entries === 0) {
    process.stdout.write(`audit chain EMPTY: no entries in ${where}; is that the right Redis and prefix?\n`);
    return 1;
  }
  if (verdict.ok) {
    process.stdout.write(`audit chain OK: ${verdict.entries} entries, head ${verdict.head} (${where})\n`);
    return 0;
  }
  process.stdout.write(`audit chain BROKEN at entry seq ${verdict.brokenSeq}: ${verdict.reason} (${where})\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);

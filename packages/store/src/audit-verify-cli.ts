#!/usr/bin/env node
/**
 * Offline check of the audit hash chain. Reads entries either from a file (one raw entry
 * per line, as `GET /v1/audit?format=raw` or `redis-cli LRANGE` give them) or from Redis.
 *
 *   npm run audit:verify -- --file audit.jsonl
 *   npm run audit:verify -- --redis redis://127.0.0.1:6379 --prefix quorumd
 *
 * Exits 0 when the chain holds, 1 naming the first broken entry, 2 on bad usage.
 */
import { readFileSync } from 'node:fs';
import { verifyAuditChain, type AuditVerdict } from '@quorumd/core';
import { Redis } from 'ioredis';
import { QuorumStore } from './quorum-store';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function verdictFromRedis(url: string, prefix: string): Promise<AuditVerdict> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await new QuorumStore(redis, { prefix, retentionMs: 0 }).audit.verify();
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<number> {
  const file = option('file');
  const url = option('redis') ?? process.env.REDIS_URL;
  let verdict: AuditVerdict;
  if (file) {
    const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
    verdict = verifyAuditChain(lines);
  } else if (url) {
    verdict = await verdictFromRedis(url, option('prefix') ?? process.env.QUORUM_REDIS_PREFIX ?? 'quorumd');
  } else {
    process.stderr.write('usage: audit-verify --file FILE | --redis URL [--prefix PREFIX]\n');
    return 2;
  }
  if (verdict.ok) {
    process.stdout.write(`audit chain OK: ${verdict.entries} entries, head ${verdict.head}\n`);
    return 0;
  }
  process.stdout.write(`audit chain BROKEN at entry seq ${verdict.brokenSeq}: ${verdict.reason}\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);

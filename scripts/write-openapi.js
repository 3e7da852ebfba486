#!/usr/bin/env node
/**
 * Writes the API's OpenAPI document (as served at /docs/json) to the file named on the
 * command line, from the built app, without a running Redis (nothing connects).
 *   node scripts/write-openapi.js build/openapi.json
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { Redis } = require('ioredis');
const { buildApp, loadConfig } = require('../services/api/dist');
const { QuorumStore, TokenEvents } = require('../packages/store/dist');

async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: write-openapi.js FILE');
  const redis = new Redis({ lazyConnect: true });
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const store = new QuorumStore(redis, { prefix: 'openapi', retentionMs: 1000 });
  const app = await buildApp({ store, events: new TokenEvents(redis, 'openapi'), config, issuer: 'openapi' });
  await app.ready();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(app.swagger(), null, 2));
  await app.close();
  redis.disconnect();
}

main().catch((err) => {
  process.stderr.write(`write-openapi: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '@quorumd/config';
import { parseRedisUrl } from '@quorumd/store';

const ROOT = join(__dirname, '..');

/** docker-compose.yml and the Dockerfile cannot run here (no Docker engine): check what can be checked. */
describe('deployment files', () => {
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('compose sets only variables quorumd knows, and docs/configuration.md documents every variable', () => {
    const known = Object.keys(ConfigSchema.properties);
    const used = [...compose.matchAll(/^\s{6}([A-Z_]+):/gm)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(3);
    for (const name of used) expect(known).toContain(name);
    const configuration = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
    for (const name of known) expect(configuration).toContain(`\`${name}\``);
  });

  it('compose runs Redis with AOF and noeviction, the API without an inline worker, and a worker', () => {
    expect(compose).toMatch(/"--appendonly", "yes"/);
    expect(compose).toMatch(/"--maxmemory-policy", "noeviction"/);
    expect(compose).toMatch(/QUORUM_INLINE_WORKER: "false"/);
    expect(compose).toMatch(/replicas: 2/);
    const commands = [...compose.matchAll(/command: \["node", "([^"]+)"\]/g)].map((m) => m[1]!);
    expect(commands).toEqual(['services/worker/dist/main.js']);
    for (const script of [...commands, 'services/api/dist/server.js']) expect(existsSync(join(ROOT, script))).toBe(true);
  });

  it('the Sentinel variant adds a replica and three sentinels, and points the API and the worker at them', () => {
    const sentinel = readFileSync(join(ROOT, 'docker-compose.sentinel.yml'), 'utf8');
    expect(sentinel).toMatch(/"--replicaof", "redis", "6379"/);
    expect(sentinel).toMatch(/'sentinel monitor quorumd redis 6379 2'/);
    expect(sentinel.match(/^ {2}sentinel-\d: \*sentinel$/gm)).toHaveLength(3);
    const urls = [...sentinel.matchAll(/REDIS_URL: (\S+)/g)].map((m) => m[1]!);
    expect(urls).toHaveLength(2);
    for (const url of urls) {
      const target = parseRedisUrl(url);
      expect(target).toMatchObject({ kind: 'sentinel', name: 'quorumd' });
      expect(target.kind === 'sentinel' && target.sentinels.map((s) => s.host)).toEqual(['sentinel-1', 'sentinel-2', 'sentinel-3']);
    }
    // Every acknowledged write on disk on both servers.
    expect(sentinel.match(/"--appendfsync", "always"/g)).toHaveLength(2);
  });

  it('the Dockerfile builds in one stage and runs as a non-root user in another', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/CMD \["node", "services\/api\/dist\/server.js"\]/);
  });
});

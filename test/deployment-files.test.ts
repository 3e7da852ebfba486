import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '@quorumd/config';

const ROOT = join(__dirname, '..');

/** docker-compose.yml and the Dockerfile cannot run here (no Docker engine): check what can be checked. */
describe('deployment files', () => {
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('compose sets only variables quorumd knows, and the README documents every variable', () => {
    const known = Object.keys(ConfigSchema.properties);
    const used = [...compose.matchAll(/^\s{6}([A-Z_]+):/gm)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(3);
    for (const name of used) expect(known).toContain(name);
    for (const name of known) expect(readme).toContain(`\`${name}\``);
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

  it('the Dockerfile builds in one stage and runs as a non-root user in another', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/CMD \["node", "services\/api\/dist\/server.js"\]/);
  });
});

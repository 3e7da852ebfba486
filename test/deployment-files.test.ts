import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '@quorumd/config';
import { parseRedisUrl } from '@quorumd/store';
import { composeFiles, durationMs, startWaves, type ComposeFile } from './support/compose-file';

const ROOT = join(__dirname, '..');

/** docker-compose.yml and the Dockerfile cannot run here (no Docker engine): check what can be checked. */
describe('deployment files', () => {
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

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

  /** What a quorumd service (the API, the worker) must have in a compose set-up. */
  const expectStartsSafely = (file: ComposeFile, name: string, mustWaitFor: string[]) => {
    const service = file.services[name]!;
    expect({ name, restart: service.restart }).toEqual({ name, restart: 'on-failure' });
    // Above the process's own 10 s stop deadline: quorumd stops by itself before it is killed.
    expect(durationMs(service.stop_grace_period ?? '10s')).toBeGreaterThan(10_000);
    const deps = service.depends_on ?? {};
    expect(Object.keys(deps).sort()).toEqual([...mustWaitFor, 'audit-key'].sort());
    for (const [dep, { condition }] of Object.entries(deps)) {
      if (dep === 'audit-key') {
        expect(condition).toBe('service_completed_successfully');
      } else {
        expect({ dep, condition }).toEqual({ dep, condition: 'service_healthy' });
        expect(file.services[dep]!.healthcheck?.test.length).toBeGreaterThan(1);
      }
    }
    // The audit key and the checkpoint file on a named volume, outside the container.
    const env = service.environment ?? {};
    const mounts = (service.volumes ?? []).map((v) => v.split(':') as [string, string]);
    for (const variable of ['QUORUM_AUDIT_KEY_FILE', 'QUORUM_CHECKPOINT_FILE']) {
      const path = env[variable];
      expect({ variable, set: path !== undefined }).toEqual({ variable, set: true });
      const mount = mounts.find(([, target]) => path!.startsWith(`${target}/`));
      expect({ variable, volume: mount?.[0] }).toEqual({ variable, volume: 'quorumd-files' });
      expect(Object.keys(file.volumes ?? {})).toContain(mount![0]);
    }
    expect(file.services['audit-key']!.environment?.QUORUM_AUDIT_KEY_FILE).toBe(env.QUORUM_AUDIT_KEY_FILE);
  };

  it('compose (parsed): the API and the worker wait for a healthy Redis and the audit key, restart on failure, keep the key and checkpoints on a named volume', () => {
    const file = composeFiles('docker-compose.yml');
    for (const name of ['api', 'worker']) expectStartsSafely(file, name, ['redis']);
    expect(file.services.api!.healthcheck?.test.join(' ')).toMatch(/\/readyz/);
    expect(startWaves(file)).toEqual([['redis', 'audit-key'], ['api', 'worker']]);
  });

  it('compose with the Sentinel file (merged as compose merges it): the API and the worker wait for Redis, the replica in sync and the three sentinels naming a master', () => {
    const file = composeFiles('docker-compose.yml', 'docker-compose.sentinel.yml');
    const waitFor = ['redis', 'redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3'];
    for (const name of ['api', 'worker']) expectStartsSafely(file, name, waitFor);
    // A replica is healthy once its first sync is done, a sentinel once it names the master.
    expect(file.services['redis-replica']!.healthcheck!.test.join(' ')).toContain('master_link_status:up');
    for (const n of [1, 2, 3]) expect(file.services[`sentinel-${n}`]!.healthcheck!.test.join(' ')).toContain('sentinel get-master-addr-by-name quorumd');
    expect(startWaves(file)).toEqual([['redis', 'audit-key'], ['redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3'], ['api', 'worker']]);
  });

  it('the Dockerfile builds in one stage and runs as a non-root user in another', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    // The audit key's volume: a new named volume takes the owner of the image's directory.
    expect(dockerfile).toMatch(/^RUN mkdir -p \/var\/lib\/quorumd && chown node:node \/var\/lib\/quorumd\nUSER node$/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/CMD \["node", "services\/api\/dist\/server.js"\]/);
  });
});

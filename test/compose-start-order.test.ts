import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@quorumd/api';
import { QuorumClient } from '@quorumd/client';
import { stopChild } from './support/child-exit';
import { composeFiles, durationMs, interpolate, startWaves, type ComposeService } from './support/compose-file';
import { until } from './support/eventually';
import { RedisProcess } from './support/redis-process';
import { REPO_ROOT, ServerProcess } from './support/server-process';

const run = promisify(execFile);
const VOLUME = '/var/lib/quorumd';

/**
 * `docker compose -f docker-compose.yml -f docker-compose.sentinel.yml up` with real
 * processes on loopback (no Docker here): each service started in the order its depends_on
 * gives, once the ones it waits for pass their own healthcheck (run as written, pointed at the
 * local port); the one-shot audit-key service's command run as written, on a directory in
 * place of the named volume. Redis keeps its defaults (the replica's first sync 5 s away).
 */
describe('the Sentinel compose set-up, started in the order compose starts it', () => {
  const file = composeFiles('docker-compose.yml', 'docker-compose.sentinel.yml');
  const volume = mkdtempSync(join(tmpdir(), 'quorumd-volume-'));
  const redis = new Map<string, RedisProcess>();
  const sentinels = new Map<string, { port: number; child: ChildProcess; dir: string }>();
  const apis: ServerProcess[] = [];
  let worker: ChildProcess | undefined;
  let workerOut = '';

  afterAll(async () => {
    for (const api of apis) await api.stop();
    if (worker) await stopChild(worker, 'SIGTERM', 15_000);
    for (const s of sentinels.values()) {
      await stopChild(s.child, 'SIGKILL');
      rmSync(s.dir, { recursive: true, force: true });
    }
    for (const r of redis.values()) await r.stop();
    rmSync(volume, { recursive: true, force: true });
  }, 60_000);

  /** A service's port on loopback. */
  const portOf = (name: string): number => redis.get(name)?.port ?? sentinels.get(name)?.port ?? NaN;

  /** redis-server arguments of a compose command, with the service names made loopback ports. */
  const redisArgs = (service: ComposeService): string[] => {
    const args = [...(service.command ?? [])].slice(1);
    const out: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--replica-announce-ip') i++;
      else if (args[i] === '--replicaof') {
        out.push('--replicaof', '127.0.0.1', String(portOf(args[i + 1]!)));
        i += 2;
      } else out.push(args[i]!);
    }
    return out;
  };

  /** The sentinel's config lines as the compose script writes them, with loopback ports. */
  const sentinelConf = (service: ComposeService, port: number, dir: string): string => {
    const script = service.command?.at(-1) ?? '';
    const lines = [...script.matchAll(/'([^']+)'/g)].map((m) => m[1]!).filter((l) => l !== '%s\\n');
    return [
      ...lines.map((l) => l.replace(/^port \d+$/, `port ${port}`).replace(/^(sentinel monitor \S+) (\S+) (\d+) (\d+)$/, (_, head: string, host: string, _p: string, quorum: string) => `${head} 127.0.0.1 ${portOf(host)} ${quorum}`)),
      'bind 127.0.0.1',
      `dir ${dir}`,
      '',
    ].join('\n');
  };

  /** Runs a service's healthcheck as written (redis-cli pointed at its port) until it passes, within its retries. */
  const healthy = async (name: string): Promise<void> => {
    const check = file.services[name]!.healthcheck!;
    const [kind, ...rest] = check.test;
    const local = (text: string) => text.replace(/redis-cli( -p \d+)?/g, `redis-cli -p ${portOf(name)}`);
    const command = kind === 'CMD-SHELL' ? ['sh', '-c', local(rest.join(' '))] : rest.map((a, i) => (i === 0 && a === 'redis-cli' ? `redis-cli -p ${portOf(name)}` : a)).join(' ').split(' ');
    await until(
      `${name} is healthy (${check.test.join(' ')})`,
      async () => run(command[0]!, command.slice(1)).then(() => true, () => false),
      durationMs(check.interval ?? '5s') * (check.retries ?? 3),
    );
  };

  /** A service's environment as compose gives it, pointed at the loopback set-up and the volume directory. */
  const envOf = (service: ComposeService): Record<string, string> => {
    const vars = { QUORUM_ADMIN_PASSWORD: 'compose-admin-password' };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = interpolate(v, vars).replace(VOLUME, volume);
    if (env.REDIS_URL) env.REDIS_URL = env.REDIS_URL.replace(/(sentinel-\d):26379/g, (_, s: string) => `127.0.0.1:${portOf(s)}`);
    if (env.HOST) env.HOST = '127.0.0.1';
    return env;
  };

  it('every service starts once what it waits for is healthy; the API replicas are ready, the admin logs in, the worker seals with the volume’s key', async () => {
    const waves = startWaves(file);
    for (const wave of waves) {
      for (const name of wave) {
        const service = file.services[name]!;
        if (name === 'audit-key') {
          const [node, ...args] = service.command!;
          expect(node).toBe('node');
          await run(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...envOf(service) } });
          expect(existsSync(join(volume, 'audit-key.pem'))).toBe(true);
        } else if (name.startsWith('sentinel-')) {
          const port = await freePort();
          const dir = mkdtempSync(join(tmpdir(), 'quorumd-sentinel-'));
          writeFileSync(join(dir, 'sentinel.conf'), sentinelConf(service, port, dir));
          sentinels.set(name, { port, dir, child: spawn('redis-server', [join(dir, 'sentinel.conf'), '--sentinel'], { stdio: 'ignore' }) });
        } else if (service.image?.startsWith('redis')) {
          redis.set(name, await RedisProcess.start(redisArgs(service)));
        } else if (name === 'api') {
          // The replicas start at the same moment, as compose starts them: one bootstrap makes the admin.
          const ports = [];
          for (let i = 0; i < (service.deploy?.replicas ?? 1); i++) ports.push(await freePort());
          apis.push(...(await Promise.all(ports.map((port) => ServerProcess.start({ ...envOf(service), PORT: String(port), LOG_LEVEL: 'info' })))));
        } else if (name === 'worker') {
          worker = spawn(process.execPath, [join(REPO_ROOT, service.command![1]!)], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...envOf(service) }, stdio: ['ignore', 'pipe', 'pipe'] });
          worker.stdout!.on('data', (d: Buffer) => (workerOut += d.toString()));
          worker.stderr!.on('data', (d: Buffer) => (workerOut += d.toString()));
        }
      }
      // The next wave waits for this one's healthchecks (compose's service_healthy).
      for (const name of wave) if (file.services[name]!.healthcheck && name !== 'api') await healthy(name);
    }

    // Both API replicas pass their own healthcheck (GET /readyz) and the admin logs in.
    for (const api of apis) {
      const test = file.services.api!.healthcheck!.test.slice(1).map((a) => a.replace('127.0.0.1:8080', new URL(api.url).host));
      await run(process.execPath, test.slice(1));
      // The replica's healthcheck held the API back until its first sync was done.
      expect(api.output).not.toMatch(/failed to start|to finish its first sync/);
    }
    const admin = new QuorumClient({ url: apis[0]!.url });
    await admin.login('admin', 'compose-admin-password');
    // The worker signs checkpoints with the key the one-shot service made, into the volume's file.
    await until('the worker writes a checkpoint to the volume', async () => existsSync(join(volume, 'checkpoints.jsonl')) && readFileSync(join(volume, 'checkpoints.jsonl'), 'utf8').length > 0, 20_000);
    expect(workerOut).toMatch(/"msg":"audit key"/);
    expect(workerOut).toMatch(/"created":false/);
  }, 120_000);
});

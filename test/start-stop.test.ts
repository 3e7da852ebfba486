import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@quorumd/api';
import { readLocalInstance, type LocalInstance } from '@quorumd/store';
import { alive, killAll, redisServersIn, waitGone } from './support/processes';
import { SERVER_JS, ServerProcess } from './support/server-process';

/**
 * `npm start` on one checkout, as a newcomer lives it: two starts on one data dir, a start
 * that fails half-way, a killed one, Ctrl-C, SIGTERM, and SIGTERM with Redis gone. Each
 * test runs real processes (npm, node, redis-server) on a data dir of its own.
 */
describe('starting and stopping quorumd', () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  const dataDir = (): string => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'quorumd-start-')));
    dirs.push(dir);
    return join(dir, 'data');
  };
  const start = async (env: Record<string, string>, options: Parameters<typeof ServerProcess.start>[1] = {}): Promise<ServerProcess> => {
    const server = await ServerProcess.start({ LOG_LEVEL: 'info', ...env }, options);
    servers.push(server);
    return server;
  };
  const pids = new Set<number>();
  const instance = (data: string): LocalInstance => {
    const record = readLocalInstance(data);
    if (!record) throw new Error(`no lock in ${data}`);
    for (const pid of [record.pid, record.redisPid]) if (pid) pids.add(pid);
    return record;
  };
  const login = (url: string, password: string) =>
    fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password }) }).then((r) => r.status);

  afterAll(async () => {
    // Nothing outlives the tests: every server (and its group), every redis-server in our dirs.
    for (const server of servers) await server.kill();
    killAll([...pids]);
    for (const dir of dirs) killAll(redisServersIn(join(dir, 'data', 'redis')));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a second start on the same data dir refuses in one line naming the first (pid, URL), touches nothing, and the first keeps serving', async () => {
    const data = dataDir();
    const first = await start({ QUORUM_DATA_DIR: data, QUORUM_ADMIN_PASSWORD: 'first-password' });
    const before = instance(data);
    expect(before).toMatchObject({ pid: first.pid, url: first.url, redisPid: expect.any(Number) });
    const lockText = readFileSync(join(data, 'quorumd.lock'), 'utf8');

    const second = spawnSync(process.execPath, [SERVER_JS], {
      env: { PATH: process.env.PATH ?? '', QUORUM_DATA_DIR: data, PORT: String(await freePort()) },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(second.status).toBe(1);
    expect(second.stdout).toBe('');
    const lines = second.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `quorumd: the data dir ${data} is in use by a running quorumd (pid ${first.pid}, ${first.url}); ` +
        `use that one, stop it first (Ctrl-C in its terminal, or kill ${first.pid}), or set QUORUM_DATA_DIR to another directory`,
    );

    // Touched nothing: the first one's Redis, lock and service are as they were.
    expect(readFileSync(join(data, 'quorumd.lock'), 'utf8')).toBe(lockText);
    expect(alive(before.redisPid!)).toBe(true);
    expect(redisServersIn(join(data, 'redis'))).toEqual([before.redisPid]);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(await login(first.url, 'first-password')).toBe(201);

    expect(await first.stop()).toBe(0);
    expect(await waitGone([before.redisPid!])).toEqual([]);
    expect(existsSync(join(data, 'quorumd.lock'))).toBe(false);
  });

  it('a start that fails half-way (its port is taken) says so in one line and stops the redis-server it had started', async () => {
    const taken = await start({ QUORUM_DATA_DIR: dataDir() });
    const data = dataDir();
    const failed = spawnSync(process.execPath, [SERVER_JS], {
      env: { PATH: process.env.PATH ?? '', QUORUM_DATA_DIR: data, PORT: new URL(taken.url).port, LOG_LEVEL: 'info' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(failed.status).toBe(1);
    const lines = failed.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^quorumd: port ${new URL(taken.url).port} on 127\\.0\\.0\\.1 is already in use by another program; stop it or set PORT to a free port`));
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    // It had started a redis-server (logged), and stopped it; the data dir is free again.
    expect(failed.stdout).toMatch(/started a local redis-server/);
    expect(redisServersIn(join(data, 'redis'))).toEqual([]);
    expect(existsSync(join(data, 'quorumd.lock'))).toBe(false);
    expect((await fetch(`${taken.url}/readyz`)).status).toBe(200);
    expect(await taken.stop()).toBe(0);
  });

  it('after a SIGKILL, the next start stops the redis-server left behind and keeps the data', async () => {
    const data = dataDir();
    const killed = await start({ QUORUM_DATA_DIR: data, QUORUM_ADMIN_PASSWORD: 'kept-password' });
    const { redisPid } = instance(data);
    await killed.kill();
    expect(alive(redisPid!)).toBe(true);

    const next = await start({ QUORUM_DATA_DIR: data });
    expect(await waitGone([redisPid!])).toEqual([]);
    expect(next.output).toMatch(/stopped the redis-server an earlier quorumd left running on this data dir/);
    expect(redisServersIn(join(data, 'redis'))).toEqual([instance(data).redisPid]);
    expect(await login(next.url, 'kept-password')).toBe(201);
    expect(await next.stop()).toBe(0);
  });

  it('Ctrl-C (SIGINT to the process group of `npm start`) exits 0 within seconds and leaves no process behind', async () => {
    const data = dataDir();
    const npm = await start({ QUORUM_DATA_DIR: data }, { via: 'npm', group: true });
    await npm.waitFor(/Ctrl-C to stop/);
    const { pid: node, redisPid } = instance(data);
    expect(node).not.toBe(npm.pid);

    const sent = Date.now();
    npm.signalGroup('SIGINT');
    const exit = await npm.exited();
    const tookMs = Date.now() - sent;
    expect(exit).toEqual({ code: 0, signal: null });
    // Idle, it takes well under 2 s; the bound leaves room for a busy machine (the old stop took the 10 s deadline).
    expect(tookMs).toBeLessThan(5000);
    expect(await waitGone([node, redisPid!], 2000)).toEqual([]);
    expect(redisServersIn(join(data, 'redis'))).toEqual([]);
    expect(existsSync(join(data, 'quorumd.lock'))).toBe(false);
    // Redis stopped after the API had drained: not one lost connection on the way out.
    expect(npm.output).not.toMatch(/ECONNREFUSED|redis connection lost|took too long/);
  });

  it('SIGTERM to the `npm start` process exits 0 and leaves no process behind', async () => {
    const data = dataDir();
    const npm = await start({ QUORUM_DATA_DIR: data }, { via: 'npm', group: true });
    await npm.waitFor(/Ctrl-C to stop/);
    const { pid: node, redisPid } = instance(data);

    const sent = Date.now();
    expect(await npm.stop('SIGTERM')).toBe(0);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(await waitGone([node, redisPid!], 2000)).toEqual([]);
    expect(existsSync(join(data, 'quorumd.lock'))).toBe(false);
  });

  it('SIGTERM with its Redis killed: exits 0 within seconds, without waiting out the deadline, and leaves no process behind', async () => {
    const data = dataDir();
    const server = await start({ QUORUM_DATA_DIR: data });
    const { redisPid } = instance(data);
    process.kill(redisPid!, 'SIGKILL');
    await server.waitFor(/redis connection lost/);
    await new Promise((r) => setTimeout(r, 1000));

    const sent = Date.now();
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(server.output).not.toMatch(/took too long/);
    expect(redisServersIn(join(data, 'redis'))).toEqual([]);
    expect(existsSync(join(data, 'quorumd.lock'))).toBe(false);
  });
});

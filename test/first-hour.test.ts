import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@quorumd/api';
import { Redis } from 'ioredis';
import { deploymentKeys } from './support/deployment-keys';
import { Harness, REDIS_URL } from './support/harness';
import { killAll, redisServersIn } from './support/processes';
import { RedisProcess } from './support/redis-process';
import { REPO_ROOT, SERVER_JS, ServerProcess } from './support/server-process';

const run = promisify(execFile);

/** What a newcomer meets in the first hour: the banner, start failures, the admin password, logs, audit:verify, a clean Redis. */
describe('the first hour', () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  const dataDir = (): string => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'quorumd-first-')));
    dirs.push(dir);
    return join(dir, 'data');
  };
  const start = async (env: Record<string, string>): Promise<ServerProcess> => {
    const server = await ServerProcess.start({ LOG_LEVEL: 'info', ...env });
    servers.push(server);
    return server;
  };
  const login = (url: string, password: string) =>
    fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password }) }).then((r) => r.status);
  /** `npm run audit:verify` from the repository, with no arguments (the environment may name a data dir). */
  const auditVerify = async (env: Record<string, string>): Promise<{ code: number; out: string; err: string }> => {
    try {
      const { stdout, stderr } = await run('npm', ['run', '--silent', 'audit:verify'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, out: err.stdout, err: err.stderr };
    }
  };

  afterAll(async () => {
    for (const server of servers) await server.kill();
    for (const dir of dirs) killAll(redisServersIn(join(dir, 'data', 'redis')));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('prints a start banner: the URL, /docs, the Redis in use, the data dir, and "Ctrl-C to stop"', async () => {
    const data = dataDir();
    const server = await start({ QUORUM_DATA_DIR: data });
    await server.waitFor(/Ctrl-C to stop/);
    expect(server.stdout).toContain(`quorumd is running at ${server.url}  (API docs: ${server.url}/docs)`);
    expect(server.stdout).toContain(`  Console:  ${server.url}/console (officers review and approve in the browser)`);
    expect(server.stdout).toMatch(/Redis: {4}redis:\/\/127\.0\.0\.1:\d+, a redis-server quorumd started \(pid \d+\) and stops on exit/);
    expect(server.stdout).toContain(`Data dir: ${data} (to start over: stop quorumd, then remove this directory)`);
    expect(server.stdout).toContain(`Files:    audit key ${join(data, 'audit-key.pem')}, checkpoints ${join(data, 'checkpoints.jsonl')} (outside Redis`);
    expect((await fetch(`${server.url}/docs`)).status).toBe(200);
    expect(await server.stop()).toBe(0);

    const prefix = `banner-${process.pid}`;
    const external = await start({ REDIS_URL, QUORUM_REDIS_PREFIX: prefix });
    try {
      await external.waitFor(/Ctrl-C to stop/);
      expect(external.stdout).toContain(`Redis:    ${REDIS_URL} (REDIS_URL), keys {${prefix}}:*: every token, user, key and audit entry`);
      // The audit key and checkpoints are still files, in QUORUM_DATA_DIR by default: the banner says where.
      const testData = join(tmpdir(), 'quorumd-test-data');
      expect(external.stdout).toContain(`Files:    audit key ${join(testData, 'audit-key.pem')}, checkpoints ${join(testData, 'checkpoints.jsonl')} (outside Redis`);
      expect(external.stdout).not.toMatch(/not used/);
      expect(await external.stop()).toBe(0);
      const apiOnly = await start({ REDIS_URL, QUORUM_REDIS_PREFIX: prefix, QUORUM_INLINE_WORKER: 'false' });
      await apiOnly.waitFor(/Ctrl-C to stop/);
      expect(apiOnly.stdout).toContain('Files:    none written by this process (QUORUM_INLINE_WORKER=false: the worker keeps the audit key and checkpoints)');
      expect(await apiOnly.stop()).toBe(0);
    } finally {
      await external.stop();
      const redis = new Redis(REDIS_URL);
      const keys = await deploymentKeys(redis, prefix);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('REDIS_URL at a closed port: one line naming it, the cause and what to do; no warnings, no stack trace', async () => {
    const port = await freePort();
    const started = Date.now();
    const failed = spawnSync(process.execPath, [SERVER_JS], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: `redis://127.0.0.1:${port}`, PORT: String(await freePort()) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(failed.status).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9000); // it gives a Redis that is still starting 10 s
    expect(failed.stdout).toBe('');
    expect(failed.stderr.trimEnd().split('\n')).toEqual([
      `quorumd: cannot reach Redis at redis://127.0.0.1:${port} (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${port}; ` +
        'start Redis there, fix REDIS_URL, or unset REDIS_URL to have quorumd start its own redis-server',
    ]);
  }, 40_000);

  it('says at start what it found of the admin: QUORUM_ADMIN_PASSWORD is its password, or is not (and how to reset it or start over)', async () => {
    const data = dataDir();
    const first = await start({ QUORUM_DATA_DIR: data, QUORUM_ADMIN_PASSWORD: 'first-password' });
    await first.waitFor(/Ctrl-C to stop/);
    expect(first.stdout).toMatch(/ {2}Admin: {4}crypto officer "admin" created now \(\S+\) with QUORUM_ADMIN_PASSWORD as its password\n/);
    expect(await first.stop()).toBe(0);

    const same = await start({ QUORUM_DATA_DIR: data, QUORUM_ADMIN_PASSWORD: 'first-password' });
    await same.waitFor(/Ctrl-C to stop/);
    expect(same.stdout).toMatch(/ {2}Admin: {4}crypto officer "admin" created at \d{4}-\d\d-\d\dT\S+Z; QUORUM_ADMIN_PASSWORD is its password\n/);
    expect(same.output).not.toMatch(/not used|NOT used|not the admin/);
    expect(await same.stop()).toBe(0);

    const second = await start({ QUORUM_DATA_DIR: data, QUORUM_ADMIN_PASSWORD: 'second-password' });
    await second.waitFor(/Ctrl-C to stop/);
    const reset = 'To reset it: another crypto officer changes it under USER_MGMT\'s quorum (quorum changePswd CO admin <new password> --quorum-token <id>, a token for {"id": 1})';
    expect(second.stdout).toMatch(/Note: QUORUM_ADMIN_PASSWORD is set but is not the admin's password: the crypto officer "admin" was created at \S+Z and keeps its password/);
    expect(second.stdout).toContain(`(QUORUM_ADMIN_PASSWORD chooses it only when the admin is created). ${reset}. To start over with it: remove ${data} while quorumd is stopped.`);
    // Log lines are written asynchronously: the warning may follow the banner.
    await second.waitFor(/"level":40,.*QUORUM_ADMIN_PASSWORD is set but is not the admin's password/);
    expect(second.output).not.toContain('second-password');
    expect(await login(second.url, 'first-password')).toBe(201);
    expect(await login(second.url, 'second-password')).toBe(401);
    expect(await second.stop()).toBe(0);

    const unset = await start({ QUORUM_DATA_DIR: data });
    await unset.waitFor(/Ctrl-C to stop/);
    expect(unset.stdout).toMatch(/ {2}Admin: {4}crypto officer "admin" created at \S+Z; its password was printed by that start and is not shown again\. To reset it: /);
    expect(unset.stdout).not.toMatch(/with password:/);
    expect(await unset.stop()).toBe(0);

    // Starting over as the note says: the password is used.
    rmSync(data, { recursive: true, force: true });
    const fresh = await start({ QUORUM_DATA_DIR: data, QUORUM_ADMIN_PASSWORD: 'second-password' });
    await fresh.waitFor(/Ctrl-C to stop/);
    expect(fresh.output).not.toMatch(/not the admin/);
    expect(await login(fresh.url, 'second-password')).toBe(201);
    expect(await fresh.stop()).toBe(0);
  }, 60_000);

  it('`npm run audit:verify` with no arguments checks the running local instance’s own Redis', async () => {
    const data = dataDir();
    const none = await auditVerify({ QUORUM_DATA_DIR: data });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(new RegExp(`^audit verify: no running quorumd with a local Redis in ${data} \\(npm start it\\)`));

    const server = await start({ QUORUM_DATA_DIR: data, QUORUM_ADMIN_PASSWORD: 'admin-password' });
    expect(await login(server.url, 'admin-password')).toBe(201);
    const { redisUrl } = (await import('@quorumd/store')).readLocalInstance(data)!;
    const checked = await auditVerify({ QUORUM_DATA_DIR: data });
    expect(checked.code).toBe(0);
    // The bootstrap and the login are there: this is the instance's Redis, not 127.0.0.1:6379.
    expect(checked.out).toMatch(new RegExp(`^audit log OK: [2-9]\\d* entries, .*head [0-9a-f]{64} \\(${redisUrl}, prefix quorumd(, checkpoints [^)]+)?\\)\\n$`));
    expect(redisUrl).not.toBe('redis://127.0.0.1:6379');

    // An empty chain is not "OK": it is the wrong Redis or prefix.
    const empty = await auditVerify({ REDIS_URL: redisUrl!, QUORUM_REDIS_PREFIX: 'nothing-here' });
    expect(empty).toMatchObject({ code: 1, out: expect.stringMatching(/^audit log EMPTY: no entries; is that the right Redis and prefix\? \(.*prefix nothing-here/) });
    expect(await server.stop()).toBe(0);
  });

  it('logs connection trouble as one line per change of state (lost, reconnecting, back), with the error’s message and code', async () => {
    const redis = await RedisProcess.start();
    try {
      const server = await start({ REDIS_URL: redis.url, QUORUM_REDIS_PREFIX: 'logs' });
      await server.waitFor(/Ctrl-C to stop/);
      await redis.kill();
      await server.waitFor(/redis connection lost/);
      await new Promise((r) => setTimeout(r, 3000)); // several retries of six connections
      await redis.restart();
      await server.waitFor(/redis connection back/);
      expect(await server.stop()).toBe(0);

      const lines = server.stdout.split('\n').filter((l) => l.startsWith('{'));
      const about = (msg: RegExp) => lines.filter((l) => msg.test((JSON.parse(l) as { msg: string }).msg));
      expect(about(/^redis connection lost/)).toHaveLength(1);
      expect(about(/^reconnecting to redis$/)).toHaveLength(1);
      const back = about(/^redis connection back$/);
      expect(back).toHaveLength(1);
      expect(JSON.parse(back[0]!)).toMatchObject({ level: 30, redis: redis.url, downMs: expect.any(Number), retries: expect.any(Number), lastError: expect.stringMatching(/ECONNREFUSED/), lastErrorCode: 'ECONNREFUSED' });
      expect(JSON.parse(back[0]!).retries).toBeGreaterThan(1);
      // Never one line per retry, never an error logged as an empty object.
      expect(lines.filter((l) => l.includes('ECONNREFUSED')).length).toBeLessThanOrEqual(2);
      expect(server.output).not.toMatch(/"type":"Object"|"stack":""|Unhandled error event/);
    } finally {
      await redis.stop();
    }
  }, 40_000);

  it('tests leave nothing behind: closing the harness deletes the deployment’s keys, BullMQ’s {prefix}:bull keys included', async () => {
    const { h, admin } = await Harness.withOfficers(['hyg1'], { worker: true });
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'rotateKey', args: {} } });
    expect(issued.status).toBe(201);
    const redis = new Redis(REDIS_URL);
    try {
      // The worker turned the outbox entry into jobs: BullMQ keys exist, without expiry.
      for (let i = 0; i < 100 && !(await deploymentKeys(redis, h.prefix)).some((k) => k.startsWith(`{${h.prefix}}:bull:`)); i++) await new Promise((r) => setTimeout(r, 50));
      expect((await deploymentKeys(redis, h.prefix)).some((k) => k.startsWith(`{${h.prefix}}:bull:`))).toBe(true);
      await h.close();
      expect(await deploymentKeys(redis, h.prefix)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

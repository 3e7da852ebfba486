import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_URL } from './support/harness';
import { SERVER_JS, ServerProcess } from './support/server-process';

/** `npm start` as a newcomer runs it: the built server process, configured only by the environment. */
describe('the quorumd process', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'quorumd-proc-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('with no configuration starts its own redis-server with AOF under ./data, prints the admin password once, and stops it on exit', async () => {
    const cwd = tempDir();
    const server = await ServerProcess.start({}, cwd);
    const printed = /password: (\S+)/.exec(server.output);
    expect(printed).not.toBeNull();
    const login = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', password: printed![1] }),
    });
    expect(login.status).toBe(201);
    expect(existsSync(join(cwd, 'data', 'redis', 'appendonlydir'))).toBe(true);
    const pid = Number(readFileSync(join(cwd, 'data', 'redis', 'redis.pid'), 'utf8'));
    expect(await server.stop()).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(`/proc/${pid}`)).toBe(false);

    // Restarted on the same data: the admin is kept, no new password is printed.
    const again = await ServerProcess.start({}, cwd);
    expect(again.output).not.toMatch(/password:/);
    const relogin = await fetch(`${again.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', password: printed![1] }),
    });
    expect(relogin.status).toBe(201);
    expect(await again.stop()).toBe(0);
  });

  it.each([
    ['PORT', 'eighty', /PORT is invalid/],
    ['QUORUM_MAX_LOGIN_FAILURES', '0', /QUORUM_MAX_LOGIN_FAILURES must be an integer from 1 to 100/],
    ['REDIS_URL', 'http://x', /REDIS_URL is invalid/],
    ['QUORUM_REQUESTER_MAY_APPROVE', 'yes', /QUORUM_REQUESTER_MAY_APPROVE is invalid/],
  ])('refuses to start with %s=%s, naming the variable', (name, value, message) => {
    const run = spawnSync(process.execPath, [SERVER_JS], { env: { PATH: process.env.PATH ?? '', [name]: value }, encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
  });

  it('says what to install when redis-server is missing', () => {
    const run = spawnSync(process.execPath, [SERVER_JS], { env: { PATH: '/nonexistent' }, encoding: 'utf8', timeout: 10_000, cwd: tempDir() });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no redis-server was found.*apt-get install redis-server/);
  });

  it('runs the README walk-through as written', async () => {
    const prefix = `walk-${randomBytes(4).toString('hex')}`;
    const server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: prefix, QUORUM_ADMIN_PASSWORD: 'admin-password' });
    try {
      const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('<!-- walkthrough:start -->'), readme.indexOf('<!-- walkthrough:end -->'));
      const script = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
      const out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: tempDir(), env: { ...process.env, Q: server.url }, encoding: 'utf8' });
      expect(out).toMatch(/"code":"RET_MXN_AUTH_FAILED","message":"Quorum approval is required for this operation: 0 of 2 approvals"/);
      expect(out).toMatch(/\{"status":"PENDING","approvals":1,"m":2\}/);
      expect(out).toMatch(/\{"status":"APPROVED","approvals":2,"m":2\}/);
      expect(out).toMatch(/"name":"alice"/);
      expect(out).toMatch(/CONSUMED/);
      expect(out).toMatch(/Verified OK/);
    } finally {
      await server.stop();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`{${prefix}}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });
});

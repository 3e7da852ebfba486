import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteDeploymentKeys } from './support/deployment-keys';
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
    ['PORT', 'abc', /^quorumd: PORT must be a whole number from 0 to 65535 \(got "abc"\); fix it, or unset it for the default \(8080\)$/],
    ['PORT', '70000', /^quorumd: PORT must be a whole number from 0 to 65535 \(got "70000"\)/],
    ['QUORUM_MAX_LOGIN_FAILURES', '0', /^quorumd: QUORUM_MAX_LOGIN_FAILURES must be a whole number from 1 to 100 \(got "0"\)/],
    ['REDIS_URL', 'http://x', /^quorumd: REDIS_URL must be a URL starting with redis:\/\/, rediss:\/\/, redis-sentinel:\/\/ or redis-cluster:\/\/ \(got "http:\/\/x"\); fix it, or unset it: then quorumd starts its own redis-server, with its AOF under the data directory$/],
    ['REDIS_URL', 'redis-cluster://nohost', /^quorumd: failed to start: REDIS_URL: a node is not host:port \(percent-encode any @, : or \/ in the user name or password\)$/],
    ['REDIS_URL', 'redis-cluster://u:p@ss@h:1', /^quorumd: failed to start: REDIS_URL: a node is not host:port/],
    ['QUORUM_REQUESTER_MAY_APPROVE', 'yes', /^quorumd: QUORUM_REQUESTER_MAY_APPROVE must be true or false \(got "yes"\)/],
    ['LOG_LEVEL', 'verbose', /^quorumd: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "verbose"\)/],
    ['QUORUM_REDIS_PREFIX', 'a b', /^quorumd: QUORUM_REDIS_PREFIX must be 1 to 64 letters, digits or the characters _ \. : - \(got "a b"\)/],
    ['QUORUM_ADMIN_PASSWORD', 'short', /^quorumd: QUORUM_ADMIN_PASSWORD must be 7 to 128 characters long \(got 5 characters\)/],
  ])('refuses to start with %s=%s in one line: the setting, its allowed values in words, what to do', (name, value, message) => {
    const run = spawnSync(process.execPath, [SERVER_JS], { env: { PATH: process.env.PATH ?? '', [name]: value }, encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr.trimEnd()).toMatch(message);
    // Never the schema's own words, and never a secret's value.
    expect(run.stderr).not.toMatch(/Expected|union|\^\[/);
    expect(run.stderr).not.toContain('short');
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
      // stderr is piped (not inherited) so that the walk-through's own stderr does not land in the test output.
      const walk = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: tempDir(), env: { ...process.env, Q: server.url }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(walk.status).toBe(0);
      const out = walk.stdout;
      // Each key registration's reply (on stderr) is a line of its own: none runs into the next.
      expect(walk.stderr.match(/^\{"fingerprint":"[0-9a-f]{64}"\}$/gm)).toHaveLength(2);
      // The statuses the text names are printed, not only the bodies.
      expect(out).toMatch(/"m":2\}\nHTTP 200\n/);
      expect(out).toMatch(/"code":"RET_MXN_AUTH_FAILED","message":"Quorum approval is required for this operation: 0 of 2 approvals".*\}\nHTTP 403\n/);
      // The long-poll sends its credential (without it the answer would be a 401 body, not a status).
      expect(out).toMatch(/^after the wait: CONSUMED$/m);
      expect(out).toMatch(/\{"status":"PENDING","approvals":1,"m":2\}/);
      expect(out).toMatch(/\{"status":"APPROVED","approvals":2,"m":2\}/);
      expect(out).toMatch(/"name":"alice"/);
      expect(out).toMatch(/CONSUMED/);
      expect(out).toMatch(/Verified OK/);
    } finally {
      await server.stop();
      const redis = new Redis(REDIS_URL);
      await deleteDeploymentKeys(redis, prefix);
      redis.disconnect();
    }
  });
});

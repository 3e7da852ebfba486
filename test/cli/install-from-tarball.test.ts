import { execFile, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, REDIS_URL } from '../support/harness';
import { exitOf, stopChild } from '../support/child-exit';
import { REPO_ROOT, ServerProcess } from '../support/server-process';

const run = promisify(execFile);
/** npm as a newcomer's shell has it, but never the registry: what is installed must come from the tarball. */
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--offline', '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });

/** Every symbolic link under `dir` whose target lies in the repository (an install that would break without the checkout). */
function linksIntoRepo(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (lstatSync(path).isSymbolicLink()) {
      if (realpathSync(path).startsWith(REPO_ROOT)) found.push(path);
    } else if (entry.isDirectory()) found.push(...linksIntoRepo(path));
  }
  return found;
}

/** The README's install of the CLI and the SDK, done outside the repository, and its automation example run as written. */
describe('the quorum CLI and SDK outside the repository', () => {
  const root = mkdtempSync(join(tmpdir(), 'quorum-install-'));
  let tarball = '';
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    // npm run pack:cli -w packages/client, as the README says (into a directory of our own).
    const { stdout } = await run('npm', ['run', '--silent', 'pack:cli', '-w', 'packages/client', '--', '--out', join(root, 'pack')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    tarball = stdout.trim().split('\n').pop() ?? '';
    expect(tarball).toBe(join(root, 'pack', 'quorumd-client-0.1.0.tgz'));
  }, 60_000);

  it('installs globally from the tarball without the registry, and `quorum --version` runs from an empty directory', async () => {
    const prefix = join(root, 'prefix');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await npm(['install', '-g', '--prefix', prefix, tarball], empty);
    expect(linksIntoRepo(join(prefix, 'lib'))).toEqual([]);

    const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: empty };
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', 'client', 'package.json'), 'utf8')).version as string;
    expect((await run('quorum', ['--version'], { cwd: empty, env })).stdout).toBe(`${version}\n`);
    // A command that needs @quorumd/core (bundled): an audit export checked offline.
    writeFileSync(join(empty, 'audit.jsonl'), '');
    expect((await run('quorum', ['audit', 'verify', '--file', 'audit.jsonl'], { cwd: empty, env })).stdout).toMatch(/audit log EMPTY/);
    expect(readdirSync(empty)).toEqual(['audit.jsonl']);
  }, 60_000);

  it('runs the README automation example under plain Node.js 20, with the SDK installed from the tarball', async () => {
    const project = join(root, 'automation');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{"name":"automation","private":true}\n');
    await npm(['install', tarball], project);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf('<!-- sdk-example:start -->'), readme.indexOf('<!-- sdk-example:end -->'));
    const code = /```js\n([\s\S]*?)```/.exec(block)?.[1];
    expect(code).toContain("require('@quorumd/client')");
    writeFileSync(join(project, 'gate.js'), code ?? '');

    const { h, admin } = await Harness.withOfficers([]);
    const server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    try {
      const key = (await h.request('POST', '/v1/api-keys', h.adminToken, { name: 'deployer' })).body.key as string;
      const gate = spawn(process.execPath, ['gate.js'], { cwd: project, env: { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_API_KEY: key }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      gate.stdout.on('data', (d: Buffer) => (out += d.toString()));
      gate.stderr.on('data', (d: Buffer) => (out += d.toString()));
      try {
        // It waits for the quorum: an officer approves its token.
        let id: string | undefined;
        for (let i = 0; i < 200 && !id; i++) {
          id = /token ([0-9a-f-]{36}): waiting for 1 approval/.exec(out)?.[1];
          if (!id) await new Promise((r) => setTimeout(r, 50));
        }
        expect(id).toBeDefined();
        expect((await h.approve(id!, admin)).body.token.status).toBe('APPROVED');
        expect(await exitOf(gate)).toEqual({ code: 0, signal: null });
        expect(out).toMatch(/approved by 1 officer\(s\); now run the HSM's createUser/);
        expect((await h.request('GET', `/v1/tokens/${id}`, h.adminToken)).body.token.status).toBe('CONSUMED');
      } finally {
        await stopChild(gate, 'SIGKILL');
      }
    } finally {
      await server.stop();
      await h.close();
    }
  }, 60_000);
});

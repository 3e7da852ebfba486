import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { ServerProcess } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');

describe('quorum sign approves only on a typed yes or --yes', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let server: ServerProcess;
  let dir: string;

  /** Runs `quorum` as co1 with standard input closed (/dev/null: no terminal, no answer). */
  function quorum(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(dir, 'co1.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      const timer = setTimeout(() => child.kill(), 15_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });
  }
  const approvals = async (id: string) => (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.approvals.length as number;
  const issue = async () => (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'createUser', args: { type: 'CU', name: 'sign_cu' } } })).body.token.id as string;

  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['sign_co1']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-sign-confirmation-'));
    expect((await quorum('loginHSM', 'CO', 'sign_co1', 'sign_co1-password')).code).toBe(0);
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses with closed standard input (no answer), exits non-zero and records no approval', async () => {
    const id = await issue();
    for (const command of ['sign', 'approveToken']) {
      const res = await quorum(command, id, '--key', co1.key!.privatePath);
      expect(res.code).not.toBe(0);
      expect(res.err).toContain('RET_FORBIDDEN: not approved (no answer; use --yes in scripts)');
      expect(await approvals(id)).toBe(0);
    }
  });

  it('--json changes the output only: it still asks, so without an answer nothing is approved', async () => {
    const id = await issue();
    const res = await quorum('--json', 'sign', id, '--key', co1.key!.privatePath);
    expect(res.code).not.toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({ code: 'RET_FORBIDDEN', message: 'not approved (no answer; use --yes in scripts)' });
    // What would be approved is shown on stderr, so that stdout holds the one JSON answer.
    expect(res.err).toContain('Command      createUser');
    expect(await approvals(id)).toBe(0);
  });

  it('--yes approves without a question, in human and JSON output', async () => {
    const id = await issue();
    const res = await quorum('--json', 'sign', id, '--key', co1.key!.privatePath, '--yes');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out).token.approvals).toHaveLength(1);
    expect(await approvals(id)).toBe(1);
  });
});

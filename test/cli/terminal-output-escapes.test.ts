import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { ServerProcess } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

/** Every character a terminal interprets or a renderer reorders, but the CLI's own line breaks. */
const INTERPRETED = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

describe("the CLI never hands someone else's text to the terminal", () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let server: ServerProcess;
  let dir: string;
  let tokenId: string;

  const env = (who: string) => ({ PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(dir, `${who}.json`) });
  async function quorum(who: string, ...args: string[]): Promise<{ out: string; err: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: dir, env: env(who) });
      return { out: stdout, err: stderr };
    } catch (e) {
      const err = e as { stdout: string; stderr: string };
      return { out: err.stdout, err: err.stderr };
    }
  }

  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['esc_co1']));
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-cli-escapes-'));
    await quorum('co1', 'loginHSM', 'CO', 'esc_co1', 'esc_co1-password');
    // The requester's own text: arguments that render reversed, and a rejection reason that rewrites the screen.
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: '\u202e10.0\u202c', to: 'bob\u001b[2K\rto alice' } } });
    tokenId = issued.body.token.id as string;
    const reason = 'ok\u001b[1A\u001b[2K\rRejections   none\n\u009b31mApprovals    2 of 2';
    expect((await h.request('POST', `/v1/tokens/${tokenId}/rejections`, admin.token, { reason })).status).toBe(200);
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('quorum show writes controls and direction characters of arguments and reasons as \\u escapes', async () => {
    const { out } = await quorum('co1', 'show', tokenId);
    expect(out).not.toMatch(INTERPRETED);
    expect(out).toContain('\\u202e10.0\\u202c');
    expect(out).toContain('\\u001b[1A\\u001b[2K\\u000dRejections   none\\u000a\\u009b31m');
    // No line of its own comes from the reason: the real rejection line is the only one starting with "Rejections".
    expect(out.split('\n').filter((line) => line.startsWith('Rejections')).length).toBe(1);
    expect(out.split('\n').filter((line) => line.startsWith('Approvals')).length).toBe(1);
  });

  it('quorum --json show is the same JSON value with those characters escaped', async () => {
    const { out } = await quorum('co1', '--json', 'show', tokenId);
    expect(out).not.toMatch(INTERPRETED);
    const parsed = JSON.parse(out) as { token: { operation: { args: { amount: string } }; rejections: { reason: string }[] } };
    expect(parsed.token.operation.args.amount).toBe('\u202e10.0\u202c');
    expect(parsed.token.rejections[0]?.reason).toContain('\u001b[1A');
  });

  it('quorum listTokens and the display before sign\'s question escape them too', async () => {
    expect((await quorum('co1', 'listTokens')).out).not.toMatch(INTERPRETED);
    const shown = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'sign', tokenId, '--key', co1.key!.privatePath], { cwd: dir, env: env('co1'), stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.on('close', () => resolve(text));
      setTimeout(() => child.kill(), 10_000);
    });
    expect(shown).toContain('\\u202e10.0\\u202c');
    expect(shown).not.toMatch(INTERPRETED);
  });
});

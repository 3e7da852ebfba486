import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { ServerProcess } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

/**
 * A terminal that applies the bidirectional algorithm (Konsole, GNOME Terminal) shows the
 * arguments `{"1":"א","2":"5","3":"ב"}` as `{"1":"ב":"3","5":"2","א"}`: the digits and
 * punctuation between two right-to-left letters move with them, keys and values swapped,
 * with no control character to escape. `quorum show` and `sign` then print the arguments once
 * more in pure ASCII, which no terminal reorders, and say why.
 */
describe('the CLI shows arguments with right-to-left letters in signing order too', () => {
  let h: Harness;
  let admin: Officer;
  let server: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    ({ h, admin } = await Harness.withOfficers(['rtl_co1']));
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-cli-rtl-'));
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function show(args: Record<string, string>): Promise<string> {
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args } });
    expect(issued.status).toBe(201);
    const env = { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(dir, 'co1.json') };
    await run(process.execPath, [CLI, 'loginHSM', 'CO', 'rtl_co1', 'rtl_co1-password'], { cwd: dir, env });
    return (await run(process.execPath, [CLI, 'show', issued.body.token.id as string], { cwd: dir, env })).stdout;
  }

  it('quorum show prints such arguments once more with every character past ASCII escaped, in signing order', async () => {
    const out = await show({ '1': '\u05d0', '2': '5', '3': '\u05d1' });
    const line = out.split('\n').find((l) => l.startsWith('In order'));
    expect(line).toBe('In order     {"1":"\\u05d0","2":"5","3":"\\u05d1"}');
    expect(out).toContain('right-to-left letters');
  });

  it('prints no such line for arguments without right-to-left letters', async () => {
    const out = await show({ to: 'Zoë', amount: '10' });
    expect(out).not.toContain('In order');
  });
});

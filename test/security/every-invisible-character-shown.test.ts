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
 * Characters a renderer draws as nothing (or formats without a glyph of their own), each beyond
 * the bidi, zero-width, tag and variation-selector ones named one by one before: the Mongolian
 * free variation selectors, the deprecated format characters U+206A–U+206F, U+FFF0, the
 * shorthand format controls, a tag-block code point past U+E007F, the Arabic number sign and
 * an Egyptian hieroglyph format control. `to: "alice" + any of them` read as `alice`.
 */
const INVISIBLE = ['\u180b', '\u180f', '\u206a', '\u206f', '\ufff0', '\u{1bca0}', '\u{e0080}', '\u0600', '\u{13430}'];
const escaped = (c: string) => {
  const code = c.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

describe('every character a renderer draws as nothing is shown as an escape', () => {
  let h: Harness;
  let admin: Officer;
  let server: ServerProcess;
  let dir: string;
  let tokenId: string;

  beforeAll(async () => {
    ({ h, admin } = await Harness.withOfficers(['invisible_co1']));
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-cli-invisible-'));
    const args = Object.fromEntries(INVISIBLE.map((c, i) => [`to${i}`, `alice${c}`]));
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args } });
    expect(issued.status).toBe(201);
    tokenId = issued.body.token.id as string;
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('quorum show writes default-ignorable and format characters in arguments as \\u escapes', async () => {
    const env = { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(dir, 'co1.json') };
    await run(process.execPath, [CLI, 'loginHSM', 'CO', 'invisible_co1', 'invisible_co1-password'], { cwd: dir, env });
    const { stdout } = await run(process.execPath, [CLI, 'show', tokenId], { cwd: dir, env });
    for (const c of INVISIBLE) {
      expect(stdout).not.toContain(c);
      expect(stdout).toContain(`alice${escaped(c)}`);
    }
  });
});

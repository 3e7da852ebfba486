import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness } from '../support/harness';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const execute = promisify(execFile);

/**
 * `listUsers` keeps cloudhsm_mgmt_util's columns, and keeps them in line whatever names the
 * server sends: a name wider than cloudhsm_mgmt_util's 35 characters (as it prints, escapes
 * counted) widens the name column, up to 64, past which it is cut with an ellipsis. The server
 * allows 31; these come straight from the store (another version, a hand edit).
 */
describe('the listUsers table stays in columns', () => {
  let h: Harness;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    h = await Harness.start();
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-users-table-'));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const quorum = async (...args: string[]) =>
    (await execute(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', QUORUM_URL: url, QUORUM_PROFILE: join(dir, 'profile.json') } })).stdout;

  /** A CU whose stored name is then set to `name`. */
  async function userNamed(name: string, short: string): Promise<void> {
    const made = await h.request('POST', '/v1/users', h.adminToken, { type: 'CU', name: short, password: `${short}-password` });
    expect(made.status).toBe(201);
    await h.redis.hset(h.store.keys.user(made.body.user.id as number), 'name', name);
  }

  it('a name longer than 35 widens the name column, one longer than 64 is cut with an ellipsis, and every row keeps the others’ columns', async () => {
    const wide = `svc_${'w'.repeat(40)}`;
    const huge = `svc_${'h'.repeat(100)}`;
    await userNamed(wide, 'short1');
    await userNamed(huge, 'short2');
    await userNamed('esc\u001b[2Jname', 'short3');
    await quorum('loginHSM', 'CO', 'admin', 'admin-password');
    const lines = (await quorum('listUsers')).trimEnd().split('\n');
    const header = lines[3] ?? '';
    const rows = lines.slice(4);
    expect(rows).toHaveLength(4);
    expect(header).toMatch(/^\s+User Id\s+User Type\s+User Name\s+MofnPubKey\s+LoginFailureCnt\s+2FA\s+OneTimePswd$/);

    // Every row as long as every other, and the header as much longer as in cloudhsm_mgmt_util's layout.
    expect(new Set(rows.map((row) => row.length)).size).toBe(1);
    expect(header.length - (rows[0] ?? '').length).toBe(6);
    // The values after the name start where the header's columns say, row by row.
    const mofnEnd = header.indexOf('MofnPubKey') + 'MofnPubKey'.length - 2;
    for (const row of rows) expect(row.slice(0, mofnEnd)).toMatch(/(YES|NO)$/);

    expect(rows.find((row) => row.includes(wide))).toMatch(new RegExp(`${wide} +NO +0 +NO +NO$`));
    const cut = rows.find((row) => row.includes('svc_hhh')) ?? '';
    expect(cut).toMatch(new RegExp(`${huge.slice(0, 63)}… +NO +0 +NO +NO$`));
    expect(cut).not.toContain(huge.slice(0, 64));
    expect(rows.find((row) => row.includes('esc'))).toContain('esc\\u001b[2Jname');
    // --json has every name whole.
    const names = (JSON.parse(await quorum('--json', 'listUsers')) as { users: { name: string }[] }).users.map((u) => u.name);
    expect(names).toEqual(expect.arrayContaining([wide, huge]));
  });

  it('with short names the table is cloudhsm_mgmt_util’s, to the column', async () => {
    const h2 = await Harness.start();
    try {
      const url2 = await h2.app.listen({ port: 0, host: '127.0.0.1' });
      const env = { PATH: process.env.PATH ?? '', QUORUM_URL: url2, QUORUM_PROFILE: join(dir, 'short.json') };
      await execute(process.execPath, [CLI, 'loginHSM', 'CO', 'admin', 'admin-password'], { env });
      const out = (await execute(process.execPath, [CLI, 'listUsers'], { env })).stdout;
      expect(out.split('\n').slice(3, 5)).toEqual([
        '    User Id           User Type       User Name                           MofnPubKey      LoginFailureCnt         2FA     OneTimePswd',
        '         1              CO              admin                                   NO               0               NO          NO',
      ]);
    } finally {
      await h2.close();
    }
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { ServerProcess } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

/** Where each column of a table's line starts, read from its header line. */
function columnStarts(header: string, names: string[]): number[] {
  return names.map((name) => header.indexOf(name));
}

/**
 * `pending` and `listTokens` size their columns to what they hold (a long command is cut with
 * an ellipsis, never run into the next column), and `show` names approvers and rejecters.
 */
describe('the CLI token tables stay readable', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let server: ServerProcess;
  let dir: string;
  const long = `hsm:${'rotateSlotKey'.repeat(5)}`.slice(0, 64);

  async function quorum(who: string, ...args: string[]): Promise<string> {
    const { stdout } = await run(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(dir, `${who}.json`) },
    });
    return stdout;
  }
  const issue = async (command: string) =>
    (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command, args: { name: 'svc' } } })).body.token.id as string;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['tbl_co1', 'tbl_co2']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-token-tables-'));
    await quorum('co2', 'loginHSM', 'CO', 'tbl_co2', 'tbl_co2-password');
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pending and listTokens: every column starts where its header does, a long command cut with an ellipsis', async () => {
    const ids = [await issue('hsm:createUser'), await issue('rotateKey'), await issue(long)];
    expect((await h.approve(ids[0]!, co1)).status).toBe(200);
    for (const out of [await quorum('co2', 'pending'), await quorum('co2', 'listTokens')]) {
      const [header, ...rows] = out.trimEnd().split('\n');
      const starts = columnStarts(header!, ['Token', 'Status', 'Service', 'Command', 'Approvals', 'Expires']);
      expect(starts.every((at, i) => i === 0 || at > starts[i - 1]!)).toBe(true);
      for (const id of ids) {
        const row = rows.find((r) => r.startsWith(id));
        expect(row).toBeDefined();
        const cells = starts.map((at, i) => row!.slice(at, starts[i + 1] ?? undefined));
        // Each cell ends in at least one space before the next column (none ran into it).
        for (const text of cells.slice(0, -1)) expect(text).toMatch(/\S {1,}$/);
        expect(cells[0]!.trim()).toBe(id);
        expect(cells[5]!.trim()).toMatch(/^\d{4}-\d\d-\d\dT/);
      }
      const row = (id: string) => rows.find((r) => r.startsWith(id))!;
      expect(row(ids[0]!).slice(starts[3], starts[4]).trim()).toBe('hsm:createUser');
      expect(row(ids[0]!).slice(starts[4], starts[5]).trim()).toBe('1/2');
      const cut = row(ids[2]!).slice(starts[3], starts[4]).trim();
      expect(cut).toMatch(/…$/);
      expect(long.startsWith(cut.slice(0, -1))).toBe(true);
      expect(cut.length).toBeLessThan(long.length);
    }
  });

  it('show names the approvers and the rejecters, not their ids', async () => {
    const id = await issue('hsm:createUser');
    expect((await h.approve(id, co1)).status).toBe(200);
    expect((await h.request('POST', `/v1/tokens/${id}/rejections`, co2.token, { reason: 'no ticket' })).status).toBe(200);
    const out = await quorum('co2', 'show', id);
    expect(out).toContain('Approvals    1 of 2: tbl_co1\n');
    expect(out).toContain('Rejections   tbl_co2 (no ticket)\n');
    expect(out).not.toMatch(/users? \d/);
    // The whole command stays in show.
    const longId = await issue(long);
    expect(await quorum('co2', 'show', longId)).toContain(`Command      ${long}\n`);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { buildProgram, QuorumClient, type CliDeps } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

type Saved = ReturnType<CliDeps['profile']['read']>;

/** The CLI's policy commands (services, policy get/set, groups, group set) and getToken's reason and ticket, with `show`'s per-rule progress. */
describe('quorum CLI policy commands', () => {
  let h: Harness;
  let admin: Officer;
  let sre1: Officer;
  let url: string;
  let dir: string;
  const profiles = new Map<string, Saved>();

  async function quorum(who: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
    const stdout = new Captured();
    const stderr = new Captured();
    const program = buildProgram({
      client: (connection) => new QuorumClient(connection),
      output: { stdout, stderr },
      profile: { read: () => ({ ...profiles.get(who) }), write: (profile) => void profiles.set(who, profile) },
      input: new PassThrough(),
      env: { QUORUM_URL: url },
    });
    const code = await program.run(args);
    return { code, out: stdout.text, err: stderr.text };
  }

  beforeAll(async () => {
    ({ h, admin, officers: [sre1] } = await Harness.withOfficers(['clip_sre1']));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-cli-policies-'));
    expect((await quorum('admin', ['loginHSM', 'CO', 'admin', 'admin-password'])).code).toBe(0);
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets a group and a policy, lists them, and asks for a token with a reason and a ticket', async () => {
    expect(await quorum('admin', ['group', 'set', 'sre', '--members', `${sre1.id},${admin.id}`])).toMatchObject({ code: 0, out: `setGroup success: sre v1: ${admin.id}, ${sre1.id}\n` });
    expect((await quorum('admin', ['groups'])).out).toContain(`sre v1: ${admin.id}, ${sre1.id}`);
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ rules: [{ group: 'sre', m: 2 }], requireReason: true }));
    expect(await quorum('admin', ['policy', 'set', 'DEPLOY_PROD', '--file', file])).toMatchObject({ code: 0, out: 'setPolicy success: DEPLOY_PROD (100) v1: sre:2 (reason required)\n' });
    expect((await quorum('admin', ['services'])).out).toBe('USER_MGMT (3, built in) v1: officers:1\nQUORUM_MGMT (4, built in) v1: officers:1\nDEPLOY_PROD (100) v1: sre:2 (reason required)\n');
    expect((await quorum('admin', ['policy', 'get', 'DEPLOY_PROD'])).out).toContain('"group": "sre"');
    expect((await quorum('admin', ['getToken', '--service', 'DEPLOY_PROD', '--command', 'deploy'])).code).toBe(1);
    const issued = await quorum('admin', ['--json', 'getToken', '--service', 'DEPLOY_PROD', '--command', 'deploy', '--reason', 'release 4', '--ticket', 'CHG-4']);
    expect(issued.code).toBe(0);
    const id = JSON.parse(issued.out).token.id as string;
    expect((await h.approve(id, sre1)).status).toBe(200);
    const shown = (await quorum('admin', ['show', id])).out;
    expect(shown).toContain('Rule         sre: 1 of 2: clip_sre1');
    expect(shown).toContain('Reason       release 4');
    expect(shown).toContain('Ticket       CHG-4');
  });
});

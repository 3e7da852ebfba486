import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ONE_TIME_PASSWORD_OF_NEW_OFFICER, ONE_TIME_PASSWORD_OF_RESET_OFFICER } from '@quorumd/core';
import { Harness, type Officer } from '../support/harness';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const execute = promisify(execFile);

/**
 * A crypto officer created through a quorum gets a one-time password: through the `quorum`
 * binary it logs in with it, is told what to run next, sets its own password with changePswd
 * (by the id the login answered: such a session may not list users) and then does what an
 * officer does (registers its quorum key).
 */
describe('an officer with a one-time password gets going with the CLI alone', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['otpcli_co1', 'otpcli_co2']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-otp-cli-'));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `quorum` as one person (its own profile file): exit code and output. */
  async function quorum(who: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    try {
      const { stdout, stderr } = await execute(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', QUORUM_URL: url, QUORUM_PROFILE: join(dir, `${who}.json`) } });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const failed = e as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout, err: failed.stderr };
    }
  }

  /** The admin creates a CO with a password of its choosing, through the quorum (co1 and co2 approve). */
  async function createThroughQuorum(name: string, password: string): Promise<void> {
    const quorumToken = await h.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CO', name } }, [co1, co2]);
    expect((await h.request('POST', '/v1/users', admin.token, { type: 'CO', name, password, quorumToken })).status).toBe(201);
  }

  it('a new officer logs in with its one-time password, sets its own with changePswd, logs in with that and registers its key', async () => {
    await createThroughQuorum('otpcli_frank', 'chosen-by-admin');
    // The users list says whose password is a one-time one (OneTimePswd, passwordChangeRequired).
    expect((await quorum('admin', 'loginHSM', 'CO', 'admin', 'admin-password')).code).toBe(0);
    const listed = (await quorum('admin', 'listUsers')).out;
    expect(listed).toMatch(/User Id\s+User Type\s+User Name\s+MofnPubKey\s+LoginFailureCnt\s+2FA\s+OneTimePswd\n/);
    expect(listed).toMatch(/otpcli_frank\s+NO\s+0\s+NO\s+YES\n/);
    expect(listed).toMatch(/otpcli_co1\s+YES\s+0\s+NO\s+NO\n/);
    const users = (JSON.parse((await quorum('admin', '--json', 'listUsers')).out) as { users: { name: string; passwordChangeRequired: boolean }[] }).users;
    expect(users.find((u) => u.name === 'otpcli_frank')?.passwordChangeRequired).toBe(true);
    const first = await quorum('frank', 'loginHSM', 'CO', 'otpcli_frank', 'chosen-by-admin');
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toBe(
      `loginHSM success on server 0(${url}) as CO otpcli_frank\n` +
        'This password was chosen by someone else and works once: until you set your own, this session can do nothing else. Run: quorum changePswd CO otpcli_frank <new password> --current-password <this password>\n',
    );
    expect(JSON.parse((await quorum('frank-json', '--json', 'loginHSM', 'CO', 'otpcli_frank', 'chosen-by-admin')).out)).toMatchObject({ name: 'otpcli_frank', passwordChangeRequired: true });
    // Anything else is refused, and the hint says what to run.
    const refused = await quorum('frank', 'listUsers');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^RET_PASSWORD_CHANGE_REQUIRED: /);
    expect(refused.err).toContain('hint: your password was chosen by someone else and works once: set your own with quorum changePswd <type> <your name> <new password> --current-password <this password>, then loginHSM with it');

    // Without the current password the CLI says what it needs, and changes nothing.
    const bare = await quorum('frank', 'changePswd', 'CO', 'otpcli_frank', 'frank-own-password');
    expect(bare.code).toBe(1);
    expect(bare.err).toMatch(/^RET_BAD_REQUEST: Changing your own password needs your current one: quorum changePswd CO otpcli_frank <new password> --current-password <current password>/);

    const changed = await quorum('frank', 'changePswd', 'CO', 'otpcli_frank', 'frank-own-password', '--current-password', 'chosen-by-admin');
    expect(changed).toMatchObject({ code: 0, err: '' });
    expect(changed.out).toMatch(/^changePswd success: otpcli_frank\. That ended your sessions: log in again with quorum loginHSM CO otpcli_frank <new password>/);

    // The requester's password works no more; the officer's own does, and the officer may do all it may.
    expect((await quorum('frank', 'loginHSM', 'CO', 'otpcli_frank', 'chosen-by-admin')).err).toMatch(/^RET_LOGIN_FAILED/);
    const own = await quorum('frank', 'loginHSM', 'CO', 'otpcli_frank', 'frank-own-password');
    expect(own.out).toBe(`loginHSM success on server 0(${url}) as CO otpcli_frank\n`);
    const key = h.openssl.genrsa(2048);
    const registered = await quorum('frank', 'register-key', '--key', key.privatePath);
    expect(registered.err).toBe('');
    expect(registered.out).toMatch(/registerQuorumPubKey success/);
    expect((await quorum('frank', 'listUsers')).out).toMatch(/otpcli_frank\s+YES\s+\d+\s+NO\s+NO\n/);
  });

  it('show and sign tell the approver that a new CO’s password, or a CO’s reset one, works once (in the console’s words); not for a CU', async () => {
    const created = ONE_TIME_PASSWORD_OF_NEW_OFFICER;
    const reset = ONE_TIME_PASSWORD_OF_RESET_OFFICER;
    const key = co1.key?.privatePath ?? '';
    const cu = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'otpcli_cu', password: 'otpcli-cu-password', quorumToken: await h.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'otpcli_cu' } }, [co1, co2]) });
    expect(cu.status).toBe(201);
    const issue = async (command: string, args: Record<string, unknown>) =>
      (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command, args } })).body.token.id as string;
    expect((await quorum('co1', 'loginHSM', 'CO', co1.name, `${co1.name}-password`)).code).toBe(0);
    const note = (out: string) => out.split('\n').find((line) => line.startsWith('Note'));

    const newOfficer = await issue('createUser', { type: 'CO', name: 'otpcli_grace' });
    expect(note((await quorum('co1', 'show', newOfficer)).out)).toBe(`Note         ${created}`);
    const signing = await quorum('co1', 'sign', newOfficer, '--key', key);
    expect(signing.err).toMatch(/^RET_FORBIDDEN: not approved \(no answer/);
    expect(note(signing.out)).toBe(`Note         ${created}`);
    const resetOfficer = await issue('changePswd', { id: co2.id });
    expect(note((await quorum('co1', 'show', resetOfficer)).out)).toBe(`Note         ${reset}`);
    expect(note((await quorum('co1', 'sign', resetOfficer, '--key', key)).out)).toBe(`Note         ${reset}`);

    expect(note((await quorum('co1', 'show', await issue('createUser', { type: 'CU', name: 'otpcli_cu2' }))).out)).toBeUndefined();
    expect(note((await quorum('co1', 'show', await issue('changePswd', { id: cu.body.user.id as number }))).out)).toBeUndefined();
  });

  it('an officer changes its own password again with the CLI (the current one is checked)', async () => {
    expect((await quorum('co2', 'loginHSM', 'CO', co2.name, `${co2.name}-password`)).code).toBe(0);
    const wrong = await quorum('co2', 'changePswd', 'CO', co2.name, 'co2-new-password', '--current-password', 'not-the-password');
    expect(wrong.err).toMatch(/^RET_LOGIN_FAILED/);
    expect((await quorum('co2', 'changePswd', 'CO', co2.name, 'co2-new-password', '--current-password', `${co2.name}-password`)).code).toBe(0);
    expect((await quorum('co2', 'loginHSM', 'CO', co2.name, 'co2-new-password')).code).toBe(0);
  });
});

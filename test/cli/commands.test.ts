import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { ServerProcess } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

/** The `quorum` commands that replace curl in the walk-through, and the details a newcomer trips on. */
describe('quorum CLI commands', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let victim: Officer;
  let server: ServerProcess;
  let dir: string;

  /** Runs `quorum` as one person (own profile file), in the test's directory. */
  async function quorum(who: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(dir, `${who}.json`) },
      });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, out: err.stdout, err: err.stderr };
    }
  }
  const issue = async (operation: object, service = 'USER_MGMT'): Promise<string> => {
    const res = await h.request('POST', '/v1/tokens', admin.token, { service, operation });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    return res.body.token.id as string;
  };

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    victim = await h.addOfficer('victim', { key: false });
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-cli-commands-'));
    for (const [who, password] of [['admin', 'admin-password'], ['co1', 'co1-password'], ['co2', 'co2-password']] as const) {
      expect((await quorum(who, 'loginHSM', 'CO', who, password)).code).toBe(0);
    }
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its version, and a description for every command', async () => {
    const version = JSON.parse(readFileSync(join(__dirname, '..', '..', 'packages', 'client', 'package.json'), 'utf8')).version as string;
    expect((await quorum('anyone', '--version')).out).toBe(`${version}\n`);
    for (const help of [await quorum('anyone', '--help'), await quorum('anyone', 'api-keys', '--help')]) {
      const commands = help.out.slice(help.out.indexOf('Commands:')).split('\n').slice(1).filter((l) => l.trim() !== '');
      expect(commands.length).toBeGreaterThan(2);
      // "  name [options] <args>   description": every command has words after its usage.
      for (const line of commands) expect(line).toMatch(/^ {2}\S.*\S {2,}\S+ \S+/);
    }
    const all = (await quorum('anyone', '--help')).out;
    for (const name of ['bytes', 'bundle', 'api-keys', 'wait', 'deleteUser']) expect(all).toMatch(new RegExp(`\\n  ${name} `));
    expect(all).toMatch(/5 CONSUMED or DELETED/);
  });

  it('saves the token bytes and downloads the bundle (what needed curl), with short id prefixes', async () => {
    const id = await issue({ command: 'rotateKey', args: { slot: 7 } });
    const short = id.slice(0, 8);
    const saved = await quorum('co1', 'bytes', short, '--out', 'mine.bin');
    expect(saved.out).toBe(`saved ${(await h.tokenBytes(id, admin.token)).length} bytes of token ${id} to mine.bin\n`);
    expect(readFileSync(join(dir, 'mine.bin'))).toEqual(await h.tokenBytes(id, admin.token));
    expect((await quorum('co1', 'bytes', id)).code).toBe(0);
    expect(readFileSync(join(dir, `${id}.token.bin`))).toEqual(await h.tokenBytes(id, admin.token));

    // The README's `quorum show 3f6c...`: a prefix (with or without the dots) names the token.
    expect((await quorum('co1', 'show', `${id.slice(0, 4)}...`)).out).toMatch(new RegExp(`Token\\s+${id}`));
    expect((await quorum('co1', 'sign', short, '--key', co1.key!.privatePath, '--yes')).out).toMatch(/approveToken success: PENDING, 1 of 2/);
    expect((await quorum('co2', 'approveToken', short, '--key', co2.key!.privatePath, '--yes')).out).toMatch(/APPROVED, 2 of 2/);

    const bundled = await quorum('admin', 'bundle', short);
    expect(bundled.out).toBe(`saved the bundle of token ${id} (2 approvals) to ${id}.bundle.json\n`);
    expect((await quorum('admin', 'verify', `${id}.bundle.json`, '--trust-bundle-keys')).out).toMatch(/bundle OK: token .*, 2 of 2 approvals verify/);

    expect((await quorum('admin', 'show', 'zzzz')).err).toMatch(/^RET_BAD_REQUEST: "zzzz" is not a token id/);
    expect((await quorum('admin', 'show', '0000')).err).toMatch(/^RET_TOKEN_NOT_FOUND: No token id starts with 0000/);
  });

  it('verify --keys trusts every PEM file in the folder, .pub included', async () => {
    const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'rotateKey', args: { slot: 8 } }, [co1, co2]);
    expect((await quorum('admin', 'bundle', id, '--out', 'b.json')).code).toBe(0);
    const trusted = mkdtempSync(join(dir, 'trusted-'));
    writeFileSync(join(trusted, 'co1.pub'), co1.key!.publicPem);
    writeFileSync(join(trusted, 'co2.key.pem'), co2.key!.publicPem);
    writeFileSync(join(trusted, 'README'), 'not a key');
    expect((await quorum('admin', 'verify', 'b.json', '--keys', trusted)).out).toMatch(/bundle OK/);
    // Without co1's .pub file, co1's approval is from an untrusted key.
    rmSync(join(trusted, 'co1.pub'));
    writeFileSync(join(trusted, 'co1-private.pem'), co1.key!.privatePem);
    const untrusted = await quorum('admin', 'verify', 'b.json', '--keys', trusted);
    expect(untrusted.code).toBe(1);
    expect(untrusted.out).toMatch(/is not a trusted key/);
    expect(untrusted.err).toMatch(/note: skipped co1-private\.pem: a private key is not a trusted public key/);
  });

  it('approval files may carry trailing # comments', async () => {
    const id = await issue({ command: 'rotateKey', args: { slot: 9 } });
    writeFileSync(join(dir, 'token9.bin'), await h.tokenBytes(id, admin.token));
    writeFileSync(join(dir, 'co1.sig'), Buffer.from(h.openssl.sign(co1.key!.privatePath, readFileSync(join(dir, 'token9.bin'))), 'base64'));
    writeFileSync(
      join(dir, 'approval.txt'),
      [
        '# approval for the slot 9 rotation',
        'Multi Token File Path = NULL; # not used',
        'Token File Path = token9.bin;   # from quorum bytes',
        'Number of Approvals = 2; # two of three',
        'Approver Type = 2; # CO',
        'Approver Name = co1; # the first officer',
        'Approval File = co1.sig ; # openssl dgst -sha256 -sign',
      ].join('\n'),
    );
    expect((await quorum('co1', 'approveToken', 'approval.txt')).out).toMatch(/approveToken success: PENDING, 1 of 2 approvals/);
  });

  it('deleteUser takes a token for {"id"}: the hint shows the exact getToken, and following it works', async () => {
    const refused = await quorum('admin', 'deleteUser', 'CO', 'victim');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^RET_MXN_AUTH_FAILED: .*0 of 2 approvals/);
    const hint = `hint: request a token for exactly this operation: quorum getToken --service USER_MGMT --command deleteUser --args '{"id":${victim.id}}' ; have officers sign it, then run this again with --quorum-token <id>`;
    expect(refused.err).toContain(hint);

    const issued = await quorum('admin', '--json', 'getToken', '--service', 'USER_MGMT', '--command', 'deleteUser', '--args', `{"id":${victim.id}}`);
    const id = (JSON.parse(issued.out) as { token: { id: string } }).token.id;
    for (const o of [co1, co2]) expect((await quorum(o.name, 'sign', id.slice(0, 6), '--key', o.key!.privatePath, '--yes')).code).toBe(0);
    expect((await quorum('admin', 'deleteUser', 'CO', 'victim', '--quorum-token', id.slice(0, 6))).out).toBe('deleteUser success: victim\n');

    // The token is used: wait says so with exit 5 (CONSUMED or DELETED).
    const waited = await quorum('admin', 'wait', id, '--timeout', '2');
    expect(waited).toMatchObject({ code: 5, out: expect.stringMatching(/^CONSUMED/) });
    const deleted = await issue({ command: 'rotateKey', args: { slot: 10 } });
    expect((await quorum('admin', 'delToken', deleted.slice(0, 8))).out).toBe(`delToken success: ${deleted}\n`);
    expect((await quorum('admin', 'wait', deleted, '--timeout', '2')).code).toBe(5);
  });

  it('creates, lists and deletes API keys', async () => {
    const created = await quorum('admin', '--json', 'api-keys', 'create', 'deployer', '--scopes', 'tokens:issue,tokens:read');
    const { apiKey, key } = JSON.parse(created.out) as { apiKey: { id: string; scopes: string[] }; key: string };
    expect(apiKey.scopes).toEqual(['tokens:issue', 'tokens:read']);
    expect((await quorum('admin', 'api-keys', 'create', 'other')).out).toMatch(/^api key [0-9a-f]{12} \(other; tokens:issue, tokens:read, tokens:consume\):\nqk_/);
    const listed = await quorum('admin', 'api-keys', 'list');
    expect(listed.out).toMatch(new RegExp(`${apiKey.id}\\s+deployer\\s+1\\s+\\S+\\s+tokens:issue, tokens:read`));
    expect(listed.out).not.toContain(key);
    // The key works (it issues a token) until deleted.
    const asKey = () => fetch(`${server.url}/v1/tokens`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await asKey()).toBe(200);
    expect((await quorum('admin', 'api-keys', 'delete', apiKey.id)).out).toBe(`api key ${apiKey.id} deleted\n`);
    expect(await asKey()).toBe(401);
    expect((await quorum('admin', 'api-keys', 'list')).out).not.toContain(apiKey.id);
  });
});

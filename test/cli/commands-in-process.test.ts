import { PassThrough, Writable } from 'node:stream';
import { buildProgram, QuorumClient, type CliDeps } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';

/** A stream that keeps what is written to it. */
class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** A terminal's input as readline sees it: lines typed later (or never, when ended). */
function terminal(): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY: true });
}

type Saved = ReturnType<CliDeps['profile']['read']>;

describe('the CLI program runs in-process on the streams, profile and input it is given', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let url: string;
  const profiles = new Map<string, Saved>();

  /** One run of a freshly built program as `who`, with nothing of the process's (streams, environment, profile file). */
  async function quorum(who: string, args: string[], input: CliDeps['input'] = new PassThrough()): Promise<{ code: number; out: string; err: string }> {
    const stdout = new Captured();
    const stderr = new Captured();
    const program = buildProgram({
      client: (connection) => new QuorumClient(connection),
      output: { stdout, stderr },
      profile: { read: () => ({ ...profiles.get(who) }), write: (profile) => void profiles.set(who, profile) },
      input,
      env: { QUORUM_URL: url },
    });
    const code = await program.run(args);
    return { code, out: stdout.text, err: stderr.text };
  }
  const issue = async (args: Record<string, unknown>) =>
    (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'createUser', args } })).body.token.id as string;
  const approvals = async (id: string) => (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.approvals.length as number;

  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['inproc_co1']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    for (const [who, password] of [['admin', 'admin-password'], ['inproc_co1', 'inproc_co1-password']] as const) {
      expect((await quorum(who, ['loginHSM', 'CO', who, password])).code).toBe(0);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps the session in the profile it is given and prints on the stdout it is given', async () => {
    const res = await quorum('fresh', ['loginHSM', 'CO', 'inproc_co1', 'inproc_co1-password']);
    expect(res).toEqual({ code: 0, out: `loginHSM success on server 0(${url}) as CO inproc_co1\n`, err: '' });
    expect(profiles.get('fresh')).toEqual({ url, token: expect.any(String), userId: co1.id, userName: co1.name });
    expect((await quorum('fresh', ['listUsers'])).out).toMatch(/inproc_co1\s+YES/);
    expect(process.exitCode).toBeUndefined();
  });

  it('asks y/N on the input it is given: a typed y approves; a typed n or an input that ends refuses', async () => {
    const id = await issue({ type: 'CU', name: 'inproc_cu' });
    const sign = (input: CliDeps['input']) => quorum('inproc_co1', ['sign', id, '--key', co1.key!.privatePath], input);

    const no = terminal();
    no.end('n\n');
    expect(await sign(no)).toMatchObject({ code: 1, err: 'RET_FORBIDDEN: Not approved\n' });
    const ended = terminal();
    ended.end();
    expect(await sign(ended)).toMatchObject({ code: 1, err: 'RET_FORBIDDEN: not approved (no answer; use --yes in scripts)\n' });
    // Not a terminal (as /dev/null is): no question can be answered.
    const piped = new PassThrough();
    piped.end('y\n');
    expect((await sign(piped)).code).toBe(1);
    expect(await approvals(id)).toBe(0);

    const yes = terminal();
    yes.end('y\n');
    const approved = await sign(yes);
    expect(approved.code).toBe(0);
    expect(approved.out).toContain(`Token        ${id}`);
    expect(approved.out).toContain('Approve exactly this operation? [y/N] ');
    expect(approved.out).toMatch(/approveToken success: PENDING, 1 of 2 approvals\n$/);
    expect(await approvals(id)).toBe(1);
  });

  it('answers with the exit code and leaves the process alone: wait, --help, a usage error', async () => {
    const id = await issue({ type: 'CU', name: 'inproc_wait' });
    const waited = await quorum('admin', ['wait', id, '--timeout', '1']);
    expect(waited).toMatchObject({ code: 4, out: 'PENDING: 0 of 2 approvals\n' });
    const help = await quorum('admin', ['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: quorum \[options\] \[command\]/);
    const unknown = await quorum('admin', ['no-such-command']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^error: unknown command 'no-such-command'/);
    const badUrl = await quorum('admin', ['--url', 'localhost:8080', 'listUsers']);
    expect(badUrl).toMatchObject({ code: 1, err: expect.stringMatching(/^RET_BAD_CONFIG: QuorumClient url "localhost:8080" is not an http\(s\) base URL.*\nhint: give quorumd's base URL with --url or QUORUM_URL/) });
    expect(process.exitCode).toBeUndefined();
  });

  it('keeps nothing from one run to the next: output format, exit code, the operation a hint names', async () => {
    const stdout = new Captured();
    const stderr = new Captured();
    const program = buildProgram({
      client: (connection) => new QuorumClient(connection),
      output: { stdout, stderr },
      profile: { read: () => ({ ...profiles.get('admin') }), write: () => undefined },
      input: new PassThrough(),
      env: { QUORUM_URL: url },
    });
    expect(await program.run(['--json', 'createUser', 'CU', 'inproc_one', 'pw-one-1234'])).toBe(1);
    expect(JSON.parse(stdout.text)).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', hint: expect.stringContaining('--command createUser') });
    stdout.text = '';
    expect(await program.run(['getMValue', 'USER_MGMT'])).toBe(0);
    expect(stdout.text).toBe('MValue of service 3 (USER_MGMT): 2\n');
    expect(await program.run(['listUsers', 'extra-argument'])).toBe(1);
    stderr.text = '';
    expect(await program.run(['deleteUser', 'CO', 'inproc_co1'])).toBe(1);
    expect(stderr.text).toContain(`--command deleteUser --args '{"id":${co1.id}}'`);
    expect(stderr.text).not.toContain('createUser');
  });
});

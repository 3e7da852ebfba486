import { PassThrough, Writable } from 'node:stream';
import { buildProgram, QuorumClient, type CliDeps } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';
import { Receiver } from '../support/receiver';

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

type Saved = ReturnType<CliDeps['profile']['read']>;

/** `quorum notifications set/get` and the SDK's notifications calls, against a real API. */
describe('notification channels through the CLI and the SDK', () => {
  let h: Harness;
  let co1: Officer;
  let url: string;
  let chat: Receiver;
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
    ({ h, officers: [co1] } = await Harness.withOfficers(['nt_co1']));
    chat = await Receiver.start();
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    for (const [who, password] of [['admin', 'admin-password'], ['nt_co1', 'nt_co1-password']] as const) expect((await quorum(who, ['loginHSM', 'CO', who, password])).code).toBe(0);
  });
  afterAll(async () => {
    await h.close();
    await chat.close();
  });

  it('sets and shows one’s own channels', async () => {
    const set = await quorum('nt_co1', ['notifications', 'set', '--email', 'co1@example.test', '--chat-url', chat.url, '--events', 'approval.requested,approval.reminder']);
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toContain('E-mail   co1@example.test');
    expect(set.out).toContain(`Chat     ${chat.url}`);
    expect(set.out).toContain('Events   approval.requested, approval.reminder');
    const json = JSON.parse((await quorum('nt_co1', ['--json', 'notifications', 'get'])).out);
    expect(json).toEqual({ notifications: { email: 'co1@example.test', chat: { url: chat.url, format: 'slack' }, events: ['approval.requested', 'approval.reminder'] }, deliveries: [] });
  });

  it('a CO sets another user’s; a bad event is refused with its code', async () => {
    expect((await quorum('admin', ['notifications', 'set', '--user', String(co1.id), '--email', 'other@example.test'])).code).toBe(0);
    const sdk = new QuorumClient({ url, token: co1.token });
    expect((await sdk.notifications(co1.id)).notifications).toEqual({ email: 'other@example.test' });
    const bad = await quorum('nt_co1', ['notifications', 'set', '--email', 'x@example.test', '--events', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^RET_BAD_REQUEST/);
    expect((await sdk.setNotifications(co1.id, {})).notifications).toBeNull();
  });
});

import { PassThrough, Writable } from 'node:stream';
import { buildProgram, QuorumClient, type CliDeps } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';
import { NodeAuthenticator, challengeOf } from './node-authenticator';

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

type Saved = ReturnType<CliDeps['profile']['read']>;

/** `quorum sign` on a token that needs a passkey, and an insider holding a session (and key file) but not the authenticator. */
describe.each([
  ['a policy requiring passkeys', {}, 'DEPLOY_PROD'],
  ['QUORUM_REQUIRE_PASSKEY=true', { QUORUM_REQUIRE_PASSKEY: 'true' }, 'USER_MGMT'],
])('passkeys required by %s', (_what, env: Record<string, string>, service) => {
  let h: Harness;
  let admin: Officer;
  let alice: Officer;
  let url: string;
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

  async function issue(): Promise<string> {
    const operation = service === 'DEPLOY_PROD' ? { command: 'deploy', args: { v: String(Math.random()) } } : { command: 'createUser', args: { type: 'CU', name: `cu${Math.floor(Math.random() * 1e6)}` } };
    const res = await h.request('POST', '/v1/tokens', admin.token, { service, operation });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }

  beforeAll(async () => {
    ({ h, admin, officers: [alice] } = await Harness.withOfficers(['pks_alice'], { env }));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const options = await h.request('POST', `/v1/users/${alice.id}/passkeys/options`, alice.token, { currentPassword: 'pks_alice-password' });
    expect((await h.request('POST', `/v1/users/${alice.id}/passkeys`, alice.token, { response: new NodeAuthenticator().register(options.body.options), name: 'alice' })).status).toBe(201);
    if (service === 'DEPLOY_PROD') {
      expect((await h.request('PUT', '/v1/groups/ops', admin.token, { members: [alice.id] })).status).toBe(200);
      expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy: { rules: [{ group: 'ops', m: 1 }], requirePasskey: true } })).status).toBe(201);
    }
    expect((await quorum('alice', ['loginHSM', 'CO', 'pks_alice', 'pks_alice-password'])).code).toBe(0);
  });
  afterAll(() => h.close());

  it('quorum sign stops, names the console link and RET_PASSKEY_REQUIRED, exits non-zero, and nothing is written', async () => {
    const id = await issue();
    const before = await h.snapshot();
    const res = await quorum('alice', ['sign', id, '--key', alice.key?.privatePath ?? '', '--yes']);
    expect(res.code).not.toBe(0);
    expect(res.err).toContain('RET_PASSKEY_REQUIRED');
    expect(res.err).toContain(`${url}/console#/tokens/${id}`);
    expect(await h.snapshot()).toEqual(before);
  });

  it('a stolen session with the key file cannot approve without the authenticator, nor register a passkey of its own without the password', async () => {
    const id = await issue();
    const bytes = await h.tokenBytes(id, alice.token);
    const before = await h.snapshot();
    const alone = await h.request('POST', `/v1/tokens/${id}/approvals`, alice.token, { signature: h.openssl.sign(alice.key?.privatePath ?? '', bytes) });
    expect(alone.body.code).toBe('RET_PASSKEY_REQUIRED');
    expect(await h.snapshot()).toEqual(before);
    // Its own authenticator would need a registration, which needs the password the session does not give.
    const register = await h.request('POST', `/v1/users/${alice.id}/passkeys/options`, alice.token, {});
    expect(register.status).toBe(400);
    const guessed = await h.request('POST', `/v1/users/${alice.id}/passkeys/options`, alice.token, { currentPassword: 'a-guess' });
    expect(guessed.body.code).toBe('RET_LOGIN_FAILED');
    // Nor does a registration answered without options asked for (with the password) land.
    const blind = await h.request('POST', `/v1/users/${alice.id}/passkeys`, alice.token, { response: new NodeAuthenticator().register({ challenge: challengeOf(bytes) }), name: 'mine' });
    expect(blind.body.code).toBe('RET_CHALLENGE_INVALID');
    expect((await h.request('GET', `/v1/users/${alice.id}/passkeys`, alice.token)).body.passkeys).toHaveLength(1);
  });

  it('a stolen session with a phished password adds no passkey to an officer holding one, nor deletes its passkeys: that needs one of them', async () => {
    const before = await h.snapshot();
    const options = await h.request('POST', `/v1/users/${alice.id}/passkeys/options`, alice.token, { currentPassword: 'pks_alice-password' });
    const added = await h.request('POST', `/v1/users/${alice.id}/passkeys`, alice.token, { response: new NodeAuthenticator().register(options.body.options), name: 'the-thief' });
    expect(added.status).toBe(403);
    expect(added.body.code).toBe('RET_PASSKEY_REQUIRED');
    const [mine] = (await h.request('GET', `/v1/users/${alice.id}/passkeys`, alice.token)).body.passkeys;
    const deleted = await h.request('DELETE', `/v1/users/${alice.id}/passkeys/${mine.id}`, alice.token, { currentPassword: 'pks_alice-password' });
    expect(deleted.body.code).toBe('RET_PASSKEY_REQUIRED');
    // A confirmation by another authenticator (the thief's own) is no confirmation.
    const confirm = await h.request('POST', `/v1/users/${alice.id}/passkeys/confirmation-options`, alice.token, { currentPassword: 'pks_alice-password' });
    const forged = await h.request('DELETE', `/v1/users/${alice.id}/passkeys/${mine.id}`, alice.token, { currentPassword: 'pks_alice-password', confirmation: new NodeAuthenticator().assert(confirm.body.options.challenge) });
    expect(forged.body.code).toBe('RET_PASSKEY_INVALID');
    const after = await h.snapshot();
    // The officer's passkeys, their counters and owners are as they were; the audit holds no passkey change.
    const k = h.store.keys;
    for (const key of [k.userPasskeys(alice.id), k.userPasskeyCounters(alice.id), k.passkeyHolders(), k.passkeyCredentials()]) expect([key, after[key]]).toEqual([key, before[key]]);
    const audited = (after[k.audit()] as string[]).slice((before[k.audit()] as string[]).length).map((e) => JSON.parse(e).type as string);
    expect(audited.filter((type) => type.startsWith('passkey.'))).toEqual([]);
  });

  it('refuses to register a credential another officer holds (one credential, one user)', async () => {
    const shared = new NodeAuthenticator();
    const first = await h.request('POST', `/v1/users/${admin.id}/passkeys/options`, admin.token, { currentPassword: 'admin-password' });
    expect((await h.request('POST', `/v1/users/${admin.id}/passkeys`, admin.token, { response: shared.register(first.body.options), name: 'admin' })).status).toBe(201);
    const second = await h.request('POST', `/v1/users/${alice.id}/passkeys/options`, alice.token, { currentPassword: 'pks_alice-password' });
    const res = await h.request('POST', `/v1/users/${alice.id}/passkeys`, alice.token, { response: shared.register(second.body.options), name: 'copied' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RET_KEY_IN_USE');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { buildProgram, QuorumClient, verifyBundle } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';
import { NodeAuthenticator, challengeOf } from './node-authenticator';

/**
 * Passkeys at approval, with an authenticator emulated in Node (ES256, hand-built
 * authenticatorData and clientDataJSON): registration, the lock-out guard, and every
 * assertion that must not carry an approval — each refused with its code before anything
 * is written — then a bundle that proves the passkeys offline, with quorum verify's check and
 * with openssl alone.
 */
describe('passkeys at approval', () => {
  let h: Harness;
  let admin: Officer;
  let alice: Officer;
  let bob: Officer;
  const keys = new Map<number, NodeAuthenticator>();
  let dir: string;

  /** `quorum <args>` offline (verify reads only its file): exit code and output. */
  async function quorum(args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => { out += chunk.toString(); done(); } });
    const program = buildProgram({ client: (c) => new QuorumClient(c), output: { stdout: sink, stderr: sink }, profile: { read: () => ({}), write: () => undefined }, input: new PassThrough(), env: { QUORUM_URL: 'http://127.0.0.1:1' } });
    return { code: await program.run(args), out };
  }

  /** A confirmation by the officer's passkey (needed to add or delete one once it holds one). */
  async function confirmation(officer: Officer, by = keys.get(officer.id)!): Promise<object> {
    const options = await h.request('POST', `/v1/users/${officer.id}/passkeys/confirmation-options`, officer.token, { currentPassword: `${officer.name}-password` });
    expect(options.status).toBe(200);
    return by.assert(options.body.options.challenge);
  }

  async function registerPasskey(officer: Officer, name: string, authenticator = new NodeAuthenticator(), confirm = false): Promise<NodeAuthenticator> {
    const confirmed = confirm ? { confirmation: await confirmation(officer) } : {};
    const options = await h.request('POST', `/v1/users/${officer.id}/passkeys/options`, officer.token, { currentPassword: `${officer.name}-password` });
    expect(options.status).toBe(200);
    expect(options.body.options.authenticatorSelection.userVerification).toBe('required');
    expect(options.body.options.attestation).toBe('none');
    expect(options.body.options.pubKeyCredParams.map((p: { alg: number }) => p.alg).sort((a: number, b: number) => a - b)).toEqual([-257, -8, -7]);
    const res = await h.request('POST', `/v1/users/${officer.id}/passkeys`, officer.token, { response: authenticator.register(options.body.options), name, ...confirmed });
    expect(res.status).toBe(201);
    expect(res.body.passkey).toMatchObject({ name, credentialId: authenticator.id, algorithm: 'ES256' });
    if (!confirm) keys.set(officer.id, authenticator);
    return authenticator;
  }

  async function issue(): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'DEPLOY_PROD', operation: { command: 'deploy', args: { v: String(Math.random()) } } });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }

  function approval(officer: Officer, bytes: Buffer, passkey?: object): object {
    return { signature: h.openssl.sign(officer.key?.privatePath ?? '', bytes), ...(passkey ? { passkey } : {}) };
  }

  beforeAll(async () => {
    ({ h, admin, officers: [alice, bob] } = await Harness.withOfficers(['pk_alice', 'pk_bob']));
    dir = mkdtempSync(join(tmpdir(), 'quorum-passkeys-'));
    expect((await h.request('PUT', '/v1/groups/ops', admin.token, { members: [alice.id, bob.id] })).status).toBe(200);
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a passkey for the officer itself only, with its password, and audits it', async () => {
    const other = await h.request('POST', `/v1/users/${bob.id}/passkeys/options`, alice.token, { currentPassword: 'pk_alice-password' });
    expect(other.status).toBe(403);
    const wrong = await h.request('POST', `/v1/users/${alice.id}/passkeys/options`, alice.token, { currentPassword: 'not-it' });
    expect(wrong.body.code).toBe('RET_LOGIN_FAILED');
    await registerPasskey(alice, 'alice-key');
    const listed = await h.request('GET', `/v1/users/${alice.id}/passkeys`, alice.token);
    expect(listed.body.passkeys).toHaveLength(1);
    const audit = await h.request('GET', '/v1/audit?limit=1000', admin.token);
    expect(JSON.stringify(audit.body)).toContain('passkey.registered');
  });

  it('refuses a registration whose authenticator reports no user verification', async () => {
    const options = await h.request('POST', `/v1/users/${bob.id}/passkeys/options`, bob.token, { currentPassword: 'pk_bob-password' });
    const res = await h.request('POST', `/v1/users/${bob.id}/passkeys`, bob.token, { response: new NodeAuthenticator().register(options.body.options, { noUserVerification: true }), name: 'no-uv' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('RET_PASSKEY_INVALID');
  });

  it('refuses a policy requiring passkeys that too few officers with one could satisfy (lock-out guard)', async () => {
    const policy = { rules: [{ group: 'ops', m: 2 }], requirePasskey: true };
    const refused = await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('RET_QUORUM_UNREACHABLE');
    await registerPasskey(bob, 'bob-key');
    const set = await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy });
    expect(set.status).toBe(201);
  });

  it('refuses an approval without an assertion (RET_PASSKEY_REQUIRED), writing nothing', async () => {
    const id = await issue();
    const bytes = await h.tokenBytes(id, alice.token);
    const before = await h.snapshot();
    const res = await h.request('POST', `/v1/tokens/${id}/approvals`, alice.token, approval(alice, bytes));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('RET_PASSKEY_REQUIRED');
    expect(await h.snapshot()).toEqual(before);
  });

  it('answers passkey options whose challenge is SHA-256 of the exact bytes, naming the officer’s own passkeys', async () => {
    const id = await issue();
    const bytes = await h.tokenBytes(id, alice.token);
    const res = await h.request('GET', `/v1/tokens/${id}/passkey-options`, alice.token);
    expect(res.status).toBe(200);
    expect(res.body.options.challenge).toBe(challengeOf(bytes));
    expect(res.body.options.userVerification).toBe('required');
    expect(res.body.options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([keys.get(alice.id)?.id]);
  });

  describe('refuses an assertion that must not carry the approval, writing nothing', () => {
    let id: string;
    let bytes: Buffer;
    beforeAll(async () => {
      id = await issue();
      bytes = await h.tokenBytes(id, alice.token);
    });
    const cases: [string, () => Promise<object>][] = [
      ['replayed from another token', async () => {
        const other = await issue();
        return keys.get(alice.id)!.assert(challengeOf(await h.tokenBytes(other, alice.token)));
      }],
      ['made on another origin', async () => keys.get(alice.id)!.assert(challengeOf(bytes), { origin: 'http://localhost:9999' })],
      ['naming another RP ID', async () => keys.get(alice.id)!.assert(challengeOf(bytes), { rpId: 'evil.example' })],
      ['with the user-verified flag clear', async () => keys.get(alice.id)!.assert(challengeOf(bytes), { noUserVerification: true })],
      ['made with another officer’s credential', async () => keys.get(bob.id)!.assert(challengeOf(bytes))],
      ['of a registration (webauthn.create)', async () => keys.get(alice.id)!.assert(challengeOf(bytes), { type: 'webauthn.create' })],
      ['made with an unknown credential', async () => new NodeAuthenticator().assert(challengeOf(bytes))],
    ];
    it.each(cases)('an assertion %s: RET_PASSKEY_INVALID', async (_what, make) => {
      const passkey = await make();
      const before = await h.snapshot();
      const res = await h.request('POST', `/v1/tokens/${id}/approvals`, alice.token, approval(alice, bytes, passkey));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('RET_PASSKEY_INVALID');
      expect(await h.snapshot()).toEqual(before);
    });

    it('an assertion whose counter went backwards: RET_PASSKEY_INVALID', async () => {
      const first = await issue();
      const firstBytes = await h.tokenBytes(first, alice.token);
      const ok = await h.request('POST', `/v1/tokens/${first}/approvals`, alice.token, approval(alice, firstBytes, keys.get(alice.id)!.assert(challengeOf(firstBytes))));
      expect(ok.status).toBe(200);
      const stale = keys.get(alice.id)!.assert(challengeOf(bytes), { counter: 1 });
      const before = await h.snapshot();
      const res = await h.request('POST', `/v1/tokens/${id}/approvals`, alice.token, approval(alice, bytes, stale));
      expect(res.body.code).toBe('RET_PASSKEY_INVALID');
      expect(await h.snapshot()).toEqual(before);
    });
  });

  it('lets one of two racing assertions with the same counter through: the counter moves with the vote, in one step', async () => {
    const [one, two] = [await issue(), await issue()];
    const [b1, b2] = [await h.tokenBytes(one, bob.token), await h.tokenBytes(two, bob.token)];
    const authenticator = keys.get(bob.id)!;
    const counter = authenticator.counter + 1;
    const replies = await Promise.all([
      h.request('POST', `/v1/tokens/${one}/approvals`, bob.token, approval(bob, b1, authenticator.assert(challengeOf(b1), { counter }))),
      h.request('POST', `/v1/tokens/${two}/approvals`, bob.token, approval(bob, b2, authenticator.assert(challengeOf(b2), { counter }))),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 403]);
    expect(replies.find((r) => r.status === 403)?.body.code).toBe('RET_PASSKEY_INVALID');
  });

  it('approves with both passkeys, shows which approvals carry one, and the bundle proves them offline (quorum verify and openssl)', async () => {
    const id = await issue();
    for (const officer of [alice, bob]) {
      const bytes = await h.tokenBytes(id, officer.token);
      const res = await h.request('POST', `/v1/tokens/${id}/approvals`, officer.token, approval(officer, bytes, keys.get(officer.id)!.assert(challengeOf(bytes))));
      expect(res.status).toBe(200);
    }
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.status).toBe('APPROVED');
    expect(token.approvals.map((a: { passkey?: boolean }) => a.passkey)).toEqual([true, true]);
    const consumed = await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation: token.operation });
    expect(consumed.status).toBe(200);
    const bundle = consumed.body.bundle;
    expect(bundle.webauthn).toEqual({ rpId: 'localhost', origin: 'http://localhost:8080' });
    expect(verifyBundle(bundle)).toMatchObject({ ok: true, approvals: 2 });
    // quorum verify, with the approvers' keys pinned, and the RP ID and origin one expects.
    const keysDir = join(dir, 'keys');
    execFileSync('mkdir', ['-p', keysDir]);
    writeFileSync(join(keysDir, 'alice.pem'), alice.key!.publicPem);
    writeFileSync(join(keysDir, 'bob.pem'), bob.key!.publicPem);
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify({ bundle }));
    const verified = await quorum(['verify', join(dir, 'bundle.json'), '--keys', keysDir, '--rp-id', 'localhost', '--origin', 'http://localhost:8080']);
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.out).toContain('bundle OK: ');
    const elsewhere = await quorum(['verify', join(dir, 'bundle.json'), '--keys', keysDir, '--origin', 'https://quorum.example.com']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.out).toContain('passkey: the assertion was made on "http://localhost:8080"');
    // A bundle whose assertion was taken away, or swapped for another token's, does not verify.
    const stripped = { ...bundle, approvals: bundle.approvals.map((a: object, i: number) => (i === 0 ? { ...a, passkey: undefined } : a)) };
    expect(verifyBundle(stripped)).toMatchObject({ ok: false });
    const tampered = { ...bundle, approvals: bundle.approvals.map((a: { passkey: { signature: string } }, i: number) => (i === 0 ? { ...a, passkey: { ...a.passkey, signature: bundle.approvals[1].passkey.signature } } : a)) };
    expect(verifyBundle(tampered)).toMatchObject({ ok: false });
    // The documented openssl check (docs/passkeys.md), per approval.
    const tokenBytes = Buffer.from(bundle.tokenBytes, 'base64');
    for (const [i, a] of (bundle.approvals as { passkey: { publicKeyPem: string; authenticatorData: string; clientDataJSON: string; signature: string } }[]).entries()) {
      const p = a.passkey;
      const client = JSON.parse(Buffer.from(p.clientDataJSON, 'base64url').toString());
      expect(client).toMatchObject({ type: 'webauthn.get', origin: bundle.webauthn.origin, challenge: challengeOf(tokenBytes) });
      const files = { key: join(dir, `k${i}.pem`), auth: join(dir, `a${i}.bin`), client: join(dir, `c${i}.json`), sig: join(dir, `s${i}.der`), signed: join(dir, `d${i}.bin`) };
      writeFileSync(files.key, p.publicKeyPem);
      writeFileSync(files.auth, Buffer.from(p.authenticatorData, 'base64url'));
      writeFileSync(files.client, Buffer.from(p.clientDataJSON, 'base64url'));
      writeFileSync(files.sig, Buffer.from(p.signature, 'base64url'));
      const script = [
        `openssl dgst -sha256 -binary ${files.client} > ${files.signed}.hash`,
        `cat ${files.auth} ${files.signed}.hash > ${files.signed}`,
        `openssl dgst -sha256 -verify ${files.key} -signature ${files.sig} ${files.signed}`,
      ].join(' && ');
      expect(execFileSync('sh', ['-c', script]).toString()).toContain('Verified OK');
      // The RP ID hash and the flags: the first 32 bytes are SHA-256("localhost"), byte 33 has UP and UV.
      const auth = Buffer.from(p.authenticatorData, 'base64url');
      expect(auth.subarray(0, 32).toString('hex')).toBe(execFileSync('sh', ['-c', `printf %s localhost | openssl dgst -sha256 -r | cut -d' ' -f1`]).toString().trim());
      expect((auth[32] ?? 0) & 0x05).toBe(0x05);
    }
  });

  it('refuses a group change that leaves a policy requiring passkeys to officers without one (lock-out guard), and its approvals need passkeys too', async () => {
    const operation = { command: 'setGroup', args: { group: 'ops', members: [admin.id, alice.id] } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation });
    const quorumToken = issued.body.token.id as string;
    // The change is governed by DEPLOY_PROD's policy: its approvals need passkeys too (no way around the requirement without them).
    expect((await h.approve(quorumToken, alice)).body.code).toBe('RET_PASSKEY_REQUIRED');
    for (const officer of [alice, bob]) {
      const bytes = await h.tokenBytes(quorumToken, officer.token);
      expect((await h.request('POST', `/v1/tokens/${quorumToken}/approvals`, officer.token, approval(officer, bytes, keys.get(officer.id)!.assert(challengeOf(bytes))))).status).toBe(200);
    }
    const res = await h.request('PUT', '/v1/groups/ops', admin.token, { members: operation.args.members, quorumToken });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RET_QUORUM_UNREACHABLE');
  });

  it('deletes a passkey with the password, audited; deleting an officer deletes its passkeys', async () => {
    // Bob's only passkey cannot go while DEPLOY_PROD requires passkeys of both.
    const bobs = (await h.request('GET', `/v1/users/${bob.id}/passkeys`, bob.token)).body.passkeys;
    const before = await h.snapshot();
    const guarded = await h.request('DELETE', `/v1/users/${bob.id}/passkeys/${bobs[0].id}`, bob.token, { currentPassword: 'pk_bob-password', confirmation: await confirmation(bob) });
    expect(guarded.body.code).toBe('RET_QUORUM_UNREACHABLE');
    // (Refused before anything was written: the confirmation's challenge and the counter are as they were.)
    const after = await h.snapshot();
    expect(after[h.store.keys.userPasskeyCounters(bob.id)]).toEqual(before[h.store.keys.userPasskeyCounters(bob.id)]);
    const extra = await registerPasskey(bob, 'bob-spare', new NodeAuthenticator(), true);
    const spare = (await h.request('GET', `/v1/users/${bob.id}/passkeys`, bob.token)).body.passkeys.find((p: { credentialId: string }) => p.credentialId === extra.id);
    expect((await h.request('DELETE', `/v1/users/${bob.id}/passkeys/${spare.id}`, bob.token, { currentPassword: 'wrong' })).body.code).toBe('RET_LOGIN_FAILED');
    expect((await h.request('DELETE', `/v1/users/${bob.id}/passkeys/${spare.id}`, bob.token, { currentPassword: 'pk_bob-password' })).body.code).toBe('RET_PASSKEY_REQUIRED');
    expect((await h.request('DELETE', `/v1/users/${bob.id}/passkeys/${spare.id}`, bob.token, { currentPassword: 'pk_bob-password', confirmation: await confirmation(bob, extra) })).status).toBe(200);
    expect(JSON.stringify((await h.request('GET', '/v1/audit?limit=1000', admin.token)).body)).toContain('passkey.deleted');
    // Deleting an officer deletes its passkeys, in the same step.
    const carol = await h.addOfficer('pk_carol');
    const carols = await registerPasskey(carol, 'carol-key');
    const deleted = await h.request('DELETE', `/v1/users/${carol.id}`, admin.token, {});
    expect(deleted.status).toBe(200);
    expect(await h.redis.exists(h.store.keys.userPasskeys(carol.id), h.store.keys.userPasskeyCounters(carol.id))).toBe(0);
    expect(await h.redis.sismember(h.store.keys.passkeyHolders(), String(carol.id))).toBe(0);
    expect(await h.redis.hexists(h.store.keys.passkeyCredentials(), carols.id)).toBe(0);
  });
});

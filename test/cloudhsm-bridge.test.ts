import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, REDIS_URL, type Officer } from './support/harness';
import { ServerProcess } from './support/server-process';

const CLI = join(__dirname, '..', 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

/**
 * quorumd as the approval desk for AWS CloudHSM quorum tokens, with AWS's published example
 * token file: officers sign the file's digest exactly as the AWS documentation does it, and
 * the file comes back with their signatures, ready for `--approval`.
 */
const EXAMPLE = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'aws-admin.token'), 'utf8')) as { approval_data: string; token: string };
const OPERATION = { command: 'cloudhsm', args: { service: 'user', description: 'user create --username user1 --role crypto-user' } };

describe('HSM bridge: AWS CloudHSM token files', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let dir: string;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    dir = h.openssl.dir;
    writeFileSync(join(dir, 'unsigned_token.bin'), Buffer.from(EXAMPLE.token, 'base64'));
    writeFileSync(join(dir, 'approval_data.bin'), Buffer.from(EXAMPLE.approval_data, 'base64'));
  });
  afterAll(() => h.close());

  const submit = (tokenFile: object, as = admin.token) =>
    h.request('POST', '/v1/tokens', as, { service: 'USER_MGMT', operation: OPERATION, cloudhsm: { tokenFile } });

  /** As AWS documents it: `openssl pkeyutl -sign -inkey KEY -pkeyopt digest:sha256 -keyform PEM -in unsigned_token.bin`. */
  const pkeyutlSign = (officer: Officer) =>
    execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', officer.key!.privatePath, '-pkeyopt', 'digest:sha256', '-keyform', 'PEM', '-in', join(dir, 'unsigned_token.bin')]).toString('base64');

  it('runs AWS’s example end to end: submit, two officers sign, fetch the file with both signatures; a second fetch is refused', async () => {
    const issued = await submit({ ...EXAMPLE, version: '2.0', signatures: [] });
    expect(issued.status).toBe(201);
    const token = issued.body.token;
    expect(token).toMatchObject({ status: 'PENDING', m: 2, required: 2, cloudhsm: { digest: EXAMPLE.token, hints: { hsms: 3, serviceNumber: 3, requester: 'admin' } } });
    expect(token.cloudhsm.hints.generatedAt).toMatch(/^2023-/);

    const first = await h.request('POST', `/v1/tokens/${token.id}/approvals`, co1.token, { signature: pkeyutlSign(co1) });
    expect(first.body.token).toMatchObject({ status: 'PENDING', approvals: [expect.objectContaining({ userId: co1.id })] });
    const early = await h.request('GET', `/v1/tokens/${token.id}/cloudhsm-token-file`, admin.token);
    expect({ status: early.status, code: early.body.code, message: early.body.message }).toEqual({ status: 409, code: 'RET_TOKEN_NOT_APPROVED', message: 'The token has 1 of 2 approvals' });

    // co2 signs the same documented way; openssl dgst over the approval data gives the very same bytes.
    const second = pkeyutlSign(co2);
    expect(execFileSync('openssl', ['dgst', '-sha256', '-sign', co2.key!.privatePath, join(dir, 'approval_data.bin')]).toString('base64')).toBe(second);
    expect((await h.request('PUT', `/v1/users/${co2.id}/hsm-username`, co2.token, { hsmUsername: 'admin2' })).status).toBe(200);
    expect((await h.request('POST', `/v1/tokens/${token.id}/approvals`, co2.token, { signature: second })).body.token.status).toBe('APPROVED');

    const fetched = await h.request('GET', `/v1/tokens/${token.id}/cloudhsm-token-file`, admin.token);
    expect(fetched.status).toBe(200);
    const file = fetched.body as { version: string; approval_data: string; token: string; signatures: { username: string; signature: string }[] };
    expect(file).toMatchObject({ version: '2.0', approval_data: EXAMPLE.approval_data, token: EXAMPLE.token });
    expect(file.signatures.map((s) => s.username).sort()).toEqual(['admin2', 'co1']);
    for (const s of file.signatures) {
      const officer = s.username === 'co1' ? co1 : co2;
      const pub = join(dir, `${s.username}.pub`);
      const sig = join(dir, `${s.username}.sig`);
      writeFileSync(pub, officer.key!.publicPem);
      writeFileSync(sig, Buffer.from(s.signature, 'base64'));
      const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-pkeyopt', 'digest:sha256', '-in', join(dir, 'unsigned_token.bin'), '-sigfile', sig]).toString();
      expect(out).toMatch(/Signature Verified Successfully/);
    }
    const again = await h.request('GET', `/v1/tokens/${token.id}/cloudhsm-token-file`, admin.token);
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'RET_TOKEN_NOT_PENDING' });
  });

  it('refuses a tampered file, a signature over another digest, and PSS, changing nothing', async () => {
    const data = Buffer.from(EXAMPLE.approval_data, 'base64');
    data[40] = data[40]! ^ 1;
    const tampered = await submit({ version: '2.0', approval_data: data.toString('base64'), token: EXAMPLE.token, signatures: [] });
    expect(tampered.status).toBe(400);
    expect(tampered.body).toMatchObject({ code: 'RET_BAD_REQUEST', message: expect.stringMatching(/token is not the SHA-256 of approval_data/) });
    for (const [file, why] of [
      [{ ...EXAMPLE, version: '1.0', signatures: [] }, /version must be "2.0"/],
      [{ ...EXAMPLE, version: '2.0', approval_data: 'AAAA', signatures: [] }, /records of 80 bytes/],
      [{ ...EXAMPLE, version: '2.0', signatures: [{ username: 'x', signature: 'QUJD' }] }, /RSA-2048 to RSA-4096 signature/],
      [{ version: '2.0', approval_data: EXAMPLE.approval_data, token: EXAMPLE.token }, /signatures must be an array/],
    ] as const) {
      const res = await submit(file);
      expect({ status: res.status, code: res.body.code, why: why.test(res.body.message) }).toEqual({ status: 400, code: 'RET_BAD_REQUEST', why: true });
    }
    expect((await h.request('POST', '/v1/tokens', admin.token, { service: 'QUORUM_MGMT', operation: OPERATION, cloudhsm: { tokenFile: { ...EXAMPLE, version: '2.0', signatures: [] } } })).body.code).toBe('RET_BAD_REQUEST');

    const id = (await submit({ ...EXAMPLE, version: '2.0', signatures: [] })).body.token.id as string;
    writeFileSync(join(dir, 'other.bin'), Buffer.alloc(32, 7));
    const other = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', co1.key!.privatePath, '-pkeyopt', 'digest:sha256', '-in', join(dir, 'other.bin')]).toString('base64');
    const before = await h.snapshot();
    const wrong = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: other });
    expect({ status: wrong.status, code: wrong.body.code }).toEqual({ status: 400, code: 'RET_SIGNATURE_INVALID' });
    const pss = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: pkeyutlSign(co1), alg: 'PS256' });
    expect(pss.body.code).toBe('RET_BAD_REQUEST');
    expect(await h.snapshot()).toEqual(before);
    // quorumd's other rules apply as to any token: one vote per officer, the requester rule, the current M.
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation: OPERATION })).body.code).toBe('RET_BAD_REQUEST');
  });

  it('lets each user set only its own HSM user name', async () => {
    expect((await h.request('PUT', `/v1/users/${co2.id}/hsm-username`, co1.token, { hsmUsername: 'mallory' })).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('PUT', `/v1/users/${co1.id}/hsm-username`, co1.token, { hsmUsername: 'bad name' })).body.code).toBe('RET_BAD_REQUEST');
    const users = (await h.request('GET', '/v1/users', co1.token)).body.users as { name: string; hsmUsername: string }[];
    expect(users.find((u) => u.name === 'co1')!.hsmUsername).toBe('co1');
  });

  it('an API key with tokens:consume (no tokens:read) fetches the file of its own token, as /consume answers its bundle', async () => {
    const key = async (name: string, scopes: string[]) => (await h.request('POST', '/v1/api-keys', admin.token, { name, scopes })).body.key as string;
    const robot = await key('hsm-robot', ['tokens:issue', 'tokens:consume']);
    const other = await key('other-robot', ['tokens:consume']);
    const issueOnly = await key('issue-robot', ['tokens:issue']);
    const id = (await submit({ ...EXAMPLE, version: '2.0', signatures: [] }, robot)).body.token.id as string;
    for (const officer of [co1, co2]) await h.request('POST', `/v1/tokens/${id}/approvals`, officer.token, { signature: pkeyutlSign(officer) });
    expect((await h.request('GET', `/v1/tokens/${id}/cloudhsm-token-file`, issueOnly)).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('GET', `/v1/tokens/${id}/cloudhsm-token-file`, other)).body.code).toBe('RET_TOKEN_NOT_FOUND');
    const fetched = await h.request('GET', `/v1/tokens/${id}/cloudhsm-token-file`, robot);
    expect(fetched.status).toBe(200);
    expect((fetched.body as { signatures: unknown[] }).signatures).toHaveLength(2);
    // Reading stays tokens:read's.
    expect((await h.request('GET', `/v1/tokens/${id}`, robot)).body.code).toBe('RET_FORBIDDEN');
  });
});

describe('HSM bridge through the quorum CLI', () => {
  let h: Harness;
  let co1: Officer;
  let co2: Officer;
  let server: ServerProcess;

  beforeAll(async () => {
    ({ h, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
  });

  const quorum = (who: string, ...args: string[]) =>
    run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(h.openssl.dir, `${who}.json`) } });

  it('submit --wait, two officers sign with `quorum sign`, and the file is written back with both signatures', async () => {
    await quorum('admin', 'loginHSM', 'CO', 'admin', 'admin-password');
    for (const o of [co1, co2]) await quorum(o.name, 'loginHSM', 'CO', o.name, `${o.name}-password`);
    const file = join(h.openssl.dir, 'admin.token');
    writeFileSync(file, JSON.stringify({ ...EXAMPLE, version: '2.0', signatures: [] }, null, 2));
    const submitting = quorum('admin', 'hsm', 'submit', file, '--service', 'user', '--describe', 'user create --username user1 --role crypto-user', '--wait', '--timeout', '30');
    let id: string | undefined;
    for (let i = 0; i < 200 && !id; i++) {
      id = ((await h.request('GET', '/v1/tokens', h.adminToken)).body.tokens as { id: string; cloudhsm?: unknown }[]).find((t) => t.cloudhsm)?.id;
      if (!id) await new Promise((r) => setTimeout(r, 50));
    }
    expect(id).toBeDefined();
    const shown = await quorum('co1', 'show', id!.slice(0, 8));
    expect(shown.stdout).toMatch(/HSM hints\s+3 HSM\(s\), service 3, generated by admin/);
    for (const o of [co1, co2]) expect((await quorum(o.name, 'sign', id!.slice(0, 8), '--key', o.key!.privatePath, '--yes')).stdout).toMatch(/approveToken success/);
    expect((await submitting).stdout).toMatch(/approved: .* now holds 2 signature\(s\)/);
    const signed = JSON.parse(readFileSync(file, 'utf8')) as { token: string; signatures: { username: string; signature: string }[] };
    expect(signed.signatures.map((s) => s.username).sort()).toEqual(['co1', 'co2']);
    writeFileSync(join(h.openssl.dir, 'digest.bin'), Buffer.from(signed.token, 'base64'));
    for (const s of signed.signatures) {
      const officer = s.username === 'co1' ? co1 : co2;
      writeFileSync(join(h.openssl.dir, 'pub.pem'), officer.key!.publicPem);
      writeFileSync(join(h.openssl.dir, 'sig.bin'), Buffer.from(s.signature, 'base64'));
      const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(h.openssl.dir, 'pub.pem'), '-pkeyopt', 'digest:sha256', '-in', join(h.openssl.dir, 'digest.bin'), '-sigfile', join(h.openssl.dir, 'sig.bin')]).toString();
      expect(out).toMatch(/Signature Verified Successfully/);
    }
    await expect(quorum('admin', 'hsm', 'fetch', id!.slice(0, 8), '-o', join(h.openssl.dir, 'again.token'))).rejects.toThrow(/RET_TOKEN_NOT_PENDING/);
  }, 60_000);
});

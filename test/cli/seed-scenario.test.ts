import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QuorumClient } from '@quorumd/client';
import { Harness } from '../support/harness';
import { ServerProcess } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

/** The seed scenario driven through the `quorum` binary as a subprocess, against a real service. */
describe('the quorum CLI', () => {
  let h: Harness;
  let server: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    h = await Harness.start();
    server = await ServerProcess.start({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-cli-'));
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `quorum` as one person (own profile file); returns exit code and output. */
  async function quorum(who: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
        env: { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(dir, `${who}.json`) },
      });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, out: err.stdout, err: err.stderr };
    }
  }

  it('lives through the seed scenario: RET_MXN_AUTH_FAILED, then two signatures, then createUser', async () => {
    expect((await quorum('admin', 'loginHSM', 'CO', 'admin', 'admin-password')).out).toMatch(/loginHSM success/);
    expect(statSync(join(dir, 'admin.json')).mode & 0o777).toBe(0o600);
    for (const n of ['officer1', 'officer2']) {
      expect((await quorum('admin', 'createUser', 'CO', n, `${n}-password`)).code).toBe(0);
    }
    const before = await quorum('admin', 'listUsers');
    expect(before.out).toMatch(/User Id\s+User Type\s+User Name\s+MofnPubKey\s+LoginFailureCnt\s+2FA/);
    expect(before.out).toMatch(/officer1\s+NO\s+0\s+NO/);

    // officer1: a node-forge key from keygen (encrypted); officer2: an openssl key.
    expect((await quorum('officer1', 'loginHSM', 'CO', 'officer1', 'officer1-password')).code).toBe(0);
    expect((await quorum('officer1', 'keygen', '--bits', '2048', '--out', join(dir, 'k1'), '--passphrase', 'pass-phrase-1')).code).toBe(0);
    expect(statSync(join(dir, 'k1', 'private.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'k1', 'private.pem'), 'utf8')).toMatch(/ENCRYPTED PRIVATE KEY/);
    const reg1 = await quorum('officer1', 'register-key', '--key', join(dir, 'k1', 'private.pem'), '--passphrase', 'pass-phrase-1');
    expect(reg1.out).toMatch(/registerQuorumPubKey success/);
    const k2 = h.openssl.genrsa(2048);
    expect((await quorum('officer2', 'loginHSM', 'CO', 'officer2', 'officer2-password')).code).toBe(0);
    expect((await quorum('officer2', 'registerQuorumPubKey', '--key', k2.privatePath)).code).toBe(0);
    expect((await quorum('admin', 'listUsers')).out).toMatch(/officer2\s+YES/);

    expect((await quorum('admin', 'setMValue', 'USER_MGMT', '2')).out).toMatch(/M = 2/);
    const refused = await quorum('admin', 'createUser', 'CU', 'alice', 'alice-password');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^RET_MXN_AUTH_FAILED: Quorum approval is required for this operation: 0 of 2 approvals/);
    expect(refused.err).toMatch(/hint: request a token/);

    const issued = await quorum('admin', '--json', 'getToken', '--service', 'USER_MGMT', '--command', 'createUser', '--args', '{"type":"CU","name":"alice"}');
    const id = (JSON.parse(issued.out) as { token: { id: string } }).token.id;
    expect((await quorum('officer1', 'pending')).out).toContain(id);
    expect((await quorum('officer1', 'show', id)).out).toMatch(/Command\s+createUser[\s\S]*Arguments\s+\{"name":"alice","type":"CU"\}[\s\S]*Approvals\s+0 of 2/);

    const early = await quorum('admin', 'createUser', 'CU', 'alice', 'alice-password', '--quorum-token', id);
    expect(early.err).toMatch(/0 of 2 approvals/);
    expect(early.err).toMatch(/hint: 0 of 2 approvals; can still approve: officer1, officer2/);

    const waiting = quorum('admin', 'wait', id, '--timeout', '20');
    expect((await quorum('officer1', 'sign', id, '--key', join(dir, 'k1', 'private.pem'), '--passphrase', 'pass-phrase-1', '--alg', 'PS256', '--yes')).out).toMatch(/1 of 2/);
    expect((await quorum('officer2', 'approveToken', id, '--key', k2.privatePath, '--yes')).out).toMatch(/APPROVED, 2 of 2/);
    const waited = await waiting;
    expect(waited.code).toBe(0);
    expect(waited.out).toMatch(/APPROVED/);

    const created = await quorum('admin', 'createUser', 'CU', 'alice', 'alice-password', '--quorum-token', id);
    expect(created.out).toMatch(/createUser success: CU alice/);

    // The CLI's signatures verify with openssl; the bundle verifies offline, and refuses tampering.
    const bundleRes = await h.request('GET', `/v1/tokens/${id}/bundle`, h.adminToken);
    const bundle = bundleRes.body.bundle as { tokenBytes: string; approvals: { signature: string; alg: string; publicKeyPem: string }[] };
    const bytes = Buffer.from(bundle.tokenBytes, 'base64');
    for (const a of bundle.approvals) expect(h.openssl.verify(a.publicKeyPem, bytes, a.signature, a.alg as 'RS256' | 'PS256')).toBe(true);
    const file = join(dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(bundleRes.body));
    writeFileSync(join(dir, 'keys-officer2.pem'), k2.publicPem);
    expect((await quorum('admin', 'verify', file, '--trust-bundle-keys')).out).toMatch(/bundle OK: token .*, 2 of 2 approvals verify/);
    const altered = Buffer.from(bytes);
    altered[10] = altered[10]! ^ 0x01;
    writeFileSync(file, JSON.stringify({ bundle: { ...bundle, tokenBytes: altered.toString('base64') } }));
    expect((await quorum('admin', 'verify', file)).code).toBe(1);
    writeFileSync(file, JSON.stringify({ bundle: { ...bundle, approvals: bundle.approvals.slice(1) } }));
    const missing = await quorum('admin', 'verify', file);
    expect(missing).toMatchObject({ code: 1, out: expect.stringMatching(/1 of 2 approvals/) });
    writeFileSync(file, JSON.stringify(bundleRes.body));
    const trustedDir = mkdtempSync(join(dir, 'trusted-'));
    writeFileSync(join(trustedDir, 'officer2.pem'), k2.publicPem);
    expect((await quorum('admin', 'verify', file, '--keys', trustedDir)).code).toBe(1);

    // The audit key the service publishes lives in Redis: the check says so unless a key is pinned.
    // (No sealer runs here: nothing is sealed, which a check with the default --max-checkpoint-age refuses after 10 s.)
    const unpinned = await quorum('admin', 'audit', 'verify', '--max-checkpoint-age', '3600');
    expect(unpinned.out).toMatch(/^audit log OK: \d+ entries/);
    expect(unpinned.err).toMatch(/^warning: no --public-key: .*keeps in Redis.*pin the key: quorum audit verify --public-key/);
    // (No sealer runs here, so there is no checkpoint to check: any Ed25519 key pins.)
    const auditKey = join(dir, 'audit.pub');
    writeFileSync(auditKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const pinned = await quorum('admin', 'audit', 'verify', '--public-key', auditKey, '--max-checkpoint-age', '3600');
    expect(pinned).toMatchObject({ code: 0, out: expect.stringMatching(/^audit log OK/), err: '' });
  }, 60_000);

  it('reads keygen keys with openssl, and exits 2 / 3 / 4 from wait on REJECTED / EXPIRED / timeout', async () => {
    expect((await quorum('officer1', 'keygen', '--out', join(dir, 'k3'))).code).toBe(0);
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('openssl', ['rsa', '-in', join(dir, 'k3', 'private.pem'), '-noout', '-check']).toString()).toMatch(/RSA key ok/);

    const issue = async (ttl?: string) =>
      (JSON.parse((await quorum('admin', '--json', 'getToken', '--service', 'USER_MGMT', '--command', 'deleteUser', '--args', '{"id":77}', ...(ttl ? ['--ttl', ttl] : []))).out) as { token: { id: string } }).token.id;
    const timeoutId = await issue();
    expect((await quorum('admin', 'wait', timeoutId, '--timeout', '1')).code).toBe(4);
    const rejected = await issue();
    await quorum('officer1', 'reject', rejected, 'no ticket');
    await quorum('officer2', 'reject', rejected);
    expect((await quorum('admin', 'wait', rejected, '--timeout', '5')).code).toBe(2);
    const expiring = await issue('1');
    expect((await quorum('admin', 'wait', expiring, '--timeout', '10')).code).toBe(3);
  }, 60_000);

  it('approveToken takes a cloudhsm_mgmt_util approval file (token file + openssl signature)', async () => {
    const k = h.openssl.genrsa(2048);
    expect((await quorum('officer2', 'registerQuorumPubKey', '--key', k.privatePath)).code).toBe(0);
    const id = (JSON.parse((await quorum('admin', '--json', 'getToken', '--service', 'USER_MGMT', '--command', 'deleteUser', '--args', '{"id":78}')).out) as { token: { id: string } }).token.id;
    const tokenFile = join(dir, 'token.bin');
    writeFileSync(tokenFile, await h.tokenBytes(id, h.adminToken));
    const sigFile = join(dir, 'officer2.sig');
    writeFileSync(sigFile, Buffer.from(h.openssl.sign(k.privatePath, readFileSync(tokenFile)), 'base64'));
    const approval = join(dir, 'approval.txt');
    writeFileSync(
      approval,
      [`Multi Token File Path = NULL;`, `Token File Path = ${tokenFile};`, `Number of Approvals = 2;`, `Approver Type = 2;`, `Approver Name = officer2;`, `Approval File = ${sigFile};`, `Approver Type = 2;`, `Approver Name = officer1;`, `Approval File = ${join(dir, 'officer1.sig')};`].join('\n'),
    );
    const res = await quorum('officer2', 'approveToken', approval);
    expect(res.out).toMatch(/approveToken success: PENDING, 1 of 2 approvals; to submit with their own sessions: officer1/);
  }, 60_000);

  it('SDK: waitForApproval resumes after the connection drops (server killed and restarted)', async () => {
    const env = { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' };
    const first = await ServerProcess.start(env);
    const port = new URL(first.url).port;
    const sdk = new QuorumClient({ url: first.url, token: h.adminToken });
    const token = await sdk.requestQuorum({ service: 'QUORUM_MGMT', operation: { command: 'rotateKey', args: { slot: 1 } } });
    const waiting = sdk.waitForApproval(token.id, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    await first.stop('SIGKILL');
    const second = await ServerProcess.start({ ...env, PORT: port });
    try {
      const officer = await h.registerKey({ id: 1, name: 'admin', token: h.adminToken });
      expect((await h.approve(token.id, officer)).body.token.status).toBe('APPROVED');
      expect((await waiting).status).toBe('APPROVED');
    } finally {
      await second.stop();
    }
  }, 60_000);
});

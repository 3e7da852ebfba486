import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { ServerProcess } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

/**
 * After RET_MXN_AUTH_FAILED the CLI's hint says what the server found of the token it was
 * given (expired, used, rejected, for another operation, ...) and lists who can still approve
 * only for a PENDING token, as the server named them (requester rule and locks counted).
 */
describe('the CLI hint after a quorum gate refusal follows the server', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;
  let server: ServerProcess;
  let dir: string;
  const env = { QUORUM_REQUESTER_MAY_APPROVE: 'false' };

  async function quorum(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(dir, 'admin.json') },
      });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, out: err.stdout, err: err.stderr };
    }
  }
  const createUser = (name: string) => ({ command: 'createUser', args: { type: 'CU', name } });
  const issue = async (name: string): Promise<string> => {
    const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: createUser(name) });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  };
  const getToken = (name: string) => `ask for a new one with quorum getToken --service USER_MGMT --command createUser --args '{"type":"CU","name":"${name}"}'`;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['hint_co1', 'hint_co2', 'hint_co3'], { env }));
    await h.setM(admin, 'USER_MGMT', 2, [co1]);
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false', ...env });
    dir = mkdtempSync(join(tmpdir(), 'quorum-gate-hint-'));
    expect((await quorum('loginHSM', 'CO', 'admin', 'admin-password')).code).toBe(0);
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a PENDING token: its count and the officers the server says can still approve (not the requester, a voter or a locked officer)', async () => {
    const id = await issue('hint_pending');
    expect((await h.approve(id, co1)).status).toBe(200);
    await h.redis.hset(h.store.keys.user(co3.id), 'lockedUntil', 'forever');
    try {
      const res = await quorum('createUser', 'CU', 'hint_pending', 'hint-password-1', '--quorum-token', id.slice(0, 8));
      expect(res.code).toBe(1);
      expect(res.err).toMatch(/^RET_MXN_AUTH_FAILED: .*1 of 2 approvals/);
      expect(res.err).toContain('hint: 1 of 2 approvals; can still approve: hint_co2\n');
    } finally {
      await h.redis.hdel(h.store.keys.user(co3.id), 'lockedUntil');
    }
  });

  it('an expired token: ask for a new one, with the exact getToken, and nobody listed', async () => {
    const id = await issue('hint_expired');
    await h.redis.hset(h.store.keys.token(id), 'exp', Date.now() - 1000);
    const res = await quorum('createUser', 'CU', 'hint_expired', 'hint-password-1', '--quorum-token', id);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`hint: this token has expired: ${getToken('hint_expired')}\n`);
    expect(res.err).not.toMatch(/can still approve/);
  });

  it('a token for another operation: says which operation it was for', async () => {
    const id = await h.approvedToken(admin, 'USER_MGMT', createUser('bob'), [co1, co2]);
    const res = await quorum('createUser', 'CU', 'carol', 'hint-password-1', '--quorum-token', id);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`hint: this token was for createUser bob type=CU: ${getToken('carol')}\n`);
    expect(res.err).not.toMatch(/can still approve/);
  });

  it('a consumed or a rejected token never lists approvers, in human or JSON output', async () => {
    const used = await h.approvedToken(admin, 'USER_MGMT', createUser('hint_used'), [co1, co2]);
    expect((await quorum('createUser', 'CU', 'hint_used', 'hint-password-1', '--quorum-token', used)).code).toBe(0);
    const again = await quorum('createUser', 'CU', 'hint_used', 'hint-password-1', '--quorum-token', used);
    expect(again.err).toContain(`hint: this token was already used: ${getToken('hint_used')}\n`);
    expect(again.err).not.toMatch(/can still approve/);

    const rejected = await issue('hint_rejected');
    for (const o of [co1, co2, co3]) {
      const res = await h.request('POST', `/v1/tokens/${rejected}/rejections`, o.token, { reason: 'no' });
      if (res.body.token?.status === 'REJECTED') break;
    }
    const refused = await quorum('--json', 'createUser', 'CU', 'hint_rejected', 'hint-password-1', '--quorum-token', rejected);
    expect(refused.code).toBe(1);
    const answer = JSON.parse(refused.out) as { code: string; hint: string; quorumToken: { reason: string; canStillApprove?: unknown } };
    expect(answer).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', hint: `hint: this token was rejected: ${getToken('hint_rejected')}`, quorumToken: { reason: 'rejected' } });
    expect(answer.quorumToken.canStillApprove).toBeUndefined();
  });
});

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, REDIS_URL, type Officer } from './support/harness';

const CLI = join(__dirname, '..', 'packages', 'store', 'dist', 'audit-verify-cli.js');

function verifyCli(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('node', [CLI, ...args], { encoding: 'utf8' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

describe('the audit hash chain', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    const operation = { command: 'rotateKey', args: { key: 'billing' } };
    const id = await h.approvedToken(admin, 'USER_MGMT', operation, [admin, co1]);
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation })).status).toBe(200);
  });
  afterAll(() => h.close());

  it('records every kind of state change, in order, each linked to the one before', async () => {
    const res = await h.request('GET', '/v1/audit?limit=1000', admin.token);
    expect(res.status).toBe(200);
    const types = res.body.entries.map((e: { type: string }) => e.type);
    for (const type of ['user.created', 'session.login', 'quorum_key.registered', 'quorum.m_changed', 'token.issued', 'token.approval', 'token.approved', 'token.consumed']) {
      expect(types).toContain(type);
    }
    res.body.entries.forEach((e: { seq: number; prev: string }, i: number) => {
      expect(e.seq).toBe(i + 1);
      if (i > 0) expect(e.prev).toBe(res.body.entries[i - 1].hash);
    });
    const page = await h.request('GET', '/v1/audit?from=2&limit=2', admin.token);
    expect(page.body.entries.map((e: { seq: number }) => e.seq)).toEqual([2, 3]);
    expect(page.body.next).toBe(4);
  });

  it('verifies offline from an export, and names the first broken entry after tampering', async () => {
    const raw = await h.request('GET', '/v1/audit?format=raw&limit=1000', admin.token);
    const file = join(h.openssl.dir, 'audit.jsonl');
    writeFileSync(file, raw.body as string);
    expect(verifyCli(['--file', file])).toMatchObject({ code: 0, out: expect.stringMatching(/audit chain OK/) });

    const key = h.store.keys.audit();
    const entry = (await h.redis.lindex(key, 4)) as string;
    await h.redis.lset(key, 4, entry.replace('"at":"2', '"at":"1'));
    expect(verifyCli(['--redis', REDIS_URL, '--prefix', h.prefix])).toEqual({ code: 1, out: expect.stringMatching(/BROKEN at entry seq 5: entry hash does not match/) });
    expect(await h.store.audit.verify()).toMatchObject({ ok: false, brokenSeq: 5 });
    await h.redis.lset(key, 4, entry);
    expect(await h.store.audit.verify()).toMatchObject({ ok: true });
  });

  it('is readable only by COs', async () => {
    const quorumToken = await h.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'cu1' } }, [admin, co1]);
    expect((await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'cu1', password: 'cu1-password', quorumToken })).status).toBe(201);
    const token = await h.login('cu1', 'cu1-password');
    expect((await h.request('GET', '/v1/audit', token)).body.code).toBe('RET_FORBIDDEN');
  });
});

import { cliVerify, scriptVerify, settled, appendForgedEntry } from '../support/audit-tools';
import { Harness, type Officer } from '../support/harness';

interface Entry {
  seq: number;
  type: string;
  actor: string;
  data: Record<string, unknown>;
}

/**
 * A hash chain proves only that entries were not changed once sealed. Whoever can write to
 * Redis (without the audit key file) can append well-formed entries, which the sealer then
 * seals and signs into a checkpoint. The verifier (npm script and `quorum audit verify` alike)
 * also checks what the entries say: a consumption or approval counts only approvers with a
 * `token.approval` for that token earlier in the log, and no entry names an actor that did not
 * exist then.
 */
describe('the audit verifier refuses entries that could not have happened', () => {
  /** A deployment with a log of every kind of actor: officers, an API key, a deleted officer and its key, a quorum-approved consumption. */
  async function deployment(): Promise<{ h: Harness; admin: Officer; co1: Officer; url: string; doomedId: number; doomedKeyId: string; pendingId: string; entries: () => Promise<Entry[]> }> {
    const { h, admin, officers: [co1] } = await Harness.withOfficers(['co1'], { worker: true, env: { QUORUM_CHECKPOINT_INTERVAL_MS: '100' } });
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const entries = async (): Promise<Entry[]> => (await h.redis.lrange(h.store.keys.audit(), 0, -1)).map((e) => JSON.parse(e) as Entry);
    const doomed = await h.addOfficer('doomed');
    const apiKey = (await h.request('POST', '/v1/api-keys', doomed.token, { name: 'doomed-robot', scopes: ['tokens:issue'] })).body.key as string;
    expect((await h.request('POST', '/v1/tokens', apiKey, { service: 'USER_MGMT', operation: { command: 'deployRelease' } })).status).toBe(201);
    expect((await h.request('DELETE', `/v1/users/${doomed.id}`, admin.token, {})).status).toBe(200);
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    const operation = { command: 'rotateKey', args: { key: 'billing' } };
    const approved = await h.approvedToken(admin, 'USER_MGMT', operation, [admin, co1]);
    expect((await h.request('POST', `/v1/tokens/${approved}/consume`, admin.token, { operation })).status).toBe(200);
    const pending = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'rotateKey', args: { key: 'payroll' } } });
    await settled(h);
    const doomedKeyId = (await entries()).find((e) => e.type === 'apikey.created')!.data.id as string;
    return { h, admin, co1, url, doomedId: doomed.id, doomedKeyId, pendingId: pending.body.token.id as string, entries };
  }

  /** Both tools on the deployment: the same line and exit code. */
  async function verdicts(d: Awaited<ReturnType<typeof deployment>>): Promise<{ code: number; line: string }> {
    const script = await scriptVerify(d.h);
    const cli = await cliVerify(d.url, d.admin.token, d.h.openssl.dir);
    expect({ code: cli.code, line: cli.line }).toEqual({ code: script.code, line: script.line });
    return { code: script.code, line: script.line };
  }

  it('passes a log of officers, API keys, a deleted officer and a quorum-approved consumption', async () => {
    const d = await deployment();
    try {
      const types = (await d.entries()).map((e) => e.type);
      for (const type of ['user.created', 'apikey.created', 'token.issued', 'user.deleted', 'token.approval', 'token.approved', 'token.consumed']) expect(types).toContain(type);
      expect(await verdicts(d)).toEqual({ code: 0, line: expect.stringMatching(/^audit log OK: /) });
    } finally {
      await d.h.close();
    }
  });

  it('refuses a consumption counting approvals nobody made, though sealed and signed by the real sealer', async () => {
    const d = await deployment();
    try {
      const seq = await appendForgedEntry(d.h, { type: 'token.consumed', actor: `user:${d.admin.id}`, data: { id: d.pendingId, approvals: [d.admin.id, d.co1.id] } });
      await settled(d.h);
      expect((await d.h.store.audit.checkpoints()).at(-1)!.seq).toBe(seq);
      expect(await verdicts(d)).toEqual({
        code: 1,
        line: `audit log BROKEN at entry ${seq}: entry ${seq} (token.consumed of token ${d.pendingId}) counts the approval of user ${d.admin.id}, but no token.approval by that user for that token comes before it: it was not written by quorumd`,
      });
    } finally {
      await d.h.close();
    }
  });

  it('refuses an approval of a token counting officers whose approvals were of another token', async () => {
    const d = await deployment();
    try {
      // The consumed token's approvers, claimed for the pending token that none of them approved.
      const consumed = (await d.entries()).find((e) => e.type === 'token.consumed')!;
      const seq = await appendForgedEntry(d.h, { type: 'token.approved', actor: `user:${d.co1.id}`, data: { id: d.pendingId, approvals: (consumed.data.approvals as number[]), required: 2 } });
      await settled(d.h);
      expect(await verdicts(d)).toEqual({ code: 1, line: expect.stringMatching(new RegExp(`^audit log BROKEN at entry ${seq}: entry ${seq} \\(token.approved of token ${d.pendingId}\\) counts the approval of user \\d+, but no token.approval`)) });
    } finally {
      await d.h.close();
    }
  });

  it('refuses an entry by a user never created, by a deleted officer, by a deleted officer’s API key, a user created by system, an approval of a token never issued', async () => {
    const d = await deployment();
    try {
      // The sealer is stopped, so each forged entry can be taken back; the attacker seals nothing itself (pending entries are checked too).
      await d.h.worker!.close();
      d.h.worker = undefined;
      const k = d.h.store.keys;
      const takeBack = async (): Promise<void> => {
        await d.h.redis.rpop(k.audit());
        await d.h.redis.hincrby(k.auditHead(), 'seq', -1);
      };
      const forged: [string, string, object][] = [
        ['user:99', 'quorum.m_changed', { service: 'USER_MGMT', from: 2, to: 1, forced: false }],
        [`user:${d.doomedId}`, 'token.approval', { id: d.pendingId }],
        [`apikey:${d.doomedKeyId}`, 'token.issued', { id: 'f'.repeat(32), service: 'USER_MGMT', command: 'deployRelease', m: 1 }],
        ['system', 'token.approval', { id: d.pendingId }],
        ['{"kind":"user","id":1}', 'token.rejected', { id: d.pendingId }],
        ['system', 'user.created', { id: 99, name: 'mallory', type: 'CO' }],
        [`user:${d.admin.id}`, 'token.approval', { id: 'e'.repeat(32) }],
      ];
      const lines: string[] = [];
      for (const [actor, type, data] of forged) {
        const seq = await appendForgedEntry(d.h, { type, actor, data });
        const verdict = await verdicts(d);
        expect(verdict.code).toBe(1);
        lines.push(verdict.line.replace(new RegExp(`\\b${seq}\\b`, 'g'), 'N'));
        await takeBack();
      }
      expect(lines).toEqual([
        'audit log BROKEN at entry N: entry N (quorum.m_changed) names the actor user:99, who did not exist then (not created earlier in the log, or deleted): it was not written by quorumd',
        `audit log BROKEN at entry N: entry N (token.approval) names the actor user:${d.doomedId}, who did not exist then (not created earlier in the log, or deleted): it was not written by quorumd`,
        `audit log BROKEN at entry N: entry N (token.issued) names the actor apikey:${d.doomedKeyId}, an API key that did not exist then (not created earlier in the log, or revoked): it was not written by quorumd`,
        `audit log BROKEN at entry N: entry N is an approval of token ${d.pendingId} by system, who is no officer: it was not written by quorumd`,
        'audit log BROKEN at entry N: entry N names an actor of no form quorumd writes ("{\\"kind\\":\\"user\\",\\"id\\":1}"): it was not written by quorumd',
        'audit log BROKEN at entry N: entry N creates user 99 as system, which only the bootstrap admin is: it was not written by quorumd',
        `audit log BROKEN at entry N: entry N (token.approval) is of token ${'e'.repeat(32)}, which was not issued earlier in the log (or was consumed already): it was not written by quorumd`,
      ]);
      expect((await verdicts(d)).code).toBe(0);
    } finally {
      await d.h.close();
    }
  });
});

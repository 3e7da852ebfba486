import { randomBytes } from 'node:crypto';
import { Harness, type Officer } from '../support/harness';

/**
 * Someone who can write to Redis (but holds no officer's private key) writes vote records
 * into a token's hash. The quorum gate verifies every vote's signature in Node before a
 * protected command or /consume runs: such votes never count, and each one found is audited.
 */
describe('the quorum gate counts only votes whose signatures verify', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['gate_co1', 'gate_co2', 'gate_co3']));
    await h.setM(admin, 'USER_MGMT', 2, [co1]);
  });
  afterAll(async () => {
    await h.close();
  });

  /** Writes a vote record for `officer` straight into the token's hash, as an approval would store it. */
  async function writeVote(id: string, officer: Officer, signature: Buffer): Promise<void> {
    const kgen = (await h.redis.hget(h.store.keys.user(officer.id), 'kgen')) ?? '0';
    await h.redis.hset(h.store.keys.token(id), `v:${officer.id}`, Buffer.concat([Buffer.from(`|${Date.now()}|${kgen}|`), signature]));
  }

  /** Marks a token APPROVED in Redis, as the approve script would once its votes reach M. */
  async function markApproved(id: string): Promise<void> {
    const now = Date.now();
    await h.redis.hset(h.store.keys.token(id), { status: 'APPROVED', apAt: now, apUntil: now + 600_000 });
  }

  async function issue(requester: Officer, operation: object): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', requester.token, { service: 'USER_MGMT', operation });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }

  async function auditOf(id: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
    return (await h.redis.lrange(h.store.keys.audit(), 0, -1)).map((e) => JSON.parse(e)).filter((e) => e.data?.id === id);
  }

  it('refuses a protected command whose token is APPROVED in Redis by vote records nobody signed, and audits each', async () => {
    const operation = { command: 'createUser', args: { type: 'CU', name: 'forged_cu' } };
    const id = await issue(admin, operation);
    await writeVote(id, co1, randomBytes(256));
    await writeVote(id, co2, randomBytes(256));
    await markApproved(id);

    const res = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'forged_cu', password: 'forged-password-1', quorumToken: id });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect(res.body.message).toContain('0 of 2 approvals');
    const users = (await h.request('GET', '/v1/users', admin.token)).body.users as { name: string }[];
    expect(users.map((u) => u.name)).not.toContain('forged_cu');

    const refused = (await auditOf(id)).filter((e) => e.type === 'token.vote_refused');
    expect(refused.map((e) => e.data.user as number).sort((a, b) => a - b)).toEqual([co1.id, co2.id].sort((a, b) => a - b));
    expect((await auditOf(id)).some((e) => e.type === 'token.consumed')).toBe(false);
  });

  it("refuses a vote record copied from another token's valid approval", async () => {
    const donor = await issue(admin, { command: 'deployRelease', args: { v: 'donor' } });
    const donorBytes = await h.tokenBytes(donor, co1.token);
    const copied = Buffer.from(h.openssl.sign(co1.key!.privatePath, donorBytes), 'base64');

    const operation = { command: 'changePswd', args: { id: co3.id } };
    const id = await issue(admin, operation);
    expect((await h.approve(id, co2)).status).toBe(200);
    await writeVote(id, co1, copied);
    await markApproved(id);

    const res = await h.request('PUT', `/v1/users/${co3.id}/password`, admin.token, { password: 'taken-over-password', quorumToken: id });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect(res.body.message).toContain('1 of');
    // co3 still logs in with its own password.
    await expect(h.login('gate_co3', 'gate_co3-password')).resolves.toEqual(expect.any(String));
  });

  it('refuses a vote signed by a key swapped in under an officer’s fingerprint', async () => {
    const operation = { command: 'deployRelease', args: { v: 'swapped-key' } };
    const id = await issue(admin, operation);
    expect((await h.approve(id, co1)).status).toBe(200);
    // The attacker's own key goes where co3's public key is stored, and signs the token for co3.
    const attacker = h.openssl.genrsa(2048);
    await h.redis.set(h.store.keys.quorumKey(co3.key!.fingerprint), attacker.publicPem);
    const bytes = await h.tokenBytes(id, co1.token);
    await writeVote(id, co3, Buffer.from(h.openssl.sign(attacker.privatePath, bytes), 'base64'));
    await markApproved(id);

    const res = await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect((await auditOf(id)).filter((e) => e.type === 'token.vote_refused').map((e) => e.data.user)).toEqual([co3.id]);
    await h.redis.set(h.store.keys.quorumKey(co3.key!.fingerprint), co3.key!.publicPem);
  });

  it('runs the command when enough real votes carry it, ignoring and auditing a forged one beside them', async () => {
    const operation = { command: 'deployRelease', args: { v: 'real-votes' } };
    const id = await issue(admin, operation);
    expect((await h.approve(id, co1)).status).toBe(200);
    expect((await h.approve(id, co2)).body.token.status).toBe('APPROVED');
    await writeVote(id, co3, randomBytes(256));

    const res = await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation });
    expect(res.status).toBe(200);
    expect(res.body.bundle.approvals.map((a: { userId: number }) => a.userId).sort((a: number, b: number) => a - b)).toEqual([co1.id, co2.id].sort((a, b) => a - b));
    const entries = await auditOf(id);
    expect(entries.filter((e) => e.type === 'token.vote_refused').map((e) => e.data.user)).toEqual([co3.id]);
    expect(entries.find((e) => e.type === 'token.consumed')?.data.approvals).toEqual([co1.id, co2.id].sort((a, b) => a - b));
  });
});

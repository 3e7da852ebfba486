import { verifyBundle } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';

/**
 * A token must satisfy the M of now as well as its own: raising an M raises every open
 * token's bar, and no token outlives the longest time it may ask for.
 */

describe('a token issued before an M was raised', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
  });
  afterAll(() => h.close());

  it('cannot be approved alone and run after both M values were raised to 3', async () => {
    const lower = await h.requestToken(co1.token, 'QUORUM_MGMT', { command: 'setMValue', args: { service: 'USER_MGMT', m: 1 } }, { ttlSeconds: 3600 });
    const rogue = await h.requestToken(co1.token, 'USER_MGMT', { command: 'createUser', args: { type: 'CO', name: 'rogue' } }, { ttlSeconds: 3600 });
    expect([lower.status, rogue.status]).toEqual([201, 201]);
    // One of them is already APPROVED (m = 1) before the raise.
    expect((await h.approve(rogue.body.token.id, co1)).body.token.status).toBe('APPROVED');

    await h.setM(admin, 'QUORUM_MGMT', 3, [admin, co1, co2]);
    await h.setM(admin, 'USER_MGMT', 3, [admin, co1, co2]);

    const reopened = (await h.request('GET', `/v1/tokens/${rogue.body.token.id}`, co1.token)).body.token;
    expect(reopened).toMatchObject({ status: 'PENDING', m: 1, required: 3 });
    const approved = await h.approve(lower.body.token.id, co1);
    expect(approved.body.token).toMatchObject({ status: 'PENDING', m: 1, required: 3 });

    const setM = await h.request('PUT', '/v1/quorum/values/USER_MGMT', co1.token, { m: 1, quorumToken: lower.body.token.id });
    expect(setM.status).toBe(403);
    expect(setM.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/1 of 3 approvals/) });
    const create = await h.request('POST', '/v1/users', co1.token, { type: 'CO', name: 'rogue', password: 'rogue-password', quorumToken: rogue.body.token.id });
    expect(create.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/1 of 3 approvals/) });
    expect((await h.request('GET', '/v1/quorum/values/USER_MGMT', admin.token)).body.m).toBe(3);
    expect((await h.request('GET', '/v1/users', admin.token)).body.users.map((u: { name: string }) => u.name)).not.toContain('rogue');

    // The offline verifier holds a bundle to the same bar as the server.
    const bundle = (await h.request('GET', `/v1/tokens/${rogue.body.token.id}/bundle`, co1.token)).body.bundle;
    expect(bundle.required).toBe(3);
    expect(verifyBundle(bundle)).toEqual({ ok: false, reason: '1 of 3 approvals' });
  });

  it('cannot be consumed by an external system with its old m either', async () => {
    const operation = { command: 'deployRelease', args: { version: '9.9.9' } };
    const id = (await h.requestToken(co1.token, 'USER_MGMT', operation)).body.token.id;
    await h.approve(id, co1);
    const used = await h.request('POST', `/v1/tokens/${id}/consume`, co1.token, { operation });
    expect(used.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/1 of 3 approvals/) });
  });

  it('is never issued with an M that another API replica has raised since this one last read it', async () => {
    // A second replica of the same deployment: its own process memory, the same Redis.
    const other = await Harness.start({ prefix: h.prefix, issuer: h.issuer });
    try {
      const before = await other.requestToken(admin.token, 'USER_MGMT', { command: 'deleteUser', args: { id: 77 } });
      expect(before.status).toBe(201);
      const m = before.body.token.m as number;
      await h.setM(admin, 'USER_MGMT', m + 1 > 3 ? 2 : m + 1, [admin, co1, co2]);
      const now = (await h.request('GET', '/v1/quorum/values/USER_MGMT', admin.token)).body.m as number;
      expect(now).not.toBe(m);
      // The replica that read M before the change signs the M of now into the token bytes.
      const after = await other.requestToken(admin.token, 'USER_MGMT', { command: 'deleteUser', args: { id: 78 } });
      expect(after.status).toBe(201);
      expect(after.body.token.m).toBe(now);
      expect(JSON.parse((await other.tokenBytes(after.body.token.id, admin.token)).toString('utf8')).m).toBe(now);
    } finally {
      await other.close({ keepKeys: true });
    }
  });

  it('cannot ask for a day-long token: ttlSeconds is capped by QUORUM_MAX_TOKEN_TTL_SECONDS', async () => {
    const res = await h.requestToken(co1.token, 'USER_MGMT', { command: 'deployRelease' }, { ttlSeconds: 86400 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'RET_BAD_REQUEST', message: expect.stringMatching(/at most 3600/) });
  });
});

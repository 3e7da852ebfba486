import { createHash } from 'node:crypto';
import { canonicalJson } from '@quorumd/core';
import { Harness, type Officer } from './support/harness';

describe('token lifecycle rules', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;
  let doomed: Officer;

  beforeAll(async () => {
    h = await Harness.start({ env: { QUORUM_APPROVED_TIMEOUT_SECONDS: '1' } });
    admin = await h.adminOfficer();
    co1 = await h.addOfficer('co1');
    co2 = await h.addOfficer('co2');
    co3 = await h.addOfficer('co3');
    doomed = await h.addOfficer('doomed');
    await h.setM(admin, 'USER_MGMT', 2, [co1, co2]);
  });
  afterAll(() => h.close());

  async function issue(operation: object, as: Officer = admin): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', as.token, { service: 'USER_MGMT', operation });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }

  async function status(id: string): Promise<string> {
    return (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.status as string;
  }

  it('a key change voids the CO’s votes: the token drops back to PENDING and the CO cannot vote again', async () => {
    const id = await issue({ command: 'deleteUser', args: { id: 900 } });
    await h.approve(id, co1);
    expect((await h.approve(id, co2)).body.token.status).toBe('APPROVED');
    await h.registerKey(co1);
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.status).toBe('PENDING');
    expect(token.approvals.map((a: { userId: number }) => a.userId)).toEqual([co2.id]);
    const again = await h.approve(id, co1);
    expect(again.body.code).toBe('RET_ALREADY_APPROVED');
    const used = await h.request('DELETE', '/v1/users/900', admin.token, { quorumToken: id });
    expect(used.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/1 of 2 approvals/) });
    expect((await h.approve(id, co3)).body.token.status).toBe('APPROVED');
  });

  it('deleting a CO whose vote carried a token sends it back below M', async () => {
    const id = await issue({ command: 'deleteUser', args: { id: 901 } });
    await h.approve(id, doomed);
    expect((await h.approve(id, co1)).body.token.status).toBe('APPROVED');
    const del = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: doomed.id } }, [co2, co3]);
    expect((await h.request('DELETE', `/v1/users/${doomed.id}`, admin.token, { quorumToken: del })).status).toBe(200);
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.status).toBe('PENDING');
    expect(token.approvals.map((a: { userId: number }) => a.userId)).toEqual([co1.id]);
    expect((await h.request('GET', '/v1/users', admin.token)).body.users.some((u: { name: string }) => u.name === 'doomed')).toBe(false);
  });

  it('rejections that put M out of reach make the token REJECTED', async () => {
    const id = await issue({ command: 'deleteUser', args: { id: 902 } });
    // 4 key holders left (admin, co1-co3), M = 2: after 2 rejections 2 can still approve; after 3 only 1 can.
    expect((await h.request('POST', `/v1/tokens/${id}/rejections`, co1.token, { reason: 'no ticket' })).body.token.status).toBe('PENDING');
    expect((await h.request('POST', `/v1/tokens/${id}/rejections`, co2.token, {})).body.token.status).toBe('PENDING');
    const third = await h.request('POST', `/v1/tokens/${id}/rejections`, co3.token, { reason: 'no' });
    expect(third.body.token.status).toBe('REJECTED');
    expect(third.body.token.rejections).toEqual([
      expect.objectContaining({ userId: co1.id, reason: 'no ticket' }),
      expect.objectContaining({ userId: co2.id, reason: '' }),
      expect.objectContaining({ userId: co3.id, reason: 'no' }),
    ]);
    expect((await h.approve(id, admin)).body.code).toBe('RET_TOKEN_NOT_PENDING');
  });

  it('an APPROVED token must be used within the approved timeout', async () => {
    const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: 903 } }, [co1, co2]);
    const view = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(Date.parse(view.approvedExpiresAt) - Date.now()).toBeLessThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await status(id)).toBe('EXPIRED');
    const res = await h.request('DELETE', '/v1/users/903', admin.token, { quorumToken: id });
    expect(res.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/expired/) });
  });

  it('only the requester or a CO deletes a token; only the requester uses it', async () => {
    const id = await issue({ command: 'deleteUser', args: { id: 904 } }, co1);
    const key = await h.request('POST', '/v1/api-keys', admin.token, { name: 'bot' });
    expect((await h.request('DELETE', `/v1/tokens/${id}`, key.body.key)).body.code).toBe('RET_TOKEN_NOT_FOUND');
    expect((await h.request('DELETE', `/v1/tokens/${id}`, co2.token)).status).toBe(200);
    expect(await status(id)).toBe('DELETED');
  });

  it('lists tokens newest first, filtered by status', async () => {
    const id = await issue({ command: 'deleteUser', args: { id: 905 } });
    const all = await h.request('GET', '/v1/tokens?limit=3', admin.token);
    expect(all.body.tokens[0].id).toBe(id);
    expect(all.body.tokens.length).toBeLessThanOrEqual(3);
    const pending = await h.request('GET', '/v1/tokens?status=PENDING', admin.token);
    expect(pending.body.tokens.every((t: { status: string }) => t.status === 'PENDING')).toBe(true);
    expect(pending.body.tokens.some((t: { id: string }) => t.id === id)).toBe(true);
  });
});

describe('self-approval off', () => {
  let h: Harness;
  afterAll(() => h.close());

  it('refuses the requester’s own approval', async () => {
    h = await Harness.start({ env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' } });
    const admin = await h.adminOfficer();
    const co1 = await h.addOfficer('co1');
    const id = (await h.request('POST', '/v1/tokens', admin.token, { service: 3, operation: { command: 'deleteUser', args: { id: 9 } } })).body.token.id;
    const before = await h.snapshot();
    const own = await h.approve(id, admin);
    expect(own.body.code).toBe('RET_FORBIDDEN');
    expect(await h.snapshot()).toEqual(before);
    expect((await h.approve(id, co1)).body.token.status).toBe('APPROVED');
  });
});

describe('API keys for automation', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let key: string;

  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
    const created = await h.request('POST', '/v1/api-keys', admin.token, { name: 'deployer', scopes: ['tokens:issue', 'tokens:read', 'tokens:consume'] });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^qk_[0-9a-f]{12}_/);
    key = created.body.key;
  });
  afterAll(() => h.close());

  it('requests a token, waits for it, and consumes it with the exact operation', async () => {
    const operation = { command: 'deployRelease', args: { service: 'billing', version: '4.2.0' } };
    const issued = await h.request('POST', '/v1/tokens', key, { service: 'USER_MGMT', operation });
    expect(issued.body.token.requester).toMatchObject({ kind: 'apikey', name: 'deployer' });
    const id = issued.body.token.id;
    const waiting = h.request('GET', `/v1/tokens/${id}?wait=10`, key);
    await h.approve(id, co1);
    expect((await waiting).body.token.status).toBe('APPROVED');
    const wrong = await h.request('POST', `/v1/tokens/${id}/consume`, key, { operation: { command: 'deployRelease', args: { service: 'billing', version: '4.2.1' } } });
    expect(wrong.body.code).toBe('RET_MXN_AUTH_FAILED');
    const used = await h.request('POST', `/v1/tokens/${id}/consume`, key, { operation });
    expect(used.status).toBe(200);
    expect(used.body.bundle.approvals).toEqual([expect.objectContaining({ userId: co1.id, fingerprint: co1.key!.fingerprint })]);
  });

  it('cannot use a token for an operation whose digest another operation carries in its args', async () => {
    const target = { command: 'deployRelease', args: { service: 'billing', version: '9.9.9' } };
    const digest = createHash('sha256').update(canonicalJson(target)).digest('hex');
    // A decoy that carries the target's operation and digest as data, in canonical order before the real digest.
    const decoy = { command: 'deployRelease', args: { operation: target, operationDigest: digest } };
    const issued = await h.request('POST', '/v1/tokens', key, { service: 'USER_MGMT', operation: decoy });
    const id = issued.body.token.id as string;
    expect((await h.approve(id, co1)).body.token.status).toBe('APPROVED');
    const refused = await h.request('POST', `/v1/tokens/${id}/consume`, key, { operation: target });
    expect(refused.body.code).toBe('RET_MXN_AUTH_FAILED');
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, key, { operation: decoy })).status).toBe(200);
  });

  it('a used token’s bundle names the keys that carried it, after the officer has changed keys', async () => {
    const operation = { command: 'deployRelease', args: { service: 'billing', version: '5.0.0' } };
    const id = (await h.request('POST', '/v1/tokens', key, { service: 'USER_MGMT', operation })).body.token.id as string;
    await h.approve(id, co1);
    const before = co1.key!;
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, key, { operation })).status).toBe(200);
    await h.registerKey(co1);
    expect(co1.key!.fingerprint).not.toBe(before.fingerprint);
    const bundle = (await h.request('GET', `/v1/tokens/${id}/bundle`, key)).body.bundle;
    expect(bundle.approvals).toEqual([expect.objectContaining({ userId: co1.id, fingerprint: before.fingerprint })]);
    const bytes = Buffer.from(bundle.tokenBytes, 'base64');
    expect(h.openssl.verify(bundle.approvals[0].publicKeyPem, bytes, bundle.approvals[0].signature)).toBe(true);
  });

  it('cannot approve, manage users, or see others’ tokens', async () => {
    const mine = (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 5 } } })).body.token.id;
    expect((await h.request('POST', `/v1/tokens/${mine}/approvals`, key, { signature: 'QUJD' })).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('POST', '/v1/users', key, { type: 'CU', name: 'x', password: 'xxxxxxxx' })).body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('GET', `/v1/tokens/${mine}`, key)).body.code).toBe('RET_TOKEN_NOT_FOUND');
    expect((await h.request('GET', '/v1/tokens', key)).body.tokens.some((t: { id: string }) => t.id === mine)).toBe(false);
  });

  it('a key without a scope is refused that call, and a revoked key everything', async () => {
    const limited = await h.request('POST', '/v1/api-keys', admin.token, { name: 'reader', scopes: ['tokens:read'] });
    const res = await h.request('POST', '/v1/tokens', limited.body.key, { service: 'USER_MGMT', operation: { command: 'x' } });
    expect(res.body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('DELETE', `/v1/api-keys/${limited.body.apiKey.id}`, admin.token)).status).toBe(200);
    expect((await h.request('GET', '/v1/tokens', limited.body.key)).body.code).toBe('RET_UNAUTHORIZED');
    const stored = await h.redis.hgetall(h.store.keys.apiKey(limited.body.apiKey.id));
    expect(stored).toEqual({});
  });

  it('stores only a hash of the key', async () => {
    const listed = await h.request('GET', '/v1/api-keys', admin.token);
    const id = listed.body.apiKeys.find((k: { name: string }) => k.name === 'deployer').id;
    const stored = await h.redis.hgetall(h.store.keys.apiKey(id));
    // The secret is everything after `qk_<id>_` (it may itself contain '_').
    const secret = key.slice(`qk_${id}_`.length);
    expect(secret).toHaveLength(32);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

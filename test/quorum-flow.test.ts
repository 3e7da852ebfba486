import { verifyBundle } from '@quorumd/client';
import { signWithForge } from '@quorumd/core';
import { Harness, type Officer } from './support/harness';

/**
 * The seed's situation, lived through the HTTP API: createUser fails with
 * RET_MXN_AUTH_FAILED until two COs have signed the token, then runs exactly once.
 */
describe('the quorum workflow over HTTP', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['officer1', 'officer2']));
  });
  afterAll(() => h.close());

  it('listUsers shows who holds a quorum key', async () => {
    const nokey = await h.addOfficer('nokey', { key: false });
    const res = await h.request('GET', '/v1/users', admin.token);
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.users.map((u: { name: string }) => [u.name, u]));
    expect(byName.admin).toMatchObject({ id: 1, type: 'CO', mofnPubKey: true, loginFailureCnt: 0, twoFactor: false });
    expect(byName.officer1).toMatchObject({ type: 'CO', mofnPubKey: true });
    expect(byName.nokey).toMatchObject({ id: nokey.id, type: 'CO', mofnPubKey: false });
  });

  it('createUser needs two approvals once USER_MGMT M is 2, then runs exactly once', async () => {
    const setM = await h.request('PUT', '/v1/quorum/values/USER_MGMT', admin.token, { m: 2 });
    expect(setM.status).toBe(200);
    expect(setM.body).toEqual({ service: 'USER_MGMT', number: 3, m: 2 });

    const before = await h.snapshot();
    const refused = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'alice', password: 'alice-password' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: 'Quorum approval is required for this operation: 0 of 2 approvals' });
    expect(refused.body.requestId).toEqual(expect.any(String));
    expect(await h.snapshot()).toEqual(before);

    const issued = await h.request('POST', '/v1/tokens', admin.token, {
      service: 'USER_MGMT',
      operation: { command: 'createUser', args: { type: 'CU', name: 'alice' } },
    });
    expect(issued.status).toBe(201);
    const token = issued.body.token;
    expect(token).toMatchObject({ status: 'PENDING', m: 2, service: 'USER_MGMT', approvals: [], requester: { kind: 'user', id: 1, name: 'admin' } });

    const bytes = await h.tokenBytes(token.id, co1.token);
    const doc = JSON.parse(bytes.toString('utf8'));
    expect(Object.keys(doc)).toEqual(
      ['expiresAt', 'id', 'issuedAt', 'issuer', 'm', 'nonce', 'operation', 'operationDigest', 'requester', 'service', 'type', 'v'],
    );
    expect(doc).toMatchObject({ v: 1, type: 'quorum-token', id: token.id, m: 2, issuer: h.issuer });
    expect(bytes.at(-1)).not.toBe(0x0a);

    // An openssl-made RS256 approval.
    const first = await h.request('POST', `/v1/tokens/${token.id}/approvals`, co1.token, { signature: h.openssl.sign(co1.key!.privatePath, bytes) });
    expect(first.status).toBe(200);
    expect(first.body.token.status).toBe('PENDING');
    expect(first.body.token.approvals).toEqual([expect.objectContaining({ userId: co1.id, fingerprint: co1.key!.fingerprint, alg: 'RS256' })]);

    const early = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'alice', password: 'alice-password', quorumToken: token.id });
    expect(early.status).toBe(403);
    expect(early.body.message).toBe('Quorum approval is required for this operation: 1 of 2 approvals');

    // A node-forge PS256 approval, while a waiter long-polls.
    const waiter = h.request('GET', `/v1/tokens/${token.id}?wait=10`, admin.token);
    const second = await h.request('POST', `/v1/tokens/${token.id}/approvals`, co2.token, {
      signature: signWithForge(co2.key!.privatePem, 'PS256', bytes),
      alg: 'PS256',
    });
    expect(second.status).toBe(200);
    expect(second.body.token.status).toBe('APPROVED');
    expect((await waiter).body.token.status).toBe('APPROVED');

    const created = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'alice', password: 'alice-password', quorumToken: token.id });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ type: 'CU', name: 'alice', mofnPubKey: false });

    const read = await h.request('GET', `/v1/tokens/${token.id}`, admin.token);
    expect(read.body.token.status).toBe('CONSUMED');

    const replay = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'alice2', password: 'alice-password', quorumToken: token.id });
    expect(replay.status).toBe(403);
    expect(replay.body.code).toBe('RET_MXN_AUTH_FAILED');

    const audit = await h.store.audit.verify();
    expect(audit.ok).toBe(true);
  });

  it('a bundle verifies offline with openssl', async () => {
    await h.request('PUT', '/v1/quorum/values/USER_MGMT', admin.token, { m: 1 });
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'user', operation: { command: 'deleteUser', args: { id: 99 } } });
    await h.approve(issued.body.token.id, co1);
    const res = await h.request('GET', `/v1/tokens/${issued.body.token.id}/bundle`, admin.token);
    expect(res.status).toBe(200);
    const bundle = res.body.bundle;
    expect(bundle.approvals).toHaveLength(1);
    const bytes = Buffer.from(bundle.tokenBytes, 'base64');
    expect(h.openssl.verify(bundle.approvals[0].publicKeyPem, bytes, bundle.approvals[0].signature)).toBe(true);
  });

  it('the bundle of a used token keeps the approvals it needed then, after M is raised', async () => {
    await h.setM(admin, 'USER_MGMT', 2, [co1, co2]);
    const operation = { command: 'deployRelease', args: { version: '4.2.0' } };
    const id = await h.approvedToken(admin, 'USER_MGMT', operation, [co1, co2]);
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation })).status).toBe(200);
    await h.setM(admin, 'USER_MGMT', 3, [admin, co1, co2]);
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token).toMatchObject({ status: 'CONSUMED', required: 2 });
    const bundle = (await h.request('GET', `/v1/tokens/${id}/bundle`, admin.token)).body.bundle;
    expect(bundle.required).toBe(2);
    expect(verifyBundle(bundle)).toMatchObject({ ok: true, approvals: 2, m: 2 });
  });
});

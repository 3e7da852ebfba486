import { createServer, type Server } from 'node:http';
import { OutboundPolicy, hashPassword } from '@quorumd/core';
import { verifyBundle } from '@quorumd/client';
import { DeliveryFailed, postDelivery } from '@quorumd/queue';
import { Harness, type Officer, type Reply } from './support/harness';
import { Receiver } from './support/receiver';

/**
 * One insider — an officer with a valid account, an API-key holder, anyone who can reach
 * the port — trying to get past the quorum. Each test is named after the attack it
 * guards against, runs over HTTP on a real Redis, and failed before the fix.
 */

async function issue(h: Harness, as: string, service: string, operation: object, extra: object = {}): Promise<Reply> {
  return h.request('POST', '/v1/tokens', as, { service, operation, ...extra });
}

describe('1. stale M: a token requested before M was raised', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
  });
  afterAll(() => h.close());

  it('cannot be approved alone and run after both M values were raised to 3', async () => {
    const lower = await issue(h, co1.token, 'QUORUM_MGMT', { command: 'setMValue', args: { service: 'USER_MGMT', m: 1 } }, { ttlSeconds: 3600 });
    const rogue = await issue(h, co1.token, 'USER_MGMT', { command: 'createUser', args: { type: 'CO', name: 'rogue' } }, { ttlSeconds: 3600 });
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
    const id = (await issue(h, co1.token, 'USER_MGMT', operation)).body.token.id;
    await h.approve(id, co1);
    const used = await h.request('POST', `/v1/tokens/${id}/consume`, co1.token, { operation });
    expect(used.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/1 of 3 approvals/) });
  });

  it('is never issued with an M that another API replica has raised since this one last read it', async () => {
    // A second replica of the same deployment: its own process memory, the same Redis.
    const other = await Harness.start({ prefix: h.prefix, issuer: h.issuer });
    try {
      const before = await issue(other, admin.token, 'USER_MGMT', { command: 'deleteUser', args: { id: 77 } });
      expect(before.status).toBe(201);
      const m = before.body.token.m as number;
      await h.setM(admin, 'USER_MGMT', m + 1 > 3 ? 2 : m + 1, [admin, co1, co2]);
      const now = (await h.request('GET', '/v1/quorum/values/USER_MGMT', admin.token)).body.m as number;
      expect(now).not.toBe(m);
      // The replica that read M before the change signs the M of now into the token bytes.
      const after = await issue(other, admin.token, 'USER_MGMT', { command: 'deleteUser', args: { id: 78 } });
      expect(after.status).toBe(201);
      expect(after.body.token.m).toBe(now);
      expect(JSON.parse((await other.tokenBytes(after.body.token.id, admin.token)).toString('utf8')).m).toBe(now);
    } finally {
      await other.close({ keepKeys: true });
    }
  });

  it('cannot ask for a day-long token: ttlSeconds is capped by QUORUM_MAX_TOKEN_TTL_SECONDS', async () => {
    const res = await issue(h, co1.token, 'USER_MGMT', { command: 'deployRelease' }, { ttlSeconds: 86400 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'RET_BAD_REQUEST', message: expect.stringMatching(/at most 3600/) });
  });
});

describe('2. one key, two votes: a second account registering a key already in use', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let sock: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    sock = await h.addOfficer('sock', { key: false });
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
  });
  afterAll(() => h.close());

  it('is refused with 409 RET_KEY_IN_USE, so co1’s signature cannot count twice', async () => {
    const key = co1.key!;
    const before = await h.snapshot();
    await expect(h.registerKey(sock, { privatePem: key.privatePem, publicPem: key.publicPem, privatePath: key.privatePath })).rejects.toThrow(/RET_KEY_IN_USE/);
    const after = await h.snapshot();
    // Only the (unused, now expired by its own TTL) challenge was written.
    expect(Object.keys(after).filter((k) => !k.includes(':challenge:'))).toEqual(Object.keys(before));

    const id = (await issue(h, co1.token, 'USER_MGMT', { command: 'createUser', args: { type: 'CO', name: 'rogue' } })).body.token.id;
    const signed = await h.approve(id, co1);
    expect(signed.body.token).toMatchObject({ status: 'PENDING', required: 2 });
    const replay = await h.request('POST', `/v1/tokens/${id}/approvals`, sock.token, { signature: h.openssl.sign(key.privatePath, await h.tokenBytes(id, co1.token)) });
    expect(replay.body.code).toBe('RET_QUORUM_KEY_NOT_REGISTERED');
    const bundle = (await h.request('GET', `/v1/tokens/${id}/bundle`, admin.token)).body.bundle;
    expect(verifyBundle(bundle)).toEqual({ ok: false, reason: '1 of 2 approvals' });
  });

  it('a key given up and registered again does not revive the votes it made before', async () => {
    const id = (await issue(h, admin.token, 'USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'revived' } })).body.token.id;
    await h.approve(id, co2);
    const first = { ...co2.key! };
    await h.registerKey(co2); // a new key: the vote stops counting
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.approvals).toEqual([]);
    await h.registerKey(co2, first); // the old key again
    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.approvals).toEqual([]);
    expect((await h.approve(id, co2)).body.code).toBe('RET_ALREADY_APPROVED');
    // Its old key's signature sent from another account counts once, for that account.
    await h.registerKey(co2); // co2 gives the key up again
    await h.registerKey(sock, first);
    const replay = await h.request('POST', `/v1/tokens/${id}/approvals`, sock.token, { signature: h.openssl.sign(first.privatePath, await h.tokenBytes(id, sock.token)) });
    expect(replay.body.token.approvals.map((a: { userId: number }) => a.userId)).toEqual([sock.id]);
    expect(replay.body.token.status).toBe('PENDING');
  });
});

describe('3. self-approval through one’s own API key (QUORUM_REQUESTER_MAY_APPROVE=false)', () => {
  let h: Harness;
  let co1: Officer;
  let co2: Officer;
  let key: string;
  beforeAll(async () => {
    ({ h, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2'], { env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' }, worker: true }));
    key = (await h.request('POST', '/v1/api-keys', co1.token, { name: 'co1-robot', scopes: ['tokens:issue', 'tokens:read'] })).body.key;
    // Approval requests go to officers with a webhook.
    for (const o of [co1, co2]) await h.request('PUT', '/v1/officers/me/webhook', o.token, { url: 'http://127.0.0.1:9/hook', secret: 'sixteen-characters' });
  });
  afterAll(() => h.close());

  it('is refused: the API key acts for its owner in approval, rejection, the queue and the fan-out', async () => {
    const res = await issue(h, key, 'USER_MGMT', { command: 'deployRelease', args: { version: '1' } });
    expect(res.status).toBe(201);
    const id = res.body.token.id;
    const own = await h.approve(id, co1);
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('RET_FORBIDDEN');
    const queue = (await h.request('GET', '/v1/officers/me/pending', co1.token)).body.tokens.map((t: { id: string }) => t.id);
    expect(queue).not.toContain(id);
    expect((await h.request('GET', '/v1/officers/me/pending', co2.token)).body.tokens.map((t: { id: string }) => t.id)).toContain(id);
    // Fan-out: an approval request for co2 (and the admin), none for co1.
    const queues = h.worker!.queues;
    const deadline = Date.now() + 5000;
    while (!(await queues.deliveries.getJob(`approval.requested-${id}-co${co2.id}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await queues.deliveries.getJob(`approval.requested-${id}-co${co2.id}`)).toBeDefined();
    expect(await queues.deliveries.getJob(`approval.requested-${id}-co${co1.id}`)).toBeUndefined();
    expect((await h.approve(id, co2)).body.token.status).toBe('APPROVED');
  });

  it('the lock-out guard counts the API key’s owner out too', async () => {
    // 3 key holders (admin, co1, co2), requester may not approve: 2 could approve.
    const res = await h.request('PUT', '/v1/quorum/values/USER_MGMT', co1.token, { m: 3 });
    expect(res.body.code).toBe('RET_M_EXCEEDS_APPROVERS');
  });
});

describe('3b. a requester’s own vote, cast while QUORUM_REQUESTER_MAY_APPROVE was true, after it is set to false', () => {
  let h: Harness;
  let strict: Harness | undefined;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
  });
  afterAll(async () => {
    await strict?.close({ keepKeys: true });
    await h.close();
  });

  it('no longer counts: not toward APPROVED, not in the gate of a protected command or /consume, not in the bundle', async () => {
    const create = { command: 'createUser', args: { type: 'CU', name: 'selfish' } };
    const pending = (await issue(h, admin.token, 'USER_MGMT', create)).body.token.id as string;
    expect((await h.approve(pending, admin)).body.token).toMatchObject({ status: 'PENDING', approvals: [expect.objectContaining({ userId: 1 })] });
    const deploy = { command: 'deployRelease', args: { version: '7' } };
    const approved = await h.approvedToken(admin, 'USER_MGMT', deploy, [admin, co1]);

    // The same deployment, restarted with self-approval off.
    strict = await Harness.start({ prefix: h.prefix, issuer: h.issuer, env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' } });
    const read = (await strict.request('GET', `/v1/tokens/${pending}`, admin.token)).body.token;
    expect(read).toMatchObject({ status: 'PENDING', approvals: [] });
    const second = await strict.approve(pending, co1);
    expect(second.body.token).toMatchObject({ status: 'PENDING', required: 2 });
    expect(second.body.token.approvals.map((a: { userId: number }) => a.userId)).toEqual([co1.id]);
    const refused = await strict.request('POST', '/v1/users', admin.token, { ...create.args, password: 'selfish-password', quorumToken: pending });
    expect(refused.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/1 of 2 approvals/) });
    expect(verifyBundle((await strict.request('GET', `/v1/tokens/${pending}/bundle`, admin.token)).body.bundle)).toEqual({ ok: false, reason: '1 of 2 approvals' });

    // Approved before the change by the requester and one other: the gate finds one vote.
    const used = await strict.request('POST', `/v1/tokens/${approved}/consume`, admin.token, { operation: deploy });
    expect(used.body).toMatchObject({ code: 'RET_MXN_AUTH_FAILED', message: expect.stringMatching(/1 of 2 approvals/) });

    // A second officer's vote carries it.
    expect((await strict.approve(pending, co2)).body.token.status).toBe('APPROVED');
    expect((await strict.request('POST', '/v1/users', admin.token, { ...create.args, password: 'selfish-password', quorumToken: pending })).status).toBe(201);
  });
});

describe('4. credentials that outlive the change', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
  });
  afterAll(() => h.close());

  const alive = async (token: string) => (await h.request('GET', '/v1/users', token)).status === 200;

  it('changing one’s own password needs the current one, and ends every session of the user', async () => {
    const other = await h.login('co1', 'co1-password');
    const without = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'stolen-session-pw' });
    expect(without.body.code).toBe('RET_LOGIN_FAILED');
    const wrong = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'stolen-session-pw', currentPassword: 'guess-guess' });
    expect(wrong.body.code).toBe('RET_LOGIN_FAILED');
    const ok = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'co1-password-2', currentPassword: 'co1-password' });
    expect(ok.status).toBe(200);
    expect([await alive(co1.token), await alive(other)]).toEqual([false, false]);
    co1.token = await h.login('co1', 'co1-password-2');
  });

  it('a quorum-approved reset of another user’s password ends that user’s sessions', async () => {
    const victim = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'reset_me', password: 'reset-me-password' });
    const session = await h.login('reset_me', 'reset-me-password');
    expect(await alive(session)).toBe(true);
    const reset = await h.request('PUT', `/v1/users/${victim.body.user.id}/password`, admin.token, { password: 'brand-new-password' });
    expect(reset.status).toBe(200);
    expect(await alive(session)).toBe(false);
  });

  it('failed logins by others end none of the user’s sessions', async () => {
    const session = await h.login('co2', 'co2-password');
    for (let i = 0; i < 8; i++) await h.request('POST', '/v1/sessions', undefined, { name: 'co2', password: 'wrong-password' });
    expect(await alive(session)).toBe(true);
    expect(await alive(co2.token)).toBe(true);
  });

  it('a deleted CO’s sessions and API keys stop working', async () => {
    const doomed = await h.addOfficer('doomed');
    const key = (await h.request('POST', '/v1/api-keys', doomed.token, { name: 'doomed-robot', scopes: ['tokens:issue'] })).body.key;
    expect((await issue(h, key, 'USER_MGMT', { command: 'deployRelease' })).status).toBe(201);
    expect((await h.request('DELETE', `/v1/users/${doomed.id}`, admin.token, {})).status).toBe(200);
    expect((await issue(h, key, 'USER_MGMT', { command: 'deployRelease' })).body.code).toBe('RET_UNAUTHORIZED');
    expect(await alive(doomed.token)).toBe(false);
    expect((await h.request('GET', '/v1/api-keys', admin.token)).body.apiKeys.map((k: { name: string }) => k.name)).not.toContain('doomed-robot');
  });
});

describe('5. SSRF: webhooks and callbacks at internal addresses', () => {
  let h: Harness;
  let co1: Officer;
  let closed: number;
  beforeAll(async () => {
    // No allowed networks here: what a production deployment has.
    ({ h, officers: [co1] } = await Harness.withOfficers(['co1'], { env: { QUORUM_WEBHOOK_ALLOWED_NETWORKS: '' } }));
    const probe: Server = createServer();
    closed = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise((r) => probe.close(r));
  });
  afterAll(() => h.close());

  it.each([
    'http://127.0.0.1:6379/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.8/hook',
    'http://192.168.1.1/',
    'http://172.16.0.1/',
    'http://100.64.0.1/',
    'http://0.0.0.0:8080/',
    'http://[::1]:8080/',
    'http://[::ffff:127.0.0.1]/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://224.0.0.1/',
    'http://localhost:8080/',
    'http://2130706433/',
    'ftp://example.com/',
  ])('is refused when set: %s', async (url) => {
    const before = await h.snapshot();
    const hook = await h.request('PUT', '/v1/officers/me/webhook', co1.token, { url, secret: 'sixteen-characters' });
    const callback = await issue(h, co1.token, 'USER_MGMT', { command: 'deployRelease' }, { callbackUrl: url, callbackSecret: 'sixteen-characters' });
    expect([hook.status, hook.body.code, callback.status, callback.body.code]).toEqual([400, 'RET_BAD_REQUEST', 400, 'RET_BAD_REQUEST']);
    expect(await h.snapshot()).toEqual(before);
  });

  it('is refused again at connect time, on the resolved address (a name that resolves to loopback)', async () => {
    const receiver = await Receiver.start();
    try {
      const port = new URL(receiver.url).port;
      const request = { url: `http://localhost:${port}/hook`, secret: 's', deliveryId: 'd1', event: 'token.approved', body: '{}', timeoutMs: 2000 };
      await expect(postDelivery(request, new OutboundPolicy())).rejects.toThrow(/refused: not a public/);
      expect(receiver.received).toHaveLength(0);
      // The same request with loopback allowed does arrive: the refusal above was the policy.
      await expect(postDelivery(request, new OutboundPolicy(['127.0.0.0/8']))).resolves.toBe(200);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('does not tell "answered 404" from "connection refused" (no port scanning), and follows no redirect', async () => {
    const receiver = await Receiver.start();
    const allow = new OutboundPolicy(['127.0.0.0/8']);
    try {
      const base = { secret: 's', deliveryId: 'd2', event: 'token.approved', body: '{}', timeoutMs: 2000 };
      receiver.respond = () => 404;
      const answered = await postDelivery({ ...base, url: receiver.url }, allow).catch((err: DeliveryFailed) => err.message);
      const refused = await postDelivery({ ...base, url: `http://127.0.0.1:${closed}/` }, allow).catch((err: DeliveryFailed) => err.message);
      expect(String(answered).replace(/:\d+/, ':PORT')).toBe(String(refused).replace(/:\d+/, ':PORT'));
      receiver.respond = () => 302;
      await expect(postDelivery({ ...base, url: receiver.url }, allow)).rejects.toThrow(/no 2xx answer/);
    } finally {
      await receiver.close();
    }
  });
});

describe('6. a lock-out guard that counted officers who cannot approve', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['co1', 'co2', 'co3'], { env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' } }));
  });
  afterAll(() => h.close());

  it('refuses QUORUM_MGMT = 4 with 4 key holders when the requester may not approve', async () => {
    const res = await h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', admin.token, { m: 4 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RET_M_EXCEEDS_APPROVERS');
    expect((await h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', admin.token, { m: 3 })).status).toBe(200);
  });

  it('refuses deleting an officer that would leave USER_MGMT out of reach; force counts only inside the signed operation', async () => {
    await h.setM(admin, 'USER_MGMT', 3, [co1, co2, co3]);
    const plain = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: co3.id } }, [co1, co2, co3]);
    const refused = await h.request('DELETE', `/v1/users/${co3.id}`, admin.token, { quorumToken: plain });
    expect(refused.body.code).toBe('RET_M_EXCEEDS_APPROVERS');
    // force beside a token approved without it: not the approved operation.
    const beside = await h.request('DELETE', `/v1/users/${co3.id}`, admin.token, { quorumToken: plain, force: true });
    expect(beside.body.code).toBe('RET_MXN_AUTH_FAILED');
    const forced = await h.approvedToken(admin, 'USER_MGMT', { command: 'deleteUser', args: { id: co3.id, force: true } }, [co1, co2, co3]);
    expect((await h.request('DELETE', `/v1/users/${co3.id}`, admin.token, { quorumToken: forced, force: true })).status).toBe(200);
  });
});

describe('7. committed, then refused', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  const key = async (scopes: string[]) => (await h.request('POST', '/v1/api-keys', admin.token, { name: scopes.join('-').replace(/:/g, '_'), scopes })).body.key as string;

  it('an API key with tokens:issue and tokens:consume (no tokens:read) issues and consumes', async () => {
    const k = await key(['tokens:issue', 'tokens:consume']);
    const operation = { command: 'deployRelease', args: { version: '2' } };
    const issued = await issue(h, k, 'USER_MGMT', operation);
    expect(issued.status).toBe(201);
    expect(issued.body.token.status).toBe('PENDING');
    await h.approve(issued.body.token.id, co1);
    const used = await h.request('POST', `/v1/tokens/${issued.body.token.id}/consume`, k, { operation });
    expect(used.status).toBe(200);
    expect(used.body.bundle.status).toBe('CONSUMED');
  });

  it('a refused issue or consume changes nothing in Redis', async () => {
    const readOnly = await key(['tokens:read']);
    let before = await h.snapshot();
    expect((await issue(h, readOnly, 'USER_MGMT', { command: 'deployRelease' })).body.code).toBe('RET_FORBIDDEN');
    expect(await h.snapshot()).toEqual(before);

    const issueOnly = await key(['tokens:issue']);
    const operation = { command: 'deployRelease', args: { version: '3' } };
    const id = (await issue(h, issueOnly, 'USER_MGMT', operation)).body.token.id;
    await h.approve(id, co1);
    before = await h.snapshot();
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, issueOnly, { operation })).body.code).toBe('RET_FORBIDDEN');
    expect(await h.snapshot()).toEqual(before);
  });
});

describe('8. quorumd’s own commands through /consume', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
  });
  afterAll(() => h.close());

  it('a deleteUser token is not marked CONSUMED without deleting anyone', async () => {
    const operation = { command: 'deleteUser', args: { id: co1.id } };
    const id = await h.approvedToken(admin, 'USER_MGMT', operation, [admin, co1]);
    const before = await h.snapshot();
    const res = await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'RET_BAD_REQUEST' });
    expect(await h.snapshot()).toEqual(before);
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.status).toBe('APPROVED');
  });
});

describe('9. lock-out as a denial of service', () => {
  it('failed logins never lock: the name waits (at most QUORUM_LOCKOUT_SECONDS), then logs in; no lock is audited', async () => {
    const h = await Harness.start({ env: { QUORUM_LOCKOUT_SECONDS: '1' } });
    try {
      for (let i = 0; i < 5; i++) await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'wrong-password' });
      const held = await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'admin-password' });
      expect({ code: held.body.code, retryAfter: held.headers['retry-after'] }).toEqual({ code: 'RET_LOGIN_THROTTLED', retryAfter: '1' });
      expect((await h.request('GET', '/v1/users', h.adminToken)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'admin-password' })).status).toBe(201);
      const types = (await h.store.audit.page(1, 1000)).map((e) => JSON.parse(e).type as string);
      expect(types).not.toContain('user.locked');
    } finally {
      await h.close();
    }
  });
});

describe('10. password hashing', () => {
  it('uses argon2id with OWASP parameters and re-hashes an older hash at the next login', async () => {
    const h = await Harness.start();
    try {
      const stored = await h.redis.hget(h.store.keys.user(1), 'pw');
      expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      // An scrypt hash from an earlier version (N = 2^15) still logs in, once, and is replaced.
      const legacy = 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + (await legacyScrypt('admin-password', 'c2FsdHNhbHRzYWx0c2FsdA'));
      await h.redis.hset(h.store.keys.user(1), 'pw', legacy);
      expect((await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'admin-password' })).status).toBe(201);
      expect(await h.redis.hget(h.store.keys.user(1), 'pw')).toMatch(/^\$argon2id\$/);
      expect((await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'admin-password' })).status).toBe(201);
      expect(await hashPassword('x')).not.toBe(await hashPassword('x'));
    } finally {
      await h.close();
    }
  });
});

async function legacyScrypt(password: string, salt: string): Promise<string> {
  const { scrypt } = await import('node:crypto');
  return new Promise((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64url'), 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key.toString('base64url')))),
  );
}

import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { OutboundPolicy } from '@quorumd/core';
import { postDelivery } from '@quorumd/queue';
import { Harness, type Officer, type Reply } from './support/harness';

/**
 * A second round of insider attacks, found by reviewing the first round's fixes. Every
 * test is named after an attack that got through then, runs over HTTP on a real Redis,
 * and asserts what must happen now.
 */

async function issue(h: Harness, as: string, service: string, operation: object, extra: object = {}): Promise<Reply> {
  return h.request('POST', '/v1/tokens', as, { service, operation, ...extra });
}

const alive = async (h: Harness, token: string) => (await h.request('GET', '/v1/users', token)).status === 200;

async function legacyScryptHash(password: string): Promise<string> {
  const { scrypt } = await import('node:crypto');
  const salt = 'c2FsdHNhbHRzYWx0c2FsdA';
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64url'), 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, k) => (err ? reject(err) : resolve(k))),
  );
  return `scrypt$32768$8$1$${salt}$${key.toString('base64url')}`;
}

describe('A1. sock puppets: USER_MGMT below QUORUM_MGMT lets one officer bring its own quorum', () => {
  // The README's own advice: "Keep QUORUM_MGMT at least as high as USER_MGMT". With
  // USER_MGMT = 1 and QUORUM_MGMT = 3, every account and every password is in the hands
  // of any single officer, and accounts are what the QUORUM_MGMT quorum counts.
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    await h.setM(admin, 'QUORUM_MGMT', 3, [admin]);
  });
  afterAll(() => h.close());

  it('one officer creates two CO accounts, keys them, and lowers QUORUM_MGMT = 3 alone', async () => {
    // co1, alone: two new crypto officers (USER_MGMT is 1: no token asked).
    const puppets: Officer[] = [];
    for (const name of ['puppet1', 'puppet2']) {
      const made = await h.request('POST', '/v1/users', co1.token, { type: 'CO', name, password: `${name}-password` });
      if (made.status !== 201) {
        puppets.length = 0;
        break;
      }
      const puppet: Officer = { id: made.body.user.id, name, token: await h.login(name, `${name}-password`) };
      puppets.push(await h.registerKey(puppet)); // keys co1 made, co1 holds
    }
    let lowered = false;
    if (puppets.length === 2) {
      const operation = { command: 'setMValue', args: { service: 'QUORUM_MGMT', m: 1 } };
      const id = (await issue(h, co1.token, 'QUORUM_MGMT', operation)).body.token.id as string;
      for (const signer of [co1, ...puppets]) await h.approve(id, signer);
      const res = await h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', co1.token, { m: 1, quorumToken: id });
      lowered = res.status === 200;
    }
    // One person's three keys must never count as three officers.
    expect(lowered).toBe(false);
    expect((await h.request('GET', '/v1/quorum/values/QUORUM_MGMT', admin.token)).body.m).toBe(3);
  });

  it('one officer resets two other officers’ passwords, re-keys their accounts, and runs a QUORUM_MGMT operation alone', async () => {
    await h.setM(admin, 'QUORUM_MGMT', 3, [admin, co1, co2]); // back to 3 if the attack above got through
    // co1, alone (USER_MGMT = 1): takes over admin and co2.
    const taken: Officer[] = [];
    for (const victim of [admin, co2]) {
      const reset = await h.request('PUT', `/v1/users/${victim.id}/password`, co1.token, { password: `owned-by-co1-${victim.id}` });
      if (reset.status !== 200) break;
      const session = await h.login(victim.name, `owned-by-co1-${victim.id}`);
      taken.push(await h.registerKey({ id: victim.id, name: victim.name, token: session }));
    }
    let ran = false;
    if (taken.length === 2) {
      const operation = { command: 'setMValue', args: { service: 'QUORUM_MGMT', m: 1 } };
      const id = (await issue(h, co1.token, 'QUORUM_MGMT', operation)).body.token.id as string;
      for (const signer of [co1, ...taken]) await h.approve(id, signer);
      ran = (await h.request('PUT', '/v1/quorum/values/QUORUM_MGMT', co1.token, { m: 1, quorumToken: id })).status === 200;
    }
    expect(ran).toBe(false);
  });
});

describe('A2. a login racing a password reset outlives it (and the re-hash puts the old password back)', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  it('a session started with the leaked password before the reset works after it, and the leaked password is valid again', async () => {
    // co1's password leaked; its hash is from an earlier version (re-hashed at next login).
    await h.redis.hset(h.store.keys.user(co1.id), 'pw', await legacyScryptHash('co1-password'));
    // The thief logs in with the leaked password; while the password is being checked,
    // the admin resets co1's password (USER_MGMT = 1: no token needed).
    const thief = h.request('POST', '/v1/sessions', undefined, { name: 'co1', password: 'co1-password' });
    await new Promise((r) => setTimeout(r, 10));
    const reset = await h.request('PUT', `/v1/users/${co1.id}/password`, admin.token, { password: 'fresh-password-after-leak' });
    expect(reset.status).toBe(200);
    const stolen = await thief;
    // The reset ends every session of co1 — including one whose login was in flight.
    const sessionAlive = stolen.status === 201 && (await alive(h, stolen.body.token as string));
    const leakedWorks = (await h.request('POST', '/v1/sessions', undefined, { name: 'co1', password: 'co1-password' })).status === 201;
    const freshWorks = (await h.request('POST', '/v1/sessions', undefined, { name: 'co1', password: 'fresh-password-after-leak' })).status === 201;
    expect({ sessionAlive, leakedWorks, freshWorks }).toEqual({ sessionAlive: false, leakedWorks: false, freshWorks: true });
  });
});

describe('A3. guessing the current password through PUT /users/{id}/password is never locked out', () => {
  let h: Harness;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  it('a stolen session gets unlimited currentPassword guesses, then takes the account over', async () => {
    // QUORUM_MAX_LOGIN_FAILURES is 5: after 5 wrong passwords a login's name waits.
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'thief-password', currentPassword: `guess-${i}` });
      codes.push(res.body.code);
    }
    const hit = await h.request('PUT', `/v1/users/${co1.id}/password`, co1.token, { password: 'thief-password', currentPassword: 'co1-password' });
    // After 5 wrong guesses the guessing must wait (RET_LOGIN_THROTTLED):
    // the 9th try, with the right password, must not change it.
    expect(hit.status).not.toBe(200);
    expect(codes.slice(5)).not.toEqual(['RET_LOGIN_FAILED', 'RET_LOGIN_FAILED', 'RET_LOGIN_FAILED']);
  });
});

describe('A4. failed logins that put USER_MGMT out of reach', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    // 3 key holders, requester may approve: the lock-out guard allows USER_MGMT = 3.
    await h.setM(admin, 'USER_MGMT', 3, [admin, co1, co2]);
  });
  afterAll(() => h.close());

  it('wrong passwords for co2 lock nothing: co2 still counts, its session still approves', async () => {
    for (let i = 0; i < 8; i++) await h.request('POST', '/v1/sessions', undefined, { name: 'co2', password: 'wrong-password' });
    expect(await h.redis.hget(h.store.keys.user(co2.id), 'lockedUntil')).toBeNull();
    const id = (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deployRelease' } })).body.token.id;
    expect((await h.approve(id, co2)).status).toBe(200);
    const types = (await h.store.audit.page(1, 10_000)).map((e) => JSON.parse(e).type as string);
    expect(types).not.toContain('user.locked');
  });
});

describe('A5. SSRF: reserved and translated addresses, and this host’s own address, are not refused', () => {
  let h: Harness;
  let co1: Officer;
  beforeAll(async () => {
    // No allowed networks: what a production deployment has.
    ({ h, officers: [co1] } = await Harness.withOfficers(['co1'], { env: { QUORUM_WEBHOOK_ALLOWED_NETWORKS: '' } }));
  });
  afterAll(() => h.close());

  it.each([
    'http://[64:ff9b::a00:8]/hook', // NAT64 well-known prefix: 10.0.0.8 through the translator
    'http://[64:ff9b::a9fe:a9fe]/latest/meta-data/', // NAT64 of 169.254.169.254
    'http://[2002:a00:8::1]/hook', // 6to4: 10.0.0.8
    'http://[::ffff:0:a00:8]/hook', // SIIT IPv4-translated 10.0.0.8
    'http://[::a00:8]/hook', // IPv4-compatible 10.0.0.8
    'http://192.0.2.2/hook', // TEST-NET-1 (reserved, and this machine's own address here)
    'http://198.51.100.7/hook', // TEST-NET-2 (reserved)
    'http://203.0.113.7/hook', // TEST-NET-3 (reserved)
    'http://[2001:db8::1]/hook', // documentation (reserved)
  ])('is refused when set: %s', async (url) => {
    const before = await h.snapshot();
    const hook = await h.request('PUT', '/v1/officers/me/webhook', co1.token, { url, secret: 'sixteen-characters' });
    expect([hook.status, hook.body.code]).toEqual([400, 'RET_BAD_REQUEST']);
    expect(await h.snapshot()).toEqual(before);
  });

  it('a webhook at this host’s own interface address reaches a service listening on all interfaces', async () => {
    const policy = new OutboundPolicy();
    const own = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal && policy.permits(a.address));
    if (!own) return; // this host has no own address the policy lets through: nothing to show
    let hits = 0;
    const server: Server = createServer((req, res) => {
      hits++;
      res.writeHead(204).end();
    });
    const port = await new Promise<number>((resolve) => server.listen(0, '0.0.0.0', () => resolve((server.address() as { port: number }).port)));
    try {
      const url = `http://${own.address}:${port}/hook`;
      const hook = await h.request('PUT', '/v1/officers/me/webhook', co1.token, { url, secret: 'sixteen-characters' });
      // And at connect time: the delivery the worker would make with the production policy.
      const delivered = await postDelivery({ url, secret: 's', deliveryId: 'a5', event: 'approval.requested', body: '{}', timeoutMs: 2000 }, policy)
        .then(() => true)
        .catch(() => false);
      // The API itself, Redis or any local admin port bound to 0.0.0.0 is reachable this way.
      expect({ status: hook.status, code: hook.body.code, delivered, hits }).toEqual({ status: 400, code: 'RET_BAD_REQUEST', delivered: false, hits: 0 });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('A6. numbers longer than 400 characters slip past the JSON text guard and are signed rounded', () => {
  let h: Harness;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  it.each([
    ['1.000…0001 (becomes 1)', `1.${'0'.repeat(400)}1`],
    ['0.000…0001 (underflows to 0)', `0.${'0'.repeat(401)}1`],
    ['0.1000…0001 (becomes 0.1)', `0.1${'0'.repeat(400)}1`],
  ])('%s is refused, not signed as another value', async (_label, number) => {
    const before = await h.snapshot();
    const body = `{"service":"USER_MGMT","operation":{"command":"payOut","args":{"amount":${number}}}}`;
    const res = await h.request('POST', '/v1/tokens', co1.token, body, { 'content-type': 'application/json' });
    expect({ status: res.status, code: res.body.code, signed: res.body.token?.operation?.args?.amount }).toEqual({
      status: 400,
      code: 'RET_BAD_REQUEST',
      signed: undefined,
    });
    expect(await h.snapshot()).toEqual(before);
  });
});

import { createServer, type Server } from 'node:http';
import { OutboundPolicy } from '@quorumd/core';
import { DeliveryFailed, postDelivery } from '@quorumd/queue';
import { Harness, type Officer } from '../support/harness';
import { Receiver } from '../support/receiver';
import { networkInterfaces } from 'node:os';

/**
 * Webhooks and callbacks reach only public addresses (or the networks the deployment
 * allows): refused at registration and again at connect time, with no port scanning.
 */

describe('webhooks and callbacks never reach internal addresses', () => {
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
    const callback = await h.requestToken(co1.token, 'USER_MGMT', { command: 'deployRelease' }, { callbackUrl: url, callbackSecret: 'sixteen-characters' });
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

describe("reserved and translated addresses, and this host's own address, are refused", () => {
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

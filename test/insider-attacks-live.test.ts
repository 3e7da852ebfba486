import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { verifyBundle } from '@quorumd/client';
import { connectForEvents } from '@quorumd/store';
import { Harness, REDIS_URL, type Officer } from './support/harness';

/**
 * A third round of insider attacks, on what the approver console brought: the live queue
 * (`GET /v1/officers/me/pending/events`), the token event stream and the VOTE events that
 * feed them, AWS CloudHSM tokens as officers sign them, and token issue from the M values a
 * process last read. One `describe` per attack, over HTTP on a real Redis (the streams on a
 * real port), asserting what must happen now.
 */

interface Stream {
  status: number;
  code?: string;
  /** The next event's data (any: a queue or a TokenView, asserted field by field); rejects when the stream ends. */
  next(timeoutMs?: number): Promise<{ event: string; data: any }>;
  /** Resolves true when the server ends the stream within `timeoutMs`, with every event it sent before. */
  ended(timeoutMs: number): Promise<{ ended: boolean; events: { event: string; data: any }[] }>;
  close(): void;
}

/** Reads server-sent events from a real connection. */
async function openStream(url: string, path: string, credential: string): Promise<Stream> {
  const aborted = new AbortController();
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${credential}` }, signal: aborted.signal });
  if (res.status !== 200) {
    const body = (await res.json()) as { code?: string };
    return { status: res.status, code: body.code, next: () => Promise.reject(new Error('refused')), ended: async () => ({ ended: true, events: [] }), close: () => undefined };
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let done = false;
  const pull = async (deadline: number): Promise<{ event: string; data: any } | 'timeout' | 'done'> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) return { event, data: JSON.parse(data) };
        continue;
      }
      if (done) return 'done';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        reader.read().catch(() => ({ value: undefined, done: true })),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left))),
      ]);
      clearTimeout(timer);
      if (chunk === 'timeout') return 'timeout';
      if (chunk.done) done = true;
      else buffer += chunk.value;
    }
  };
  return {
    status: 200,
    async next(timeoutMs = 5000) {
      const got = await pull(Date.now() + timeoutMs);
      if (got === 'timeout' || got === 'done') throw new Error(`stream: ${got}`);
      return got;
    },
    async ended(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const events: { event: string; data: any }[] = [];
      for (;;) {
        const got = await pull(deadline);
        if (got === 'done') return { ended: true, events };
        if (got === 'timeout') return { ended: false, events };
        events.push(got);
      }
    },
    close: () => aborted.abort(),
  };
}

const ids = (events: { data: any }[]) => events.flatMap((e) => (e.data.tokens ?? [e.data]).map((t: { id: string }) => t.id));

describe('B1. a session that ended (sign out, password change, deletion) still receives the live queue', () => {
  let h: Harness;
  let url: string;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['co1', 'co2', 'co3']));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());

  const newToken = async (name: string) =>
    (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'createUser', args: { type: 'CU', name: name.replace(/-/g, '_') } } })).body.token.id as string;

  it.each([
    ['signs out', async (o: Officer) => (await h.request('DELETE', '/v1/sessions/current', o.token)).status],
    ['has its password changed by an administrator', async (o: Officer) => (await h.request('PUT', `/v1/users/${o.id}/password`, admin.token, { password: `reset-${o.name}-pw` })).status],
    ['is deleted', async (o: Officer) => (await h.request('DELETE', `/v1/users/${o.id}`, admin.token, {})).status],
  ] as const)('an officer that %s hears of no new token: its queue stream ends', async (what, end) => {
    const victim = { 'signs out': co1, 'has its password changed by an administrator': co2, 'is deleted': co3 }[what];
    const queue = await openStream(url, '/v1/officers/me/pending/events', victim.token);
    try {
      expect(queue.status).toBe(200);
      await queue.next();
      expect(await end(victim)).toBe(200);
      const secret = await newToken(`after-${victim.name}`);
      const { ended, events } = await queue.ended(3000);
      expect({ ended, leaked: ids(events).includes(secret) }).toEqual({ ended: true, leaked: false });
    } finally {
      queue.close();
    }
  });

  it("a revoked API key hears no more of its token's votes: the token stream ends", async () => {
    const created = await h.request('POST', '/v1/api-keys', admin.token, { name: 'watcher' });
    const key = created.body.key as string;
    const issued = await h.request('POST', '/v1/tokens', key, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 5 } } });
    const id = issued.body.token.id as string;
    const events = await openStream(url, `/v1/tokens/${id}/events`, key);
    try {
      expect(events.status).toBe(200);
      expect((await events.next()).data).toMatchObject({ id, rejections: [] });
      expect((await h.request('DELETE', `/v1/api-keys/${created.body.apiKey.id}`, admin.token)).status).toBe(200);
      await h.request('POST', `/v1/tokens/${id}/rejections`, admin.token, { reason: 'internal: the payee is under investigation' });
      const { ended, events: after } = await events.ended(3000);
      expect({ ended, sent: after.length }).toEqual({ ended: true, sent: 0 });
    } finally {
      events.close();
    }
  });
});

describe('B2. one officer opens event streams without end (each re-reads the queue on every change of any token)', () => {
  let h: Harness;
  let url: string;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());

  it('a user gets at most 8 open streams in a process (an API key has 8 of its own); a closed one frees its place', async () => {
    const streams: Stream[] = [];
    try {
      const key = (await h.request('POST', '/v1/api-keys', co1.token, { name: 'co1-bot' })).body.key as string;
      const id = (await h.request('POST', '/v1/tokens', key, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1 } } })).body.token.id as string;
      for (let i = 0; i < 6; i++) streams.push(await openStream(url, '/v1/officers/me/pending/events', co1.token));
      for (let i = 0; i < 2; i++) streams.push(await openStream(url, `/v1/tokens/${id}/events`, co1.token));
      expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
      const ninth = await openStream(url, '/v1/officers/me/pending/events', co1.token);
      const byUser = await openStream(url, `/v1/tokens/${id}/events`, co1.token);
      expect([ninth.status, ninth.code, byUser.status, byUser.code]).toEqual([429, 'RET_RATE_LIMITED', 429, 'RET_RATE_LIMITED']);
      // The owner's streams leave its API key's own budget alone.
      const byKey = await openStream(url, `/v1/tokens/${id}/events`, key);
      streams.push(byKey);
      expect(byKey.status).toBe(200);
      // Another officer is not held back by co1's streams.
      const other = await openStream(url, '/v1/officers/me/pending/events', admin.token);
      streams.push(other);
      expect(other.status).toBe(200);

      streams.shift()!.close();
      let again: Stream | undefined;
      for (let i = 0; i < 50 && again?.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
        again = await openStream(url, '/v1/officers/me/pending/events', co1.token);
      }
      streams.push(again!);
      expect(again!.status).toBe(200);
    } finally {
      for (const s of streams) s.close();
    }
  });

  it('a refused stream costs no read of the queue', async () => {
    const streams: Stream[] = [];
    try {
      for (let i = 0; i < 8; i++) streams.push(await openStream(url, '/v1/officers/me/pending/events', co1.token));
      expect(streams.every((s) => s.status === 200)).toBe(true);
      const read = jest.spyOn(h.store.tokens, 'pendingFor');
      // The open streams re-read the queue whenever a token changes, so a read may coincide with
      // the refusal; a refusal that read would show a read every time, so one attempt without is proof.
      let reads = -1;
      for (let attempt = 0; attempt < 5 && reads !== 0; attempt++) {
        read.mockClear();
        const refused = await openStream(url, '/v1/officers/me/pending/events', co1.token);
        expect(refused.status).toBe(429);
        reads = read.mock.calls.length;
      }
      expect(reads).toBe(0);
      read.mockRestore();
    } finally {
      for (const s of streams) s.close();
    }
  });
});

describe('B3. a queue stream whose client never reads piles every new queue up in the server’s memory', () => {
  let h: Harness;
  let url: URL;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    url = new URL(await h.app.listen({ port: 0, host: '127.0.0.1' }));
  });
  afterAll(() => h.close());

  it('the server keeps only the latest queue for a client that is behind, and sends it when the client reads again', async () => {
    // 100 tokens of ~4 KB each: every change of the queue is a ~0.5 MB event.
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { memo: 'x'.repeat(3900), n: i } } });
      ids.push(res.body.token.id as string);
    }
    // co1's stream, read by nobody: the socket is paused from the start.
    const socket: Socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.on('error', () => undefined);
    socket.write(`GET /v1/officers/me/pending/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${co1.token}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    // co2 rejects 40 of them, one at a time: 40 new queues (~20 MB) for co1's stream.
    for (const id of ids.slice(0, 40)) {
      await h.request('POST', `/v1/tokens/${id}/rejections`, co2.token, { reason: 'no' });
      await new Promise((r) => setTimeout(r, 70));
    }
    // co1 reads at last: what the socket held, then the latest queue; not the 41 queues made meanwhile.
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.resume();
    const lastQueue = () => {
      const at = text.lastIndexOf('event: pending\ndata: ');
      const end = at < 0 ? -1 : text.indexOf('\n\n', at);
      return end < 0 ? undefined : (JSON.parse(text.slice(at + 'event: pending\ndata: '.length, end)) as { tokens: { rejections: unknown[] }[] });
    };
    const rejected = () => lastQueue()?.tokens.filter((t) => t.rejections.length > 0).length ?? 0;
    for (let i = 0; i < 200 && rejected() < 40; i++) await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    const sent = text.split('event: pending\n').length - 1;
    expect({ latest: rejected(), fewerThanMade: sent < 20 }).toEqual({ latest: 40, fewerThanMade: true });
  }, 60_000);
});

describe('B4. a burst of votes on any tokens freezes every officer’s live queue', () => {
  let h: Harness;
  let url: string;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1']));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());

  it('a new token reaches the queue within a fraction of a second while other tokens change every 20 ms', async () => {
    const queue = await openStream(url, '/v1/officers/me/pending/events', co1.token);
    // What any officer's votes publish, on some other token, without a pause.
    const noise = setInterval(() => void h.redis.publish(h.store.keys.events(), 'someone-else VOTE'), 20);
    try {
      await queue.next();
      await new Promise((r) => setTimeout(r, 200));
      const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1 } } });
      const event = await queue.next(1500);
      expect(event.data.tokens.map((t: { id: string }) => t.id)).toEqual([issued.body.token.id]);
    } finally {
      clearInterval(noise);
      queue.close();
    }
  });
});
describe('B5. an AWS CloudHSM token whose approval data is another token’s bytes: officers who approve it sign that token', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2']));
    await h.setM(admin, 'USER_MGMT', 2, [admin]);
  });
  afterAll(() => h.close());

  it('co1 cannot have officers approving an "HSM" token sign its own token, and forge the bundle the quorum never gave', async () => {
    // co1's token for an external system, which needs 2 approvals; its bytes padded to whole 80-byte "records".
    const external = (memo: string) => h.request('POST', '/v1/tokens', co1.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1000000, memo } } });
    const probe = await external('x');
    const length = (await h.tokenBytes(probe.body.token.id, co1.token)).length;
    const target = await external('x'.repeat(1 + ((80 - (length % 80)) % 80)));
    const targetId = target.body.token.id as string;
    const bytes = await h.tokenBytes(targetId, co1.token);
    expect(bytes.length % 80).toBe(0);

    const before = await h.snapshot();
    const tokenFile = { version: '2.0', approval_data: bytes.toString('base64'), token: createHash('sha256').update(bytes).digest('base64'), signatures: [] };
    const hsm = await h.request('POST', '/v1/tokens', co1.token, {
      service: 'USER_MGMT',
      operation: { command: 'cloudhsm', args: { service: 'user', description: 'user create --username app7 --role crypto-user' } },
      cloudhsm: { tokenFile },
    });
    let forged = false;
    if (hsm.status === 201) {
      // The other officers approve what they are shown as an HSM user creation...
      for (const officer of [admin, co2]) await h.approve(hsm.body.token.id, officer);
      // ...and co1 lifts their signatures into a bundle for its own token.
      const bundle = (await h.request('GET', `/v1/tokens/${hsm.body.token.id}/bundle`, co1.token)).body.bundle;
      const real = (await h.request('GET', `/v1/tokens/${targetId}/bundle`, co1.token)).body.bundle;
      forged = verifyBundle({ ...real, approvals: bundle.approvals }).ok;
    }
    expect({ status: hsm.status, code: hsm.body.code, forged }).toEqual({ status: 400, code: 'RET_BAD_REQUEST', forged: false });
    expect(await h.snapshot()).toEqual(before);
  });
});

describe('B6. a token requested while this process still holds an older M (another replica changed it) is signed with that lower m', () => {
  let h: Harness;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['co1', 'co2', 'co3']));
  });
  afterAll(() => h.close());

  const issue = () => h.request('POST', '/v1/tokens', co1.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1 } } });

  it('the token carries the M of now, raised or lowered behind this process’s back', async () => {
    expect((await issue()).body.token.m).toBe(1); // this process now holds USER_MGMT = 1
    // Another replica's setMValue: this process's copy is stale.
    await h.redis.hset(h.store.keys.mValues(), 'USER_MGMT', '3');
    const raised = await issue();
    expect([raised.status, raised.body.token.m, raised.body.token.required]).toEqual([201, 3, 3]);
    await h.redis.hset(h.store.keys.mValues(), 'USER_MGMT', '2');
    const lowered = await issue();
    expect([lowered.status, lowered.body.token.m]).toEqual([201, 2]);
  });

  it('M values that keep changing are answered 409 RET_M_VALUE_CHANGED after one retry: no loop, nothing written', async () => {
    // Every read this process makes is already stale when its script runs.
    const stale = jest.spyOn(h.store.mValues, 'all').mockResolvedValue({ USER_MGMT: 1, QUORUM_MGMT: 1 });
    const lastKnown = jest.spyOn(h.store.mValues, 'lastKnown').mockResolvedValue({ USER_MGMT: 1, QUORUM_MGMT: 1 });
    const scripts = jest.spyOn(h.store.tokens, 'issue');
    try {
      const before = await h.snapshot();
      const res = await issue();
      expect({ status: res.status, code: res.body.code, scripts: scripts.mock.calls.length }).toEqual({ status: 409, code: 'RET_M_VALUE_CHANGED', scripts: 2 });
      expect(await h.snapshot()).toEqual(before);
    } finally {
      stale.mockRestore();
      lastKnown.mockRestore();
      scripts.mockRestore();
    }
  });
});

describe('B7. what a vote publishes on the shared pub/sub channel', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1', 'co2', 'co3']));
    await h.setM(admin, 'USER_MGMT', 3, [admin]);
  });
  afterAll(() => h.close());

  it('an approval or a rejection that leaves the token PENDING publishes its id and VOTE, nothing of the vote', async () => {
    const listener = connectForEvents(REDIS_URL);
    const heard: string[] = [];
    try {
      listener.on('message', (_channel: string, message: string) => heard.push(message));
      await listener.subscribe(h.store.keys.events());
      const id = (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1 } } })).body.token.id as string;
      expect((await h.approve(id, co1)).body.token.status).toBe('PENDING');
      expect((await h.request('POST', `/v1/tokens/${id}/rejections`, admin.token, { reason: 'secret reason' })).body.token.status).toBe('PENDING');
      for (let i = 0; i < 50 && heard.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual([`${id} PENDING`, `${id} VOTE`, `${id} VOTE`]);
    } finally {
      listener.disconnect();
    }
  });
});

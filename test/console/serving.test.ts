import { Harness, type Officer } from '../support/harness';

/** What the API serves for the console, and the live streams the console follows. */
describe('console serving and live queues', () => {
  let h: Harness;
  let url: string;
  let admin: Officer;
  let officers: Officer[];

  beforeAll(async () => {
    const started = await Harness.withOfficers(['officer1', 'officer2'] as const);
    h = started.h;
    admin = started.admin;
    officers = [...started.officers];
    await h.setM(admin, 'USER_MGMT', 2, []);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await h.close();
  });

  it('serves the console at /console with a strict Content-Security-Policy, and only its own files', async () => {
    for (const path of ['/console', '/console/']) {
      const page = await h.request('GET', path);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.raw.toString()).toContain('<script defer src="/console/console.js"></script>');
      const csp = String(page.headers['content-security-policy']);
      for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]) expect(csp).toContain(directive);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
    }
    // No inline script or style in the page: everything is in the files the policy allows.
    const html = (await h.request('GET', '/console')).raw.toString();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);

    const script = await h.request('GET', '/console/console.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.raw.toString()).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write|new Function|\beval\(/);
    // No address but the spec's, and the docs page an error message of @simplewebauthn/browser names (text, never fetched: connect-src 'self').
    expect(script.raw.toString()).not.toMatch(/https?:\/\/(?!www\.w3\.org|simplewebauthn\.dev\/docs\/)/);
    const again = await h.request('GET', '/console/console.js', undefined, undefined, { 'if-none-match': String(script.headers.etag) });
    expect(again.status).toBe(304);

    for (const path of ['/console/../package.json', '/console/server.js', '/console/%2e%2e%2fpackage.json']) {
      const res = await h.request('GET', path);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('RET_NOT_FOUND');
    }
  });

  /** Reads server-sent events from a real connection. */
  async function stream(path: string, token: string) {
    const aborted = new AbortController();
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: aborted.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    return {
      /** The next event's data, parsed (any: a TokenView or a queue; asserted field by field). */
      async next(): Promise<{ event: string; data: any }> {
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
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffer += value;
        }
      },
      close: () => aborted.abort(),
    };
  }

  it("streams an officer's queue on every change: issue, another officer's vote, its own decision", async () => {
    const queue = await stream('/v1/officers/me/pending/events', officers[1]!.token);
    try {
      expect(await queue.next()).toEqual({ event: 'pending', data: { tokens: [] } });
      const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'createUser', args: { type: 'CU', name: 'carol' } } });
      const id = issued.body.token.id as string;
      let next = await queue.next();
      expect(next.data.tokens.map((t: { id: string }) => t.id)).toEqual([id]);
      expect(next.data.tokens[0].approvals).toEqual([]);

      // Another officer's approval leaves the token PENDING, and still reaches this queue.
      expect((await h.approve(id, officers[0]!)).status).toBe(200);
      next = await queue.next();
      expect(next.data.tokens[0].approvals.map((a: { userId: number }) => a.userId)).toEqual([officers[0]!.id]);

      // Its own rejection takes the token out of its queue.
      expect((await h.request('POST', `/v1/tokens/${id}/rejections`, officers[1]!.token, { reason: 'no ticket' })).status).toBe(200);
      expect((await queue.next()).data.tokens).toEqual([]);
    } finally {
      queue.close();
    }
  });

  it("sends a token's event stream on every vote, not only on status changes", async () => {
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'createUser', args: { type: 'CU', name: 'dave' } } });
    const id = issued.body.token.id as string;
    const events = await stream(`/v1/tokens/${id}/events`, admin.token);
    try {
      expect((await events.next()).data).toMatchObject({ id, status: 'PENDING', approvals: [], rejections: [] });
      await h.request('POST', `/v1/tokens/${id}/rejections`, officers[1]!.token, { reason: 'not today' });
      expect((await events.next()).data).toMatchObject({ status: 'PENDING', rejections: [{ userId: officers[1]!.id, reason: 'not today' }] });
      await h.approve(id, officers[0]!);
      expect((await events.next()).data).toMatchObject({ status: 'PENDING', approvals: [{ userId: officers[0]!.id }] });
    } finally {
      events.close();
    }
  });

  it('refuses the queue stream to a caller without a session, and to an API key', async () => {
    expect((await fetch(`${url}/v1/officers/me/pending/events`)).status).toBe(401);
    const key = await h.request('POST', '/v1/api-keys', admin.token, { name: 'queue-reader' });
    const res = await fetch(`${url}/v1/officers/me/pending/events`, { headers: { authorization: `Bearer ${key.body.key}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('RET_FORBIDDEN');
  });

  it('lists whether a user is locked', async () => {
    const users = (await h.request('GET', '/v1/users', admin.token)).body.users as { name: string; locked: boolean }[];
    expect(users.every((u) => u.locked === false)).toBe(true);
  });
});

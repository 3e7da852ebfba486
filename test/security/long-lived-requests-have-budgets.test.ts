import { Harness, type Officer, type Reply } from '../support/harness';
import { until } from '../support/eventually';

/**
 * Long-polls (`GET /v1/tokens/:id?wait=`) and event streams hold a connection and a listener
 * on every token change: each caller gets a few per API process (16 long-polls, 8 streams), a
 * user's sessions together, each API key on its own budget (all keys of one owner together at
 * most 4 times that), so that automation can never push its owner's console off the live queue.
 */
describe('long-polls and event streams per caller', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let url: string;

  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['lp_co1']));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());

  const issue = async (credential: string) =>
    (await h.request('POST', '/v1/tokens', credential, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { n: Math.random() } } })).body.token.id as string;
  const apiKey = async (name: string) => (await h.request('POST', '/v1/api-keys', co1.token, { name, scopes: ['tokens:issue', 'tokens:read'] })).body.key as string;

  /** Starts `count` long-polls; answers them as they come, and waits until `refused` of them were refused. */
  async function polls(credential: string, id: string, count: number, refused: number) {
    const answers: Reply[] = [];
    const pending = Array.from({ length: count }, () => h.request('GET', `/v1/tokens/${id}?wait=50`, credential).then((r) => (answers.push(r), r)));
    await until(`${refused} of ${count} long-polls refused`, async () => answers.filter((r) => r.status === 429).length >= refused, 10_000);
    return { answers, all: Promise.all(pending) };
  }

  /** An event stream on a real connection: its status, and a way to close it. */
  async function stream(path: string, credential: string): Promise<{ status: number; code?: string; close(): void }> {
    const aborted = new AbortController();
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${credential}` }, signal: aborted.signal });
    if (res.status !== 200) return { status: res.status, code: ((await res.json()) as { code?: string }).code, close: () => undefined };
    return { status: 200, close: () => aborted.abort() };
  }

  it('a user holds at most 16 long-polls in a process: the 17th is refused (429 RET_RATE_LIMITED) while they wait, and an ended one frees its place', async () => {
    const id = await issue(co1.token);
    const { answers, all } = await polls(co1.token, id, 20, 4);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.map((r) => r.body.code)).toEqual(Array(4).fill('RET_RATE_LIMITED'));
    expect(refused[0]?.body.message).toMatch(/At most 16 long-polls per user/);
    expect(answers.length).toBe(4);
    // Another user is not held back by co1's polls: its own wait is taken (it answers when the token changes).
    const others = h.request('GET', `/v1/tokens/${id}?wait=50`, admin.token);
    // The token changes: every wait answers, and co1's places are free again.
    expect((await h.request('DELETE', `/v1/tokens/${id}`, co1.token)).status).toBe(200);
    expect((await all).filter((r) => r.status === 200).length).toBe(16);
    expect((await others).body.token.status).toBe('DELETED');
    const next = await issue(co1.token);
    const again = await polls(co1.token, next, 16, 0);
    expect((await h.request('DELETE', `/v1/tokens/${next}`, co1.token)).status).toBe(200);
    expect((await again.all).map((r) => r.status)).toEqual(Array(16).fill(200));
  });

  it('an API key’s long-polls are its own budget: a key at its limit leaves its owner’s waits alone', async () => {
    const key = await apiKey('lp-bot');
    const id = await issue(key);
    const byKey = await polls(key, id, 17, 1);
    expect(byKey.answers[0]?.body.message).toMatch(/At most 16 long-polls per API key/);
    const owner = await polls(co1.token, id, 16, 0);
    expect((await h.request('DELETE', `/v1/tokens/${id}`, co1.token)).status).toBe(200);
    expect((await owner.all).map((r) => r.status)).toEqual(Array(16).fill(200));
    expect((await byKey.all).filter((r) => r.status === 200).length).toBe(16);
  });

  it('all API keys of one owner together hold at most 64 long-polls: making more keys gives no more', async () => {
    const keys = await Promise.all([0, 1, 2, 3, 4].map((i) => apiKey(`lp-many-${i}`)));
    // Each key waits on a token of its own (an API key reads only its own tokens).
    const ids = await Promise.all(keys.map((key) => issue(key)));
    const held = [];
    for (let i = 0; i < 4; i++) held.push(await polls(keys[i] as string, ids[i] as string, 16, 0));
    const fifth = await polls(keys[4] as string, ids[4] as string, 1, 1);
    expect(fifth.answers[0]?.body.message).toMatch(/At most 64 long-polls per owner’s API keys together/);
    // The owner's own session still waits.
    const owner = h.request('GET', `/v1/tokens/${ids[0]}?wait=50`, co1.token);
    for (const id of ids) expect((await h.request('DELETE', `/v1/tokens/${id}`, co1.token)).status).toBe(200);
    expect((await owner).status).toBe(200);
    for (const { all } of held) expect((await all).map((r) => r.status)).toEqual(Array(16).fill(200));
  });

  it('an API key’s event streams are its own budget: a key holding all of its own leaves its owner the live queue', async () => {
    const key = await apiKey('stream-bot');
    const id = await issue(key);
    const open: { close(): void }[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const s = await stream(`/v1/tokens/${id}/events`, key);
        open.push(s);
        expect(s.status).toBe(200);
      }
      const ninth = await stream(`/v1/tokens/${id}/events`, key);
      expect([ninth.status, ninth.code]).toEqual([429, 'RET_RATE_LIMITED']);
      // The owner's console: its live queue opens.
      const queue = await stream('/v1/officers/me/pending/events', co1.token);
      open.push(queue);
      expect(queue.status).toBe(200);
    } finally {
      for (const s of open) s.close();
    }
  });
});

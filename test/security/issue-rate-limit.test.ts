import { Harness, type Officer } from '../support/harness';

/**
 * QUORUM_RATE_LIMIT_ISSUE holds exactly for one user across its sessions, API keys and
 * replicas, and nothing is written for a refused request.
 */

const deleteUser = (id: number) => ({ service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id } } });

describe('the issue rate limit holds across sessions, API keys and replicas', () => {
  let h: Harness;
  let other: Harness;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2'], { env: { QUORUM_RATE_LIMIT_ISSUE: '7' } }));
    other = await Harness.start({ prefix: h.prefix, issuer: h.issuer, env: { QUORUM_RATE_LIMIT_ISSUE: '7' } });
  });
  afterAll(async () => {
    await other.close({ keepKeys: true });
    await h.close();
  });

  it('gets exactly the limit, the rest 429 with nothing written; another user draws on its own count (held)', async () => {
    const credentials = [co1.token, await h.login('co1', 'co1-password'), await other.login('co1', 'co1-password')];
    for (const name of ['ci-1', 'ci-2', 'ci-3']) {
      credentials.push((await h.request('POST', '/v1/api-keys', co1.token, { name, scopes: ['tokens:issue'] })).body.key as string);
    }
    const before = await h.snapshot();
    const replies = await Promise.all(
      Array.from({ length: 48 }, (_, i) => (i % 2 === 0 ? h : other).request('POST', '/v1/tokens', credentials[i % credentials.length], deleteUser(500 + i))),
    );
    const issued = replies.filter((r) => r.status === 201);
    expect(issued).toHaveLength(7);
    for (const r of replies.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(429);
      expect(r.body.code).toBe('RET_RATE_LIMITED');
      expect(r.body.message).toMatch(/retry in \d+ s$/);
    }
    // The refusals wrote nothing: what changed is the seven tokens and the one counter.
    const after = await h.snapshot();
    const counter = h.store.keys.issueCount(co1.id);
    expect(after[counter]).toBe('7');
    const ttl = await h.redis.pttl(counter);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const changed = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
    expect(changed.filter((k) => k.includes(':token:'))).toHaveLength(7);
    // co2 is not held back by co1, and counts in its own key.
    expect((await h.request('POST', '/v1/tokens', co2.token, deleteUser(600))).status).toBe(201);
    expect(await h.redis.get(h.store.keys.issueCount(co2.id))).toBe('1');
  });
});

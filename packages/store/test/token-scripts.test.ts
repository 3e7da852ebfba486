import { randomBytes } from 'node:crypto';
import { TOKEN_STATUSES, TRANSITIONS, canTransition, newTokenDocument, normalizeOperation, tokenBytes, type TokenStatus } from '@quorumd/core';
import { Redis } from 'ioredis';
import { QuorumStore, SYSTEM, type QuorumGate } from '../src';

/**
 * The token scripts, driven directly on a real Redis with a clock the test controls, held
 * to the lifecycle table in core (TRANSITIONS): every status change a script makes is one
 * the table allows, every transition the table lists is one some script makes, and a
 * terminal token never changes again.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ISSUER = 'store-test';
const HOUR = 3_600_000;

describe('token scripts against the lifecycle table', () => {
  let redis: Redis;
  let store: QuorumStore;
  let now = Date.UTC(2026, 10, 29, 12);
  const prefix = `store-test-${randomBytes(5).toString('hex')}`;
  const seen = new Set<string>();
  const officers: number[] = [];

  const noGate = (): QuorumGate => ({ tokenId: undefined, requesterKey: 'user:1', operation: '', issuer: ISSUER, requesterMayApprove: true });

  async function status(id: string): Promise<TokenStatus> {
    return (await store.tokens.get(id, true))!.status;
  }

  /** Runs a script call and records the status change it made (or none), refusals included. */
  async function step(id: string, call: () => Promise<unknown>): Promise<void> {
    const before = await status(id);
    await call().catch(() => undefined);
    const after = await status(id);
    if (before !== after) {
      expect({ from: before, to: after, allowed: canTransition(before, after) }).toEqual({ from: before, to: after, allowed: true });
      seen.add(`${before}->${after}`);
    }
  }

  async function issue(m = 2): Promise<string> {
    const doc = newTokenDocument({
      service: 'USER_MGMT',
      operation: normalizeOperation({ command: 'deployRelease', args: { n: Math.random() } }),
      requester: { kind: 'user', id: 1, name: 'admin' },
      m,
      issuer: ISSUER,
      now,
      ttlSeconds: 600,
    });
    // The issue script signs in the M of now: a token with another m is one issued while M was m (set here for the call).
    const mValues = store.keys.mValues();
    const before = await redis.hget(mValues, 'USER_MGMT');
    await redis.hset(mValues, 'USER_MGMT', m);
    try {
      await store.tokens.issue(doc, tokenBytes(doc), ['USER_MGMT'], { key: 'user:1', userId: 1 }, {}, SYSTEM);
    } finally {
      await (before === null ? redis.hdel(mValues, 'USER_MGMT') : redis.hset(mValues, 'USER_MGMT', before));
    }
    return doc.id;
  }

  async function registerKey(uid: number, fingerprint = randomBytes(32).toString('hex')): Promise<string> {
    const challenge = { id: `c${uid}-${fingerprint.slice(0, 8)}`, value: 'v' };
    await store.quorumKeys.createChallenge(challenge.id, challenge.value, 60_000);
    await store.quorumKeys.registerKey(uid, challenge, { fingerprint, pem: 'PEM' }, true, SYSTEM);
    return fingerprint;
  }

  /** A live session of `uid` (approvals check the caller's session in the same script). */
  async function sessionOf(uid: number): Promise<string> {
    const hash = `test-session-${uid}`;
    await redis.hset(store.keys.session(hash), { uid, exp: now + HOUR * 24, gen: (await redis.hget(store.keys.user(uid), 'sgen')) ?? '0' });
    return hash;
  }

  const fingerprints = new Map<number, string>();
  async function approve(id: string, uid: number) {
    return store.tokens.approve(
      id,
      { userId: uid, sessionHash: await sessionOf(uid), fingerprint: fingerprints.get(uid)!, alg: 'RS256', signature: Buffer.from('sig'), issuer: ISSUER, requesterMayApprove: true, approvedTimeoutMs: 600_000 },
      SYSTEM,
    );
  }
  const rejection = async (uid: number, reason: string) => ({ userId: uid, sessionHash: await sessionOf(uid), reason, issuer: ISSUER, requesterMayApprove: true });
  /** Consumes with every vote of a current registration taken as verified (the API verifies the signatures; these scripts' rules are what is under test). */
  async function consume(id: string) {
    const token = await store.tokens.get(id, true);
    const read = await store.tokens.gateVotes(id);
    const votes = (read?.votes ?? []).flatMap((v) => (v.fingerprint ? [{ userId: v.userId, voteDigest: v.voteDigest, fingerprint: v.fingerprint }] : []));
    const gate: QuorumGate = { tokenId: id, requesterKey: 'user:1', operation: JSON.stringify(token!.doc.operation), issuer: ISSUER, requesterMayApprove: true, verified: { signedDigest: read?.signedDigest ?? '', votes } };
    return store.tokens.consume(gate, SYSTEM);
  }

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    store = new QuorumStore(redis, { prefix, retentionMs: HOUR, clock: () => now });
    await store.users.bootstrap(ISSUER, 'hash');
    officers.push(1);
    for (const name of ['co_a', 'co_b', 'co_c']) officers.push(await store.users.create(noGate(), { name, type: 'CO', passwordHash: 'hash' }, SYSTEM));
    for (const uid of officers) fingerprints.set(uid, await registerKey(uid));
  });

  afterAll(async () => {
    const keys = await redis.keys(`{${prefix}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('refuses to issue a token whose m is not the M of now (RET_M_VALUE_CHANGED), writing nothing', async () => {
    const doc = newTokenDocument({ service: 'USER_MGMT', operation: normalizeOperation({ command: 'deployRelease', args: {} }), requester: { kind: 'user', id: 1, name: 'admin' }, m: 5, issuer: ISSUER, now, ttlSeconds: 600 });
    await expect(store.tokens.issue(doc, tokenBytes(doc), ['USER_MGMT'], { key: 'user:1', userId: 1 }, {}, SYSTEM)).rejects.toMatchObject({ code: 'RET_M_VALUE_CHANGED' });
    expect(await redis.exists(store.keys.token(doc.id))).toBe(0);
  });

  it('PENDING → APPROVED → CONSUMED, and nothing after', async () => {
    const id = await issue();
    await step(id, () => approve(id, officers[1]!));
    expect(await status(id)).toBe('PENDING');
    await step(id, () => approve(id, officers[2]!));
    expect(await status(id)).toBe('APPROVED');
    await step(id, () => consume(id));
    expect(await status(id)).toBe('CONSUMED');
    await expectTerminal(id);
  });

  it('PENDING → REJECTED once M is out of reach', async () => {
    const id = await issue(4);
    await step(id, async () => store.tokens.reject(id, await rejection(officers[1]!, 'no'), SYSTEM));
    expect(await status(id)).toBe('REJECTED');
    await expectTerminal(id);
  });

  it('PENDING → EXPIRED: read as EXPIRED the moment expiresAt passes, then written by the expiry script', async () => {
    const id = await issue();
    const expiresAt = (await store.tokens.get(id, true))!.expiresAt;
    now = expiresAt - 1;
    expect(await status(id)).toBe('PENDING');
    now = expiresAt;
    // The read answers EXPIRED before anything was written.
    expect((await redis.hget(store.keys.token(id), 'status'))).toBe('PENDING');
    expect(await status(id)).toBe('EXPIRED');
    await expect(approve(id, officers[1]!)).rejects.toMatchObject({ code: 'RET_TOKEN_EXPIRED' });
    seen.add('PENDING->EXPIRED');
    expect(await store.tokens.expire(id, SYSTEM)).toBe('EXPIRED');
    expect(await redis.hget(store.keys.token(id), 'status')).toBe('EXPIRED');
    await expectTerminal(id);
    now += HOUR;
  });

  it('APPROVED → EXPIRED after the approved timeout', async () => {
    const id = await issue(1);
    await step(id, () => approve(id, officers[1]!));
    now += 600_000;
    expect(await status(id)).toBe('EXPIRED');
    seen.add('APPROVED->EXPIRED');
    await expect(consume(id)).rejects.toMatchObject({ code: 'RET_MXN_AUTH_FAILED' });
    await store.tokens.expire(id, SYSTEM);
    await expectTerminal(id);
    now += HOUR;
  });

  it('PENDING → DELETED and APPROVED → DELETED', async () => {
    const pending = await issue();
    await step(pending, () => store.tokens.delete(pending, 'user:1', true, ISSUER, SYSTEM));
    const approved = await issue(1);
    await step(approved, () => approve(approved, officers[1]!));
    await step(approved, () => store.tokens.delete(approved, 'user:1', true, ISSUER, SYSTEM));
    expect([await status(pending), await status(approved)]).toEqual(['DELETED', 'DELETED']);
    await expectTerminal(approved);
  });

  it('APPROVED → PENDING when a vote stops counting (key change) or the bar is raised (M)', async () => {
    const id = await issue(2);
    await step(id, () => approve(id, officers[1]!));
    await step(id, () => approve(id, officers[2]!));
    const before = await status(id);
    fingerprints.set(officers[2]!, await registerKey(officers[2]!));
    expect(before).toBe('APPROVED');
    expect(await status(id)).toBe('PENDING');
    seen.add('APPROVED->PENDING');
    expect((await store.tokens.get(id, true))!.approvals.filter((a) => a.counts).map((a) => a.userId)).toEqual([officers[1]]);

    const other = await issue(1);
    await step(other, () => approve(other, officers[1]!));
    expect(await status(other)).toBe('APPROVED');
    await store.mValues.set(noGate(), 'USER_MGMT', 2, { force: false }, SYSTEM);
    expect(await status(other)).toBe('PENDING');
    expect((await store.tokens.get(other, true))!.required).toBe(2);
    await store.mValues.set(noGate(), 'USER_MGMT', 1, { force: false }, SYSTEM).catch(() => undefined);
  });

  it('a queue answers each token as a fresh read does, from bytes it holds or reads afresh, and no answer can change them for another', async () => {
    const ids = [await issue(2), await issue(2), await issue(2)];
    await approve(ids[1]!, officers[1]!);
    const officer = officers[3]!;
    const fresh = async () => Promise.all(ids.map(async (id) => (await store.tokens.get(id, true))!));
    const mine = <T extends { doc: { id: string } }>(tokens: T[]) => tokens.filter((t) => ids.includes(t.doc.id)).sort((a, b) => ids.indexOf(a.doc.id) - ids.indexOf(b.doc.id));
    // Cold (another process: a store of its own), then warm (this one, twice).
    const cold = new QuorumStore(redis, { prefix, retentionMs: HOUR, clock: () => now });
    for (const answer of [await cold.tokens.pendingFor(officer, true, 100), await store.tokens.pendingFor(officer, true, 100), await store.tokens.pendingFor(officer, true, 100)]) {
      expect(mine(answer)).toEqual(await fresh());
    }
    const held = mine(await store.tokens.pendingFor(officer, true, 100))[0]!;
    expect(Object.isFrozen(held.doc.operation.args)).toBe(true);
    expect(() => {
      (held.doc.operation.args as Record<string, unknown>).n = 1;
    }).toThrow(TypeError);
    // A token that leaves the queue leaves the answer, held bytes or not.
    await store.tokens.delete(ids[0]!, 'user:1', true, ISSUER, SYSTEM);
    expect(mine(await store.tokens.pendingFor(officer, true, 100)).map((t) => t.doc.id)).toEqual(ids.slice(1));
  });

  it('made every transition the table lists, and only those', () => {
    const listed = TOKEN_STATUSES.flatMap((from) => TRANSITIONS[from].map((to) => `${from}->${to}`));
    expect([...seen].sort()).toEqual(listed.sort());
  });

  /** A terminal token: every script refuses or does nothing, and its status stays. */
  async function expectTerminal(id: string): Promise<void> {
    const final = await status(id);
    for (const call of [
      () => approve(id, officers[3]!),
      async () => store.tokens.reject(id, await rejection(officers[3]!, 'late'), SYSTEM),
      () => store.tokens.delete(id, 'user:1', true, ISSUER, SYSTEM),
      () => consume(id),
      () => store.tokens.expire(id, SYSTEM),
    ]) {
      await step(id, call);
      expect(await status(id)).toBe(final);
    }
  }
});

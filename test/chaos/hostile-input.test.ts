import fc from 'fast-check';
import { Harness, type Officer } from '../support/harness';

/**
 * Property-based hostile input against every route: generated bodies, ids, headers and
 * content types. Every answer is a 4xx with a RET_ code, never a 5xx, and no quorum state
 * changes (a Redis snapshot before and after each batch).
 */
describe('chaos: hostile input on every route', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let tokenId: string;
  beforeAll(async () => {
    h = await Harness.start({ worker: true });
    admin = await h.adminOfficer();
    co1 = await h.addOfficer('co1');
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    tokenId = (await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 3 } } })).body.token.id;
  });
  afterAll(() => h.close());

  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 5 }),
      // huge strings (over the 64 KB body limit once serialised) and deep nesting
      fc.integer({ min: 20_000, max: 80_000 }).map((n) => 'x'.repeat(n)),
      fc.integer({ min: 50, max: 400 }).map((n) => JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)) as unknown),
    ),
  })).value;
  const badBase64 = fc.oneof(fc.string(), fc.base64String().map((s) => s.slice(0, -1)), fc.constant('A'.repeat(1399)), fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('base64')));
  const pemLike = fc.oneof(fc.string(), fc.string().map((s) => `-----BEGIN PUBLIC KEY-----\n${s}\n-----END PUBLIC KEY-----`), fc.constant('-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----'));
  // ':token' is a real PENDING token: reads of it may succeed; writes to it get bodies that cannot.
  const otherId = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }).map(encodeURIComponent), fc.integer().map(String));
  const id = fc.oneof(fc.constant(':token'), otherId);
  const userId = fc.oneof(fc.constant('1'), fc.integer({ min: -5, max: 99999999999 }).map(String), fc.string({ maxLength: 12 }).map(encodeURIComponent));

  type Req = { method: string; url: string; body?: unknown; contentType?: string; as: 'admin' | 'co1' | 'none' | 'bogus' };
  const route = fc.oneof(
    fc.record({ method: fc.constant('POST'), url: fc.constant('/v1/sessions'), body: fc.oneof(json, fc.record({ name: json, password: json })) }),
    fc.record({ method: fc.constant('POST'), url: fc.constant('/v1/users'), body: fc.oneof(json, fc.record({ type: json, name: json, password: json, quorumToken: json })) }),
    fc.record({ method: fc.constant('DELETE'), url: userId.map((u) => `/v1/users/${u}`), body: fc.oneof(json, fc.record({ quorumToken: json })) }),
    fc.record({ method: fc.constant('PUT'), url: userId.map((u) => `/v1/users/${u}/password`), body: fc.record({ password: json, quorumToken: json }) }),
    fc.record({ method: fc.constant('PUT'), url: userId.map((u) => `/v1/users/${u}/quorum-key`), body: fc.record({ publicKeyPem: pemLike, challengeId: fc.oneof(fc.uuid(), fc.string()), signature: badBase64, alg: json }) }),
    fc.record({ method: fc.constant('PUT'), url: fc.string({ maxLength: 30 }).map((s) => `/v1/quorum/values/${encodeURIComponent(s) || 'x'}`), body: fc.record({ m: json, force: json, quorumToken: json }) }),
    fc.record({ method: fc.constant('POST'), url: fc.constant('/v1/tokens'), body: fc.oneof(json, fc.record({ service: json, operation: json, ttlSeconds: json, callbackUrl: json })) }),
    fc.record({ method: fc.constant('POST'), url: id.map((i) => `/v1/tokens/${i}/approvals`), body: fc.record({ signature: badBase64, alg: fc.oneof(fc.constant('RS256'), fc.constant('PS256'), json) }) }),
    fc.record({ method: fc.constant('POST'), url: otherId.map((i) => `/v1/tokens/${i}/rejections`), body: fc.oneof(json, fc.record({ reason: json })) }),
    fc.record({ method: fc.constant('POST'), url: id.map((i) => `/v1/tokens/${i}/consume`), body: fc.record({ operation: json }) }),
    fc.record({ method: fc.constant('GET'), url: id.map((i) => `/v1/tokens/${i}`) }),
    fc.record({ method: fc.constant('DELETE'), url: otherId.map((i) => `/v1/tokens/${i}`) }),
    fc.record({ method: fc.constant('GET'), url: fc.tuple(id, fc.string({ maxLength: 8 })).map(([i, w]) => `/v1/tokens/${i}?wait=${encodeURIComponent(w)}`) }),
    fc.record({ method: fc.constant('GET'), url: fc.tuple(id, fc.constantFrom('bytes', 'bundle')).map(([i, p]) => `/v1/tokens/${i}/${p}`) }),
    fc.record({ method: fc.constant('GET'), url: fc.string({ maxLength: 20 }).map((q) => `/v1/tokens?status=${encodeURIComponent(q)}&limit=${encodeURIComponent(q)}`) }),
    fc.record({ method: fc.constant('POST'), url: fc.constant('/v1/api-keys'), body: fc.record({ name: json, scopes: json }) }),
    fc.record({ method: fc.constant('PUT'), url: fc.constant('/v1/officers/me/webhook'), body: fc.record({ url: json, secret: json }) }),
    fc.record({ method: fc.constant('POST'), url: fc.string({ maxLength: 40 }).map((s) => `/v1/admin/deliveries/${encodeURIComponent(s) || 'x'}/replay`) }),
    fc.record({ method: fc.constant('GET'), url: fc.string({ maxLength: 12 }).map((s) => `/v1/audit?from=${encodeURIComponent(s)}`) }),
  );
  const request: fc.Arbitrary<Req> = fc.record({
    r: route,
    contentType: fc.option(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data')),
    as: fc.constantFrom('admin' as const, 'co1' as const, 'none' as const, 'bogus' as const),
    raw: fc.boolean(),
  }).map(({ r, contentType, as, raw }) => ({
    method: r.method,
    url: r.url,
    body: 'body' in r ? (raw ? JSON.stringify(r.body).slice(0, -1) : r.body) : undefined,
    ...(contentType ? { contentType } : {}),
    as,
  }));

  it('answers every generated request with a 4xx and a RET_ code (or, for a read, its data), never a 5xx, and changes no state', async () => {
    const before = await h.snapshot();
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const token = req.as === 'admin' ? admin.token : req.as === 'co1' ? co1.token : req.as === 'bogus' ? 'qs_forged-session-token' : undefined;
        const headers: Record<string, string> = req.contentType ? { 'content-type': req.contentType } : {};
        if (req.body !== undefined && !req.contentType) headers['content-type'] = 'application/json';
        const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
        const res = await h.request(req.method, req.url.replace(':token', tokenId), token, payload, headers);
        // Never a 5xx; every refusal carries a RET_ code; only reads may succeed.
        const refused = res.status >= 400 && res.status < 500 && typeof res.body === 'object' && /^RET_[A-Z_]+$/.test(res.body.code);
        const read = res.status < 300 && req.method === 'GET';
        const ok = refused || read;
        if (!ok) problems.push(`${req.method} ${req.url} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        return ok;
      }),
      { numRuns: 4000, seed: Number(process.env.FUZZ_SEED ?? 20261129) },
    );
    expect(problems).toEqual([]);
    expect(await h.snapshot()).toEqual(before);
    expect((await h.store.audit.verify()).ok).toBe(true);
  }, 120_000);

  // Bodies JSON.parse accepts but would overflow recursive code, round a number, or keep
  // only the last of two same-named members: refused as text, before anything is signed.
  const deep = (n: number) => '{"service":"USER_MGMT","operation":{"command":"x","args":{"a":' + '['.repeat(n) + ']'.repeat(n) + '}}}';
  const op = (args: string) => `{"service":"USER_MGMT","operation":{"command":"deployRelease","args":${args}}}`;
  it.each([
    ['args nested 20,000 deep', deep(20_000)],
    ['args nested 10 deep', op('{"a":' + '{"b":'.repeat(9) + '1' + '}'.repeat(10))],
    ['1e400 in args', op('{"n":1e400}')],
    ['-1e400 in args', op('{"n":-1e400}')],
    ['an integer beyond 2^53', op('{"n":12345678901234567891}')],
    ['a decimal that would be rounded', op('{"n":0.1000000000000000000001}')],
    ['a member named twice in args', op('{"version":"1.0","version":"2.0"}')],
    ['a member named twice, once escaped', op('{"version":"1.0","\\u0076ersion":"2.0"}')],
    ['a member named twice in the body', '{"service":"USER_MGMT","service":"QUORUM_MGMT","operation":{"command":"x"}}'],
    ['an argument name of 65 characters', op(`{"${'k'.repeat(65)}":1}`)],
  ])('refuses %s with 400 RET_BAD_REQUEST and changes nothing', async (_name, body) => {
    const before = await h.snapshot();
    const res = await h.request('POST', '/v1/tokens', admin.token, body, { 'content-type': 'application/json' });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'RET_BAD_REQUEST' });
    expect(await h.snapshot()).toEqual(before);
  });

  it('keeps numbers that round-trip exactly: what is signed is what was sent', async () => {
    const res = await h.request('POST', '/v1/tokens', admin.token, op('{"a":9007199254740991,"b":0.1,"c":1e2,"d":-2.5e-3,"e":1.0}'), { 'content-type': 'application/json' });
    expect(res.status).toBe(201);
    expect(res.body.token.operation.args).toEqual({ a: 9007199254740991, b: 0.1, c: 100, d: -0.0025, e: 1 });
    await h.request('DELETE', `/v1/tokens/${res.body.token.id}`, admin.token);
  });
});

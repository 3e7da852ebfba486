import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import {
  auditLeafHash,
  nodeMerkleHasher as H,
  openCheckpoint,
  parseNoteVerifierKey,
  rawEd25519PublicKey,
  signNote,
  splitNote,
  verifyConsistency,
  verifyInclusion,
  type AuditCheckpoint,
} from '@quorumd/core';
import { Harness, type Officer } from '../support/harness';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const b64 = (hs: string[]): Buffer[] => hs.map((h) => Buffer.from(h, 'base64'));

/** Entries appended the way the scripts append them (the text, then the head), without the operations behind them: the tree does not read what they say. */
async function appendFillers(h: Harness, count: number): Promise<void> {
  const k = h.store.keys;
  const head = await h.store.audit.headSeq();
  const multi = h.redis.multi();
  for (let i = 1; i <= count; i++) multi.rpush(k.audit(), JSON.stringify({ seq: head + i, at: new Date().toISOString(), type: 'test.filler', actor: 'system', data: { n: i } }));
  multi.hset(k.auditHead(), 'seq', head + count);
  await multi.exec();
}

describe('the audit log as a transparency log (RFC 9162 proofs, C2SP checkpoints)', () => {
  let h: Harness;
  let admin: Officer;
  let size = 0;
  let entries: string[] = [];
  let verifierKey = '';
  let note = '';

  const noteOfHead = async (): Promise<boolean> => {
    const head = await h.store.audit.headSeq();
    const last = (await h.store.audit.checkpoints()).at(-1);
    return head > 0 && last?.seq === head && typeof last.note === 'string';
  };

  beforeAll(async () => {
    ({ h, admin } = await Harness.withOfficers([], { worker: true, env: { QUORUM_CHECKPOINT_INTERVAL_MS: '100' } }));
    await appendFillers(h, 1000 - (await h.store.audit.headSeq()));
    await until('1,000 entries sealed, in the tree, and checkpointed', noteOfHead);
    size = await h.store.audit.treeSize();
    entries = await h.store.audit.page(1, size);
    const key = await h.request('GET', '/v1/audit/verifier-key', admin.token);
    expect(key.status).toBe(200);
    verifierKey = key.body.verifierKey;
    const res = await h.request('GET', '/v1/audit/checkpoint', admin.token);
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/plain');
    note = res.body as string;
  });
  afterAll(() => h.close());

  it('serves the latest checkpoint as a C2SP signed note that opens with the published verifier key, over the tree of the entries as stored', async () => {
    expect(size).toBeGreaterThanOrEqual(1000);
    expect(verifierKey).toMatch(new RegExp(`^quorumd/${h.issuer}\\+[0-9a-f]{8}\\+A`));
    const opened = openCheckpoint(note, parseNoteVerifierKey(verifierKey));
    if (!opened.ok) throw new Error(opened.reason);
    expect(opened.checkpoint.origin).toBe(`quorumd/${h.issuer}`);
    expect(opened.checkpoint.size).toBe(size);
    // The root, recomputed here from nothing but the entries' texts (RFC 6962 MTH).
    const mth = (leaves: Buffer[]): Buffer => {
      if (leaves.length === 1) return leaves[0] as Buffer;
      let k = 1;
      while (k * 2 < leaves.length) k *= 2;
      return Buffer.from(H.node(mth(leaves.slice(0, k)), mth(leaves.slice(k))));
    };
    expect(opened.checkpoint.root.equals(mth(entries.map(auditLeafHash)))).toBe(true);
    // The same key as the PEM the JSON endpoints publish, and the note is kept in the checkpoint file too.
    const pem = (await h.request('GET', '/v1/audit/public-key', admin.token)).body.publicKeyPem as string;
    expect(verifierKey.endsWith(Buffer.concat([Buffer.of(1), rawEd25519PublicKey(pem)]).toString('base64'))).toBe(true);
    const { checkpoints } = (await h.request('GET', '/v1/audit/checkpoints', admin.token)).body as { checkpoints: AuditCheckpoint[] };
    expect(checkpoints.at(-1)?.note).toBe(note);
  });

  it('proves the inclusion of every entry of a 1,000-entry log, and consistency between random sizes', async () => {
    const root = (openCheckpoint(note, parseNoteVerifierKey(verifierKey)) as { checkpoint: { root: Buffer } }).checkpoint.root;
    for (let index = 0; index < size; index++) {
      const res = await h.request('GET', `/v1/audit/proof/inclusion?index=${index}&size=${size}`, admin.token);
      expect(res.body).toMatchObject({ index, size });
      expect(verifyInclusion(index, size, auditLeafHash(entries[index] as string), b64(res.body.hashes), root, H)).toBe(true);
    }
    const roots = new Map<number, Buffer>();
    const rootAt = async (n: number): Promise<Buffer> => roots.get(n) ?? (roots.set(n, await h.store.audit.root(n)), roots.get(n) as Buffer);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: size }), fc.integer({ min: 1, max: size }), async (x, y) => {
        const [from, to] = x <= y ? [x, y] : [y, x];
        const res = await h.request('GET', `/v1/audit/proof/consistency?from=${from}&to=${to}`, admin.token);
        expect(res.status).toBe(200);
        expect(verifyConsistency(from, to, await rootAt(from), await rootAt(to), b64(res.body.hashes), H)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('answers 400 RET_BAD_REQUEST to a proof of a leaf or size the tree does not hold', async () => {
    for (const url of [
      `/v1/audit/proof/inclusion?index=${size}&size=${size}`,
      `/v1/audit/proof/inclusion?index=0&size=${size + 1}`,
      '/v1/audit/proof/inclusion?index=0&size=0',
      '/v1/audit/proof/inclusion?index=-1&size=3',
      '/v1/audit/proof/inclusion?index=x&size=3',
      `/v1/audit/proof/consistency?from=0&to=${size}`,
      `/v1/audit/proof/consistency?from=5&to=4`,
      `/v1/audit/proof/consistency?from=1&to=${size + 1}`,
      '/v1/audit/entries?from=5&to=5',
      '/v1/audit/export?after=abc',
    ]) {
      const res = await h.request('GET', url, admin.token);
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'RET_BAD_REQUEST' });
    }
  });

  it('serves the leaves, and an NDJSON export that resumes after a seq, each line with its leaf hash and the checkpoint size', async () => {
    const page = await h.request('GET', '/v1/audit/entries?from=10&to=20', admin.token);
    expect(page.body).toEqual({ from: 10, to: 20, entries: entries.slice(10, 20) });
    const res = await h.app.inject({ method: 'GET', url: `/v1/audit/export?after=${size - 5}`, headers: { authorization: `Bearer ${admin.token}` } });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-type'])).toContain('application/x-ndjson');
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; leafHash: string; checkpointSize: number; entry: { seq: number } });
    expect(lines.map((l) => l.seq)).toEqual([size - 4, size - 3, size - 2, size - 1, size]);
    for (const line of lines) {
      expect(line.entry.seq).toBe(line.seq);
      expect(line.leafHash).toBe(auditLeafHash(entries[line.seq - 1] as string).toString('base64'));
      expect(line.checkpointSize).toBe(size);
    }
  });

  it('refuses, in Node, a tampered leaf, a proof for another size, and a note signed by another key under the same name', async () => {
    const verifier = parseNoteVerifierKey(verifierKey);
    const root = (openCheckpoint(note, verifier) as { checkpoint: { root: Buffer } }).checkpoint.root;
    const proof = b64((await h.request('GET', `/v1/audit/proof/inclusion?index=7&size=${size}`, admin.token)).body.hashes);
    expect(verifyInclusion(7, size, auditLeafHash((entries[7] as string).replace('"n":', '"m":')), proof, root, H)).toBe(false);
    const other = b64((await h.request('GET', `/v1/audit/proof/inclusion?index=7&size=${size - 1}`, admin.token)).body.hashes);
    expect(verifyInclusion(7, size, auditLeafHash(entries[7] as string), other, root, H)).toBe(false);
    const intruder = generateKeyPairSync('ed25519');
    const forged = signNote(splitNote(note).text, verifier.name, rawEd25519PublicKey(intruder.publicKey), (m) => sign(null, m, intruder.privateKey));
    expect(openCheckpoint(forged, verifier)).toMatchObject({ ok: false });
  });

  it("is checked by Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's golang-golang-x-mod-dev, GOPATH mode, offline): the same proofs pass, the same tampering fails", async () => {
    // Debian installs golang.org/x/mod's sources under /usr/share/gocode/src: a GOPATH with the program's own directory first.
    const dir = mkdtempSync(join(tmpdir(), 'quorumd-tlog-go-'));
    try {
      mkdirSync(join(dir, 'src', 'tlogverify'), { recursive: true });
      copyFileSync(join(__dirname, '..', 'fixtures', 'tlog-verify', 'main.go'), join(dir, 'src', 'tlogverify', 'main.go'));
      const env = { ...process.env, GO111MODULE: 'off', GOPATH: `${dir}:/usr/share/gocode`, GOCACHE: join(dir, 'cache'), GOFLAGS: '', GOPROXY: 'off', CGO_ENABLED: '0' };
      execFileSync('go', ['build', '-o', join(dir, 'tlog-verify'), 'tlogverify'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });

      const { checkpoints } = (await h.request('GET', '/v1/audit/checkpoints', admin.token)).body as { checkpoints: AuditCheckpoint[] };
      const notes = checkpoints.map((c) => c.note).filter((n): n is string => n !== undefined);
      const intruder = generateKeyPairSync('ed25519');
      const name = parseNoteVerifierKey(verifierKey).name;
      const forged = signNote(splitNote(note).text, name, rawEd25519PublicKey(intruder.publicKey), (m) => sign(null, m, intruder.privateKey));

      const inclusion: Array<{ index: number; size: number; text: string; hashes: string[] }> = [];
      for (let index = 0; index < size; index++) {
        inclusion.push({ index, size, text: entries[index] as string, hashes: (await h.request('GET', `/v1/audit/proof/inclusion?index=${index}&size=${size}`, admin.token)).body.hashes });
      }
      const consistency: Array<{ from: number; to: number; hashes: string[] }> = [];
      for (const [from, to] of fc.sample(fc.tuple(fc.integer({ min: 1, max: size }), fc.integer({ min: 1, max: size })), { numRuns: 100, seed: 31 }).map(([x, y]) => (x <= y ? [x, y] : [y, x]) as [number, number])) {
        consistency.push({ from, to, hashes: (await h.request('GET', `/v1/audit/proof/consistency?from=${from}&to=${to}`, admin.token)).body.hashes });
      }
      const shorter = (await h.request('GET', `/v1/audit/proof/inclusion?index=7&size=${size - 1}`, admin.token)).body.hashes as string[];
      const bad = {
        inclusion: [
          { index: 7, size, text: (entries[7] as string).replace('"n":', '"m":'), hashes: inclusion[7]?.hashes ?? [] }, // a tampered leaf
          { index: 7, size, text: entries[7] as string, hashes: shorter }, // the proof for another size
        ],
        consistency: consistency.filter((c) => c.from < c.to && c.hashes.length > 0).slice(0, 1).map((c) => ({ ...c, from: c.from === 1 ? 2 : c.from - 1 })),
      };
      const run = (input: object): { notes: boolean[]; inclusion: boolean[]; consistency: boolean[]; errors: string[] } =>
        JSON.parse(execFileSync(join(dir, 'tlog-verify'), { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));

      const good = run({ verifierKey, entries, notes: [note, ...notes], inclusion, consistency });
      expect(good.errors).toEqual([]);
      expect(good.notes.every(Boolean) && good.notes.length === notes.length + 1).toBe(true);
      expect(good.inclusion.filter(Boolean)).toHaveLength(size);
      expect(good.consistency.filter(Boolean)).toHaveLength(consistency.length);

      const refused = run({ verifierKey, entries, notes: [forged], inclusion: bad.inclusion, consistency: bad.consistency });
      expect(refused.notes).toEqual([false]);
      expect(refused.inclusion).toEqual([false, false]);
      expect(refused.consistency).toEqual(bad.consistency.map(() => false));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('tails the log for a SIEM with quorum audit tail: NDJSON and CEF lines after a seq, and --follow picks up new entries', async () => {
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const env = { PATH: process.env.PATH ?? '', QUORUM_URL: address, QUORUM_TOKEN: admin.token, QUORUM_PROFILE: join(tmpdir(), `quorum-tail-${process.pid}.json`) };
    const cli = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
    const head = await h.store.audit.treeSize();
    const tail = async (...args: string[]): Promise<string> => (await promisify(execFile)(process.execPath, [cli, 'audit', 'tail', ...args], { env, encoding: 'utf8' })).stdout;
    const ndjson = (await tail('--after', String(head - 2))).trim().split('\n').map((l) => JSON.parse(l) as { seq: number; leafHash: string });
    expect(ndjson.map((l) => l.seq)).toEqual([head - 1, head]);
    const cef = (await tail('--after', String(head - 1), '--format', 'cef')).trim();
    expect(cef).toMatch(new RegExp(`^CEF:0\\|quorumd\\|quorumd\\|1\\|test\\.filler\\|test\\.filler\\|3\\|rt=\\d+ suser=system cn1Label=seq cn1=${head} cs1Label=leafHash cs1=\\S+ cn2Label=checkpointSize cn2=\\d+ msg={"n":\\d+}$`));
    const follow = spawn(process.execPath, [cli, 'audit', 'tail', '--follow', '--interval-ms', '50', '--after', String(head)], { env });
    let seen = '';
    follow.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString('utf8')));
    try {
      await appendFillers(h, 2);
      await until('tail --follow writes the two new entries', async () => seen.trim().split('\n').filter(Boolean).length === 2);
      expect(seen.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([head + 1, head + 2]);
    } finally {
      follow.kill();
    }
    await until('sealed and checkpointed again', noteOfHead);
    size = await h.store.audit.treeSize();
  });

  it("migrates a log sealed by the chain alone (as before the tree was kept) once: the sealer grows the tree from entry 1 and signs the same root", async () => {
    // A log as the code before the tree leaves it: entries, chain hashes and checkpoints, no tree.
    const rootBefore = await h.store.audit.root(size);
    await h.redis.multi().del(h.store.keys.auditTree(0)).hdel(h.store.keys.auditSealed(), 'tree').exec();
    expect(await h.store.audit.treeSize()).toBe(0);
    await appendFillers(h, 3);
    await until('the tree regrown to the head and the head checkpointed', async () => (await h.store.audit.treeSize()) === size + 3 && noteOfHead());
    expect((await h.store.audit.root(size)).equals(rootBefore)).toBe(true);
    const res = await h.request('GET', `/v1/audit/proof/consistency?from=${size}&to=${size + 3}`, admin.token);
    expect(verifyConsistency(size, size + 3, rootBefore, await h.store.audit.root(size + 3), b64(res.body.hashes), H)).toBe(true);
    // The chain verifier still passes over the whole log.
    expect(await h.store.audit.verify()).toMatchObject({ ok: true, entries: size + 3, pending: 0 });
  });
});

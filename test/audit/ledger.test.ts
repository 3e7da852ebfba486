import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuorumClient } from '@quorumd/client';
import { nodeAuditCrypto, parseCheckpointLines, verifyAuditLedger, type AuditCheckpoint } from '@quorumd/core';
import { AuditSealer, QuorumStore, connectForRequests } from '@quorumd/store';
import { Harness, REDIS_URL, type Officer } from '../support/harness';

const CLI = join(__dirname, '..', '..', 'packages', 'store', 'dist', 'audit-verify-cli.js');

function verifyCli(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('node', [CLI, ...args], { encoding: 'utf8' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

/** The CLI's exit code, output and warnings (stderr). */
function verifyCliWarnings(args: string[]): { code: number; out: string; err: string } {
  const run = spawnSync('node', [CLI, ...args], { encoding: 'utf8' });
  return { code: run.status ?? -1, out: run.stdout, err: run.stderr };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sealed up to the head, and a checkpoint of that head signed. */
async function settled(h: Harness): Promise<void> {
  await until('the audit log is sealed and checkpointed to its head', async () => {
    const head = await h.store.audit.headSeq();
    const sealed = await h.store.audit.sealed();
    const last = (await h.store.audit.checkpoints()).at(-1);
    return head > 0 && sealed.seq === head && last?.seq === head;
  });
}

describe('the audit ledger: sealed outside the scripts, signed checkpoints, a cut tail detected', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let checkpointFile: string;
  let publicKeyFile: string;

  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1'], { worker: true, env: { QUORUM_CHECKPOINT_INTERVAL_MS: '100' } }));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    const operation = { command: 'rotateKey', args: { key: 'billing' } };
    const id = await h.approvedToken(admin, 'USER_MGMT', operation, [admin, co1]);
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation })).status).toBe(200);
    await settled(h);
    checkpointFile = h.config.checkpointFile;
    publicKeyFile = join(h.openssl.dir, 'audit.pub');
    writeFileSync(publicKeyFile, (await h.request('GET', '/v1/audit/public-key', admin.token)).body.publicKeyPem);
  });
  afterAll(() => h.close());

  it('records every kind of state change in sequence, hashed in Node (no hash in the entries)', async () => {
    const res = await h.request('GET', '/v1/audit?limit=1000', admin.token);
    const types = res.body.entries.map((e: { type: string }) => e.type);
    for (const type of ['user.created', 'session.login', 'quorum_key.registered', 'quorum.m_changed', 'token.issued', 'token.approval', 'token.approved', 'token.consumed']) {
      expect(types).toContain(type);
    }
    res.body.entries.forEach((e: { seq: number; hash?: string }, i: number) => {
      expect(e.seq).toBe(i + 1);
      expect(e.hash).toBeUndefined();
    });
    expect(await h.redis.llen(h.store.keys.auditHashes())).toBe(res.body.entries.length);
    const head = (await h.request('GET', '/v1/audit/head', admin.token)).body;
    expect(head).toMatchObject({ seq: res.body.entries.length, sealedSeq: res.body.entries.length, issuer: h.issuer });
  });

  it('serves signed checkpoints that openssl verifies, and appends them to a file outside Redis', async () => {
    const { checkpoints } = (await h.request('GET', '/v1/audit/checkpoints?after=0', admin.token)).body as { checkpoints: AuditCheckpoint[] };
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints.map((c) => c.seq)).toEqual([...checkpoints.map((c) => c.seq)].sort((a, b) => a - b));
    expect(parseCheckpointLines(readFileSync(checkpointFile, 'utf8'))).toEqual(checkpoints);
    const newest = checkpoints.at(-1)!;
    const msg = join(h.openssl.dir, 'msg.txt');
    const sig = join(h.openssl.dir, 'sig.bin');
    writeFileSync(msg, `quorumd audit checkpoint v1\n${h.issuer}\n${newest.seq}\n${newest.hash}\n${newest.at}\n`);
    writeFileSync(sig, Buffer.from(newest.signature, 'base64'));
    const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', publicKeyFile, '-rawin', '-in', msg, '-sigfile', sig], { encoding: 'utf8' });
    expect(out).toMatch(/Signature Verified Successfully/);
    const later = (await h.request('GET', `/v1/audit/checkpoints?after=${newest.seq}`, admin.token)).body.checkpoints;
    expect(later).toEqual([]);
  });

  it('verifies from Redis, the checkpoint file and the pinned key; the CLI names what fails after each kind of tampering', async () => {
    const args = ['--redis', REDIS_URL, '--prefix', h.prefix, '--checkpoints', checkpointFile, '--public-key', publicKeyFile];
    // The newest checkpoint covers the head (an entry written after it would be undetectable if changed: by design).
    await settled(h);
    expect(verifyCli(args)).toMatchObject({ code: 0, out: expect.stringMatching(/^audit log OK: \d+ entries, \d+ sealed, \d+ signed checkpoint\(s\) verified/) });
    // Without a pinned key it checks with the one Redis publishes, and says so.
    expect(verifyCliWarnings(args).err).toBe('');
    const unpinned = verifyCliWarnings(args.slice(0, 6));
    expect(unpinned).toMatchObject({ code: 0, out: expect.stringMatching(/^audit log OK/), err: expect.stringMatching(/^warning: no --public-key: .*published in Redis.*--public-key/) });
    // No sealer at work while the log is tampered with and put back.
    await h.worker!.close();
    h.worker = undefined;

    const k = h.store.keys;
    const saved = { entries: await h.redis.lrange(k.audit(), 0, -1), hashes: await h.redis.lrangeBuffer(k.auditHashes(), 0, -1), head: await h.redis.hgetall(k.auditHead()), sealed: await h.redis.hgetall(k.auditSealed()) };
    const n = saved.entries.length;
    const restore = async () => {
      await h.redis.del(k.audit(), k.auditHashes());
      await h.redis.rpush(k.audit(), ...saved.entries);
      await h.redis.rpush(k.auditHashes(), ...saved.hashes);
      await h.redis.hset(k.auditHead(), saved.head);
      await h.redis.hset(k.auditSealed(), saved.sealed);
      expect(verifyCli(args).code).toBe(0);
    };

    // A tail cut by three RPOPs, with the head and the sealed mark moved back to match.
    for (let i = 0; i < 3; i++) await h.redis.rpop(k.audit());
    for (let i = 0; i < 3; i++) await h.redis.rpop(k.auditHashes());
    await h.redis.hset(k.auditHead(), 'seq', n - 3);
    await h.redis.hset(k.auditSealed(), 'seq', n - 3, 'hash', saved.hashes[n - 4]!.toString('hex'));
    expect(verifyCli(args)).toEqual({ code: 1, out: expect.stringMatching(new RegExp(`BROKEN at checkpoint \\d+: the log ends at entry ${n - 3}.*tail was cut`)) });
    await restore();

    // The last entry rewritten, with its hash recomputed.
    const last = saved.entries[n - 1]!.replace('"type":"', '"type":"x');
    await h.redis.lset(k.audit(), n - 1, last);
    const { chainHash } = await import('@quorumd/core');
    await h.redis.lset(k.auditHashes(), n - 1, Buffer.from(chainHash(saved.hashes[n - 2]!.toString('hex'), last), 'hex'));
    expect(verifyCli(args)).toEqual({ code: 1, out: expect.stringMatching(new RegExp(`BROKEN at checkpoint ${n}: .*rewritten`)) });
    await restore();

    // An edit in the middle.
    await h.redis.lset(k.audit(), 4, saved.entries[4]!.replace('"at":"2', '"at":"1'));
    expect(verifyCli(args)).toEqual({ code: 1, out: expect.stringMatching(/BROKEN at entry 5: entry 5 does not match its sealed hash/) });
    await restore();

    // Two entries swapped.
    await h.redis.lset(k.audit(), 2, saved.entries[3]!);
    await h.redis.lset(k.audit(), 3, saved.entries[2]!);
    expect(verifyCli(args)).toEqual({ code: 1, out: expect.stringMatching(/BROKEN at entry 3: .*reordered/) });
    await restore();

    // A forged checkpoint in the file.
    const lines = readFileSync(checkpointFile, 'utf8').trim().split('\n');
    const forged = { ...(JSON.parse(lines.at(-1)!) as AuditCheckpoint), signature: Buffer.alloc(64, 1).toString('base64') };
    const forgedFile = join(h.openssl.dir, 'forged.jsonl');
    writeFileSync(forgedFile, [...lines.slice(0, -1), JSON.stringify(forged)].join('\n') + '\n');
    expect(verifyCli([...args.slice(0, 4), '--checkpoints', forgedFile, '--public-key', publicKeyFile])).toEqual({ code: 1, out: expect.stringMatching(new RegExp(`BROKEN at checkpoint ${forged.seq}: .*does not verify`)) });

    // A checkpoint file of another deployment (another issuer and key).
    const other = await Harness.withOfficers([], { worker: true, env: { QUORUM_CHECKPOINT_INTERVAL_MS: '100' } });
    try {
      await settled(other.h);
      const otherFile = other.h.config.checkpointFile;
      expect(verifyCli([...args.slice(0, 4), '--checkpoints', otherFile, '--public-key', publicKeyFile])).toEqual({ code: 1, out: expect.stringMatching(/BROKEN at checkpoint \d+: .*does not verify/) });
    } finally {
      await other.h.close();
    }
  });

  it('a killed sealer is replaced within seconds, and the chain is complete', async () => {
    // Two sealers on the same deployment, as two replicas would run (the harness's own was stopped).
    const redis = connectForRequests(REDIS_URL, { enableOfflineQueue: true, lazyConnect: false });
    const store = new QuorumStore(redis, { prefix: h.prefix, retentionMs: 60_000 });
    const log = () => undefined;
    const a = new AuditSealer(store, { id: 'sealer-a', leaseMs: 500, pollMs: 20, checkpointIntervalMs: 100, log, alarm: log });
    const b = new AuditSealer(store, { id: 'sealer-b', leaseMs: 500, pollMs: 20, checkpointIntervalMs: 100, log, alarm: log });
    try {
      await until('the harness sealer’s lease ran out', async () => (await h.redis.get(h.store.keys.auditSealer())) === null, 5000);
      a.start();
      await until('sealer a holds the lease', async () => (await h.redis.get(h.store.keys.auditSealer())) === 'sealer-a');
      b.start();
      const storm = async (n: number) => {
        for (let i = 0; i < n; i++) await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { n: i } } });
      };
      await storm(20);
      await a.stop(); // killed: its lease stays until it runs out
      const killedAt = Date.now();
      await storm(20);
      await until('sealer b took over', async () => (await h.redis.get(h.store.keys.auditSealer())) === 'sealer-b', 5000);
      expect(Date.now() - killedAt).toBeLessThan(3000);
      await until('sealed to the head', async () => (await h.store.audit.sealed()).seq === (await h.store.audit.headSeq()));
      const verdict = await h.store.audit.verify({ publicKeyPem: readFileSync(publicKeyFile, 'utf8') });
      expect({ verdict }).toEqual({ verdict: expect.objectContaining({ ok: true, pending: 0 }) });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      redis.disconnect();
    }
  });

  it('is readable only by COs', async () => {
    const quorumToken = await h.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'cu1' } }, [admin, co1]);
    expect((await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'cu1', password: 'cu1-password', quorumToken })).status).toBe(201);
    const token = await h.login('cu1', 'cu1-password');
    for (const path of ['/v1/audit', '/v1/audit/hashes', '/v1/audit/checkpoints', '/v1/audit/public-key', '/v1/audit/head']) {
      expect((await h.request('GET', path, token)).body.code).toBe('RET_FORBIDDEN');
    }
  });
});

describe('the audit ledger read through the API while it grows', () => {
  let h: Harness;
  let admin: Officer;
  let url: string;

  beforeAll(async () => {
    ({ h, admin } = await Harness.withOfficers([], { worker: true, env: { QUORUM_CHECKPOINT_INTERVAL_MS: '100' } }));
    await settled(h);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());

  it('is read up to the head it read first: entries and checkpoints made meanwhile do not make it BROKEN', async () => {
    const fetched = globalThis.fetch;
    let grown = false;
    // A busy deployment: entries are appended, sealed and checkpointed after the head was read, before the entries are.
    globalThis.fetch = async (input, init) => {
      if (!grown && String(input).includes('/v1/audit?format=raw')) {
        grown = true;
        for (let i = 0; i < 5; i++) await h.login('admin', 'admin-password');
        await settled(h);
      }
      return fetched(input, init);
    };
    let ledger: Awaited<ReturnType<QuorumClient['auditLedger']>>;
    try {
      ledger = await new QuorumClient({ url, token: admin.token }).auditLedger();
    } finally {
      globalThis.fetch = fetched;
    }
    expect(grown).toBe(true);
    expect(await h.store.audit.headSeq()).toBeGreaterThan(ledger.head.seq);
    expect(ledger.entries).toHaveLength(ledger.head.seq);
    const verdict = await verifyAuditLedger(
      { entries: ledger.entries, headSeq: ledger.head.seq, hashes: ledger.hashes, checkpoints: ledger.checkpoints, issuer: ledger.head.issuer },
      nodeAuditCrypto(ledger.publicKeyPem!),
    );
    expect(verdict).toMatchObject({ ok: true, entries: ledger.head.seq });
    expect(ledger.checkpoints.length).toBeGreaterThan(0);
  });
});

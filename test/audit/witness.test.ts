import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  cosignatureLine,
  nodeMerkleHasher,
  openCheckpoint,
  parseNoteVerifierKey,
  rawEd25519PublicKey,
  splitNote,
  verifyConsistency,
  witnessVerifierKey,
  type AuditCheckpoint,
} from '@quorumd/core';
import { WitnessSubmitter } from '@quorumd/queue';
import { Harness, type Officer } from '../support/harness';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A witness as C2SP tlog-witness describes it, written here from the spec: POST
 * <prefix>/add-checkpoint with `old <size>`, the consistency proof lines, a blank line and the
 * signed checkpoint; 404 for an unknown origin, 403 when no signature of a key it trusts
 * verifies, 400 for an old size above the checkpoint's, 409 (text/x.tlog.size) when the old
 * size is not the one it last cosigned, 422 for a proof that does not verify; else it keeps
 * the checkpoint and answers its cosignature (tlog-cosignature v1).
 */
class SpecWitness {
  readonly name = 'witness.example/w1';
  private readonly keys = generateKeyPairSync('ed25519');
  readonly verifierKey = witnessVerifierKey(this.name, rawEd25519PublicKey(this.keys.publicKey));
  private logKey: ReturnType<typeof parseNoteVerifierKey> | undefined;
  private latest: { size: number; root: Buffer } | undefined;
  readonly answers: number[] = [];
  private server: Server | undefined;
  url = '';

  trust(logVerifierKey: string): void {
    this.logKey = parseNoteVerifierKey(logVerifierKey);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const [status, text, type] = this.addCheckpoint(req.method ?? '', req.url ?? '', body);
        this.answers.push(status);
        res.writeHead(status, { 'content-type': type ?? 'text/plain; charset=utf-8' }).end(text);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/w1`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private addCheckpoint(method: string, url: string, body: string): [number, string, string?] {
    if (method !== 'POST' || url !== '/w1/add-checkpoint') return [404, 'not found\n'];
    const blank = body.indexOf('\n\n');
    if (blank < 0) return [400, 'no blank line\n'];
    const head = body.slice(0, blank).split('\n');
    const checkpoint = body.slice(blank + 2);
    const oldMatch = /^old (0|[1-9][0-9]*)$/.exec(head[0] ?? '');
    if (!oldMatch) return [400, 'no old size line\n'];
    const old = Number(oldMatch[1]);
    const proof = head.slice(1).map((line) => Buffer.from(line, 'base64'));
    if (proof.length > 63) return [400, 'too many proof lines\n'];
    const origin = checkpoint.split('\n')[0];
    if (!this.logKey || origin !== this.logKey.name) return [404, 'unknown log\n'];
    const opened = openCheckpoint(checkpoint, this.logKey);
    if (!opened.ok) return [403, `${opened.reason}\n`];
    const { size, root } = opened.checkpoint;
    if (old > size) return [400, 'old size above the checkpoint size\n'];
    const last = this.latest?.size ?? 0;
    if (old !== last) return [409, `${last}\n`, 'text/x.tlog.size'];
    if (old === 0 && proof.length > 0) return [400, 'a proof from size 0\n'];
    if (old === size && !root.equals(this.latest!.root)) return [409, `${last}\n`, 'text/x.tlog.size'];
    if (old > 0 && old < size && !verifyConsistency(old, size, this.latest!.root, root, proof, nodeMerkleHasher)) return [422, 'the consistency proof does not verify\n'];
    this.latest = { size, root };
    const text = splitNote(checkpoint).text;
    return [200, cosignatureLine(text, this.name, rawEd25519PublicKey(this.keys.publicKey), Math.floor(Date.now() / 1000), (m) => sign(null, m, this.keys.privateKey))];
  }
}

async function appendFillers(h: Harness, count: number): Promise<void> {
  const k = h.store.keys;
  const head = await h.store.audit.headSeq();
  const multi = h.redis.multi();
  for (let i = 1; i <= count; i++) multi.rpush(k.audit(), JSON.stringify({ seq: head + i, at: new Date().toISOString(), type: 'test.filler', actor: 'system', data: { n: i } }));
  multi.hset(k.auditHead(), 'seq', head + count);
  await multi.exec();
}

describe('audit witnesses (C2SP tlog-witness): each checkpoint cosigned, and audit verify --witness requires it', () => {
  const witness = new SpecWitness();
  let h: Harness;
  let admin: Officer;
  let dir: string;
  let env: Record<string, string>;
  const cli = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');

  const quorum = async (...args: string[]): Promise<{ code: number; out: string }> => {
    try {
      return { code: 0, out: (await promisify(execFile)(process.execPath, [cli, ...args], { env, encoding: 'utf8' })).stdout };
    } catch (e) {
      const err = e as { code: number; stdout: string };
      return { code: err.code, out: err.stdout };
    }
  };

  const cosignedHead = async (): Promise<boolean> => {
    const head = await h.store.audit.headSeq();
    const latest = await h.store.audit.latestNotedCheckpoint();
    return latest?.seq === head && (await h.store.audit.cosignatures(head)).includes(`— ${witness.name} `);
  };

  beforeAll(async () => {
    await witness.start();
    dir = mkdtempSync(join(tmpdir(), 'quorum-witness-'));
    ({ h, admin } = await Harness.withOfficers([], { worker: true, env: { QUORUM_CHECKPOINT_INTERVAL_MS: '100', QUORUM_WITNESS_URLS: witness.url } }));
    await until('a first checkpoint signed', async () => (await h.store.audit.latestNotedCheckpoint()) !== undefined);
    witness.trust((await h.request('GET', '/v1/audit/verifier-key', admin.token)).body.verifierKey);
    await appendFillers(h, 5);
    await until('the head checkpointed and cosigned by the witness', cosignedHead);
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    env = { PATH: process.env.PATH ?? '', QUORUM_URL: address, QUORUM_TOKEN: admin.token, QUORUM_PROFILE: join(dir, 'profile.json') };
    writeFileSync(join(dir, 'audit.pub'), (await h.request('GET', '/v1/audit/public-key', admin.token)).body.publicKeyPem);
  });
  afterAll(async () => {
    await h.close();
    await witness.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits each new checkpoint with a consistency proof from the size the witness last cosigned, and serves the note with its cosignature', async () => {
    await appendFillers(h, 7);
    await until('the next head cosigned', cosignedHead);
    const note = (await h.request('GET', '/v1/audit/checkpoint', admin.token)).body as string;
    const lines = note.split('\n').filter((l) => l.startsWith('— '));
    expect(lines).toHaveLength(2);
    expect(lines[1]?.startsWith(`— ${witness.name} `)).toBe(true);
    // Before the witness knew the log it answered 404; since, no refusal: every submission came with the right old size and a proof that verified.
    const since = witness.answers.indexOf(200);
    expect(since).toBeGreaterThanOrEqual(0);
    expect(witness.answers.slice(since).filter((s) => s !== 200)).toEqual([]);
  });

  it('learns a witness’s size from its 409 answer (a restarted sealer knows none) and then gets the cosignature', async () => {
    await until('cosigned', cosignedHead);
    const latest = (await h.store.audit.latestNotedCheckpoint()) as AuditCheckpoint;
    const submitter = new WitnessSubmitter(h.store, [witness.url], () => undefined);
    submitter.submit(latest);
    await submitter.idle();
    expect(witness.answers.slice(-2)).toEqual([409, 200]);
  });

  it('passes quorum audit verify --witness with the witness key, and fails with another witness’s key', async () => {
    const ok = await quorum('audit', 'verify', '--public-key', join(dir, 'audit.pub'), '--witness', witness.verifierKey);
    expect(ok.out).toMatch(/^audit log OK: .*; checkpoint at entry \d+ cosigned by witness\.example\/w1 \(/);
    expect(ok.code).toBe(0);
    const stranger = witnessVerifierKey(witness.name, rawEd25519PublicKey(generateKeyPairSync('ed25519').publicKey));
    const refused = await quorum('audit', 'verify', '--public-key', join(dir, 'audit.pub'), '--witness', stranger);
    expect(refused).toMatchObject({ code: 1, out: expect.stringContaining('carries no cosignature of witness witness.example/w1') });
  });
});

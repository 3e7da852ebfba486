import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, sign } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { verifyLogProof, type Bundle } from '@quorumd/client';
import { noteVerifierKey, rawEd25519PublicKey } from '@quorumd/core';
import { AuditSealer } from '@quorumd/store';
import { Harness, type Officer } from '../support/harness';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A bundle proves it was logged: it carries the signed checkpoint and its token's
 * token.approved and token.consumed entries with their inclusion proofs, which
 * `quorum verify --audit-key` checks offline — and which fail once the log is rewritten and
 * re-signed by any other key.
 */
describe('a bundle carries its proof of being logged, checked offline against the pinned audit key', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let dir: string;
  let verifierKey: string;
  let tokenId: string;

  async function quorumVerify(bundle: Bundle, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const file = join(dir, `bundle-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ bundle }));
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, 'verify', file, '--trust-bundle-keys', ...args], { env: { PATH: process.env.PATH ?? '' } });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, out: err.stdout, err: err.stderr };
    }
  }

  const headCheckpointed = async (): Promise<boolean> => {
    const head = await h.store.audit.headSeq();
    const last = await h.store.audit.latestNotedCheckpoint();
    return last?.seq === head;
  };

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['blp_co1', 'blp_co2'], { worker: true, env: { QUORUM_CHECKPOINT_INTERVAL_MS: '100' } }));
    dir = mkdtempSync(join(tmpdir(), 'quorum-log-proof-'));
    const operation = { command: 'rotateKey', args: { key: 'billing' } };
    tokenId = await h.approvedToken(admin, 'USER_MGMT', operation, [co1]);
    expect((await h.request('POST', `/v1/tokens/${tokenId}/consume`, admin.token, { operation })).status).toBe(200);
    await until('the head checkpointed', headCheckpointed);
    verifierKey = (await h.request('GET', '/v1/audit/verifier-key', admin.token)).body.verifierKey;
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies with quorum verify --audit-key: the token.approved and token.consumed entries are in the signed log', async () => {
    const { bundle } = (await h.request('GET', `/v1/tokens/${tokenId}/bundle`, admin.token)).body as { bundle: Bundle };
    expect(bundle.logProof?.entries.map((e) => JSON.parse(e.text).type)).toEqual(['token.approved', 'token.consumed']);
    const ok = await quorumVerify(bundle, '--audit-key', verifierKey);
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(/logged: token\.approved@\d+, token\.consumed@\d+ in the checkpoint of quorumd\//);
    // The key from a file works the same.
    writeFileSync(join(dir, 'audit.vkey'), `${verifierKey}\n`);
    expect((await quorumVerify(bundle, '--audit-key', join(dir, 'audit.vkey'))).code).toBe(0);
  });

  it('refuses a changed entry, a proof moved to another entry, and a bundle with no proof', async () => {
    const { bundle } = (await h.request('GET', `/v1/tokens/${tokenId}/bundle`, admin.token)).body as { bundle: Bundle };
    const proof = bundle.logProof!;
    const changed = { ...bundle, logProof: { ...proof, entries: proof.entries.map((e, i) => (i === 0 ? { ...e, text: e.text.replace('"required":1', '"required":0') } : e)) } };
    expect(await quorumVerify(changed, '--audit-key', verifierKey)).toMatchObject({ code: 1, out: expect.stringContaining('inclusion proof does not verify') });
    const moved = { ...bundle, logProof: { ...proof, entries: [{ ...(proof.entries[0] as (typeof proof.entries)[0]), index: (proof.entries[0]?.index ?? 0) + 1 }] } };
    expect((await quorumVerify(moved, '--audit-key', verifierKey)).code).toBe(1);
    const { logProof: _dropped, ...bare } = bundle;
    expect(await quorumVerify(bare as Bundle, '--audit-key', verifierKey)).toMatchObject({ code: 1, out: expect.stringContaining('no proof of being logged') });
  });

  it("hands the AWS CloudHSM token file's fetch a receipt (Quorum-Log-Proof): its token.approved entry in the signed log", async () => {
    const example = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'aws-admin.token'), 'utf8')) as { approval_data: string; token: string };
    const operation = { command: 'cloudhsm', args: { service: 'user', description: 'user create --username user1 --role crypto-user' } };
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation, cloudhsm: { tokenFile: { ...example, version: '2.0', signatures: [] } } });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    writeFileSync(join(dir, 'unsigned_token.bin'), Buffer.from(example.token, 'base64'));
    for (const officer of [co1, co2]) {
      const signature = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', officer.key!.privatePath, '-pkeyopt', 'digest:sha256', '-keyform', 'PEM', '-in', join(dir, 'unsigned_token.bin')]).toString('base64');
      expect((await h.request('POST', `/v1/tokens/${id}/approvals`, officer.token, { signature })).status).toBe(200);
    }
    await until('the approval checkpointed', headCheckpointed);
    const fetched = await h.request('GET', `/v1/tokens/${id}/cloudhsm-token-file`, admin.token);
    expect(fetched.status).toBe(200);
    const receipt = JSON.parse(Buffer.from(String(fetched.headers['quorum-log-proof']), 'base64').toString('utf8')) as NonNullable<Bundle['logProof']>;
    expect(verifyLogProof(receipt, verifierKey, id)).toMatchObject({ ok: true, entries: [expect.stringMatching(/^token\.approved@\d+$/)] });
    expect(verifyLogProof(receipt, verifierKey, tokenId)).toMatchObject({ ok: false });
  });

  it('fails after the log is rewritten and re-signed by another key (its tree rebuilt, its published key replaced)', async () => {
    // Whoever writes Redis stops the deployment's sealer, rewrites the token's approval entry,
    // drops the tree (the sealer rebuilds it from the texts), publishes its own key and signs.
    await h.worker?.close();
    const k = h.store.keys;
    const seq = Number(((await h.redis.hget(k.auditTokenEntries(), tokenId)) ?? '').split(' ')[0]);
    const [text] = await h.store.audit.page(seq, 1);
    await h.redis.lset(k.audit(), seq - 1, (text as string).replace('"required":1', '"required":0'));
    const intruder = generateKeyPairSync('ed25519');
    const intruderPem = intruder.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await h.redis.multi().del(k.auditTree(0), k.auditTokenEntries(), k.auditSealer()).hdel(k.auditSealed(), 'tree').set(k.auditPublicKey(), intruderPem).exec();
    const log = (): void => undefined;
    const sealer = new AuditSealer(h.store, { id: 'intruder', signer: { publicKeyPem: intruderPem, sign: (m) => sign(null, m, intruder.privateKey) }, checkpointIntervalMs: 50, pollMs: 20, log, alarm: log });
    const started = new Date().toISOString();
    sealer.start();
    try {
      const head = await h.store.audit.headSeq();
      await until('the rewritten log re-signed by the intruder', async () => {
        const last = await h.store.audit.latestNotedCheckpoint();
        return last !== undefined && last.at >= started && last.seq === head;
      });
    } finally {
      await sealer.stop();
    }
    const { bundle } = (await h.request('GET', `/v1/tokens/${tokenId}/bundle`, admin.token)).body as { bundle: Bundle };
    expect(bundle.logProof?.entries[0]?.text).toContain('"required":0');
    const refused = await quorumVerify(bundle, '--audit-key', verifierKey);
    expect(refused).toMatchObject({ code: 1, out: expect.stringContaining('audit checkpoint: the checkpoint is not signed by') });
    // With the intruder's key it "verifies": the pinned key is what tells them apart.
    const intruderKey = noteVerifierKey(verifierKey.split('+')[0] as string, rawEd25519PublicKey(intruderPem));
    expect((await quorumVerify(bundle, '--audit-key', intruderKey)).code).toBe(0);
  });
});

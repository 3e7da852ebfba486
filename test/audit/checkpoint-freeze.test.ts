import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainHash, parseCheckpointLines } from '@quorumd/core';
import pino from 'pino';
import { cliVerify, scriptVerify, settled } from '../support/audit-tools';
import { until } from '../support/eventually';
import { Harness, type Officer } from '../support/harness';

/**
 * Whoever can write to Redis (but not read the audit key file) must not be able to stop the
 * checkpoints and then rewrite the unsigned tail unseen. The sealer decides what to sign from
 * its own state, never from Redis's checkpoint list; when it cannot seal or sign (its lease
 * held by someone else) it logs an error and the lag metrics rise; and the verifiers fail,
 * naming the cause, when the newest checkpoint is older than --max-checkpoint-age while
 * entries it does not cover are too.
 */
describe('the audit checkpoints cannot be frozen from Redis', () => {
  let h: Harness;
  let admin: Officer;
  let url: string;
  let publicKeyFile: string;
  const errors: { msg: string; [field: string]: unknown }[] = [];

  beforeEach(async () => {
    errors.length = 0;
    const workerLogger = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line) as { msg: string }) });
    ({ h, admin } = await Harness.withOfficers([], { worker: true, workerLogger, env: { QUORUM_CHECKPOINT_INTERVAL_MS: '100' } }));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    await settled(h);
    publicKeyFile = join(h.openssl.dir, 'audit.pub');
    writeFileSync(publicKeyFile, (await h.store.audit.publicKeyPem())!);
  });
  afterEach(() => h.close());

  it('keeps signing after a fake checkpoint far ahead is pushed into Redis, so a rewritten tail is caught', async () => {
    const k = h.store.keys;
    const fake = { seq: 1_000_000_000, hash: 'f'.repeat(64), at: new Date().toISOString(), signature: Buffer.alloc(64).toString('base64') };
    await h.redis.rpush(k.auditCheckpoints(), JSON.stringify(fake));
    for (let i = 0; i < 3; i++) await h.login('admin', 'admin-password');
    const head = await h.store.audit.headSeq();
    const file = h.config.checkpointFile;
    await until('the sealer signed the new head despite the fake', async () => parseCheckpointLines(readFileSync(file, 'utf8')).at(-1)?.seq === head, 10_000);
    const seqs = (await h.store.audit.checkpoints()).map((c) => c.seq);
    expect(seqs.indexOf(fake.seq)).toBeLessThan(seqs.lastIndexOf(head));

    // The writer rewrites the newest entry (its hash recomputed) and takes the fake away.
    const entries = await h.redis.lrange(k.audit(), 0, -1);
    const hashes = (await h.redis.lrangeBuffer(k.auditHashes(), 0, -1)).map((b) => b.toString('hex'));
    const rewritten = entries[head - 1]!.replace('"type":"', '"type":"x');
    const hash = chainHash(hashes[head - 2]!, rewritten);
    await h.redis.lset(k.audit(), head - 1, rewritten);
    await h.redis.lset(k.auditHashes(), head - 1, Buffer.from(hash, 'hex'));
    await h.redis.hset(k.auditSealed(), 'hash', hash);
    await h.redis.lrem(k.auditCheckpoints(), 0, JSON.stringify(fake));

    const script = await scriptVerify(h, ['--checkpoints', file, '--public-key', publicKeyFile]);
    const cli = await cliVerify(url, admin.token, h.openssl.dir, ['--public-key', publicKeyFile]);
    const caught = { code: 1, line: `audit log BROKEN at checkpoint ${head}: checkpoint at entry ${head} does not match the chain there: an entry up to ${head} was rewritten` };
    expect({ code: script.code, line: script.line }).toEqual(caught);
    expect({ code: cli.code, line: cli.line }).toEqual(caught);
  });

  it('logs an error and raises the lag metrics when the sealer lease is held by someone else, and the verifiers fail naming the cause', async () => {
    const k = h.store.keys;
    const signedSeq = (await h.store.audit.checkpoints()).at(-1)!.seq;
    await h.redis.set(k.auditSealer(), 'attacker');
    for (let i = 0; i < 3; i++) await h.login('admin', 'admin-password');
    const metric = async (name: string): Promise<number> => {
      const text = (await h.request('GET', '/metrics')).body as string;
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    };
    await until('the sealer sees sealing lag', async () => (await metric('quorum_audit_seal_lag_seconds')) > 0, 5_000);
    // The bound: 5 checkpoint intervals, at least 10 s (the verifiers' default --max-checkpoint-age too).
    await until('the sealer raised its alarm', async () => errors.some((e) => /audit sealing has stopped/.test(e.msg)), 20_000);
    const alarm = errors.find((e) => /audit sealing has stopped/.test(e.msg))!;
    expect(alarm).toMatchObject({ level: 50, leaseHolder: 'attacker', headSeq: signedSeq + 3, sealedSeq: signedSeq, checkpointSeq: signedSeq });
    expect(await metric('quorum_audit_seal_lag_seconds')).toBeGreaterThan(10);
    expect(await metric('quorum_audit_checkpoint_age_seconds')).toBeGreaterThan(10);
    expect(await h.store.audit.sealed()).toMatchObject({ seq: signedSeq });

    const script = await scriptVerify(h, ['--public-key', publicKeyFile]);
    const cli = await cliVerify(url, admin.token, h.openssl.dir, ['--public-key', publicKeyFile]);
    const cause = new RegExp(
      `^audit log BROKEN at entry ${signedSeq + 1}: checkpoints stopped: the newest checkpoint \\(entry ${signedSeq}, signed [^)]+\\) is \\d+ s old, longer than --max-checkpoint-age 10 s, while entry ${signedSeq + 1} and after are not covered by one: the sealer is stopped, blocked \\(its lease held\\) or cannot sign`,
    );
    expect(script).toMatchObject({ code: 1, line: expect.stringMatching(cause) });
    expect(cli).toMatchObject({ code: 1, line: expect.stringMatching(cause) });
    // Past the unsealed entries too, with a bound they have not reached, the check holds.
    expect((await scriptVerify(h, ['--public-key', publicKeyFile, '--max-checkpoint-age', '3600'])).code).toBe(0);
  }, 60_000);
});

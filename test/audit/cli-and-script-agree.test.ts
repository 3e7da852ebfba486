import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainHash } from '@quorumd/core';
import { cliVerify, scriptVerify, settled, type ToolRun } from '../support/audit-tools';
import { Harness, type Officer } from '../support/harness';

/**
 * `npm run audit:verify` (Redis) and `quorum audit verify` (the API) run one verifier on the
 * same deployment and print the same summary line: sealed and pending counted alike, the same
 * sealed head, the same first broken entry.
 */
describe('quorum audit verify and npm run audit:verify', () => {
  let h: Harness;
  let admin: Officer;
  let url: string;
  let publicKeyFile: string;

  beforeAll(async () => {
    ({ h, admin } = await Harness.withOfficers([], { worker: true, env: { QUORUM_CHECKPOINT_INTERVAL_MS: '100' } }));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    publicKeyFile = join(h.openssl.dir, 'audit.pub');
    await settled(h);
    writeFileSync(publicKeyFile, (await h.store.audit.publicKeyPem())!);
  });
  afterAll(() => h.close());

  /** Both tools' exit codes and summary lines. */
  async function both(): Promise<{ script: Omit<ToolRun, 'err'>; cli: Omit<ToolRun, 'err'> }> {
    const { code, line } = await scriptVerify(h, ['--public-key', publicKeyFile]);
    const cli = await cliVerify(url, admin.token, h.openssl.dir, ['--public-key', publicKeyFile]);
    return { script: { code, line }, cli: { code: cli.code, line: cli.line } };
  }

  it('report the same sealed entries and head of a live deployment', async () => {
    const head = await h.store.audit.headSeq();
    const { script, cli } = await both();
    expect(script).toEqual({ code: 0, line: expect.stringMatching(new RegExp(`^audit log OK: ${head} entries, ${head} sealed, [1-9]\\d* signed checkpoint\\(s\\) verified, head [0-9a-f]{64}$`)) });
    expect(script.line).not.toMatch(/head 0{64}/);
    expect(cli).toEqual(script);
  });

  it('count an unsealed tail as pending alike, and name the same sealed entry that was changed', async () => {
    // No sealer at work: new entries stay pending.
    await h.worker!.close();
    h.worker = undefined;
    const sealedSeq = (await h.store.audit.sealed()).seq;
    for (let i = 0; i < 3; i++) await h.login('admin', 'admin-password');
    const pending = await both();
    expect(pending.script).toEqual({ code: 0, line: expect.stringMatching(new RegExp(`^audit log OK: ${sealedSeq + 3} entries, ${sealedSeq} sealed, 3 pending \\(not sealed yet\\)`)) });
    expect(pending.cli).toEqual(pending.script);

    // A sealed entry edited in Redis (its own hash recomputed; the next one no longer matches).
    const k = h.store.keys;
    const entries = await h.redis.lrange(k.audit(), 0, -1);
    const hashes = (await h.redis.lrangeBuffer(k.auditHashes(), 0, -1)).map((b) => b.toString('hex'));
    expect(sealedSeq).toBeGreaterThanOrEqual(3);
    const edited = entries[1]!.replace('"type":"', '"type":"x');
    await h.redis.lset(k.audit(), 1, edited);
    await h.redis.lset(k.auditHashes(), 1, Buffer.from(chainHash(hashes[0]!, edited), 'hex'));
    const broken = await both();
    expect(broken.script).toEqual({ code: 1, line: 'audit log BROKEN at entry 3: entry 3 does not match its sealed hash: it was changed after sealing (or a hash before it was)' });
    expect(broken.cli).toEqual(broken.script);
  });

  it('the script reads the deployment settings as the service does: one out of range is refused in the same words', async () => {
    const refused = await scriptVerify(h, ['--public-key', publicKeyFile], { QUORUM_CHECKPOINT_INTERVAL_MS: '50' });
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^audit verify: QUORUM_CHECKPOINT_INTERVAL_MS must be a whole number from 100 to 3600000/);
    // A valid one is taken: the script goes on to check the log (which the test before changed).
    const taken = await scriptVerify(h, ['--public-key', publicKeyFile], { QUORUM_CHECKPOINT_INTERVAL_MS: '3600000' });
    expect(taken.code).toBe(1);
    expect(taken.err).not.toMatch(/QUORUM_/);
  });
});

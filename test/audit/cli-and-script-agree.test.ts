import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chainHash } from '@quorumd/core';
import { until } from '../support/eventually';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { REPO_ROOT } from '../support/server-process';

const SCRIPT = join(REPO_ROOT, 'packages', 'store', 'dist', 'audit-verify-cli.js');
const CLI = join(REPO_ROOT, 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

async function exec(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout, err: err.stderr };
  }
}

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
    await until('a checkpoint of the sealed head', async () => {
      const head = await h.store.audit.headSeq();
      return head > 0 && (await h.store.audit.sealed()).seq === head && (await h.store.audit.checkpoints()).at(-1)?.seq === head;
    }, 10_000);
    writeFileSync(publicKeyFile, (await h.store.audit.publicKeyPem())!);
  });
  afterAll(() => h.close());

  /** Both tools' summary lines (the script's without the "(where it read)" it adds), and exit codes. */
  async function both(): Promise<{ script: { code: number; line: string }; cli: { code: number; line: string } }> {
    const script = await exec([SCRIPT, '--redis', REDIS_URL, '--prefix', h.prefix, '--public-key', publicKeyFile]);
    const cli = await exec([CLI, 'audit', 'verify', '--public-key', publicKeyFile], { QUORUM_URL: url, QUORUM_TOKEN: admin.token, QUORUM_PROFILE: join(h.openssl.dir, 'profile.json') });
    return {
      script: { code: script.code, line: script.out.trim().replace(/ \(redis:\/\/[^()]*\)$/, '') },
      cli: { code: cli.code, line: cli.out.trim() },
    };
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
});

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fingerprintOf, type Bundle } from '@quorumd/client';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { ServerProcess } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

/**
 * `quorum verify` proves who approved only against the officers' pinned keys: without
 * `--keys` a bundle carries its own keys (anyone can make two), so it says loudly that this
 * proves nothing and exits 2 unless told `--trust-bundle-keys`; with keys it names the
 * issuer, service and operation of the signed bytes, and `--issuer` / `--min-m` refuse a
 * bundle of another deployment or with a lower m.
 */
describe('quorum verify trusts only pinned keys, and says what the bundle approves', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let server: ServerProcess;
  let dir: string;
  let keys: string;
  let bundle: Bundle;

  async function quorum(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', QUORUM_URL: server.url, QUORUM_PROFILE: join(dir, 'admin.json') },
      });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, out: err.stdout, err: err.stderr };
    }
  }
  const save = (name: string, value: Bundle) => {
    writeFileSync(join(dir, name), JSON.stringify({ bundle: value }));
    return name;
  };

  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['obv_co1', 'obv_co2']));
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-offline-verify-'));
    keys = join(dir, 'officers');
    mkdirSync(keys);
    writeFileSync(join(keys, 'obv_co1.pem'), co1.key!.publicPem);
    writeFileSync(join(keys, 'obv_co2.pem'), co2.key!.publicPem);
    expect((await quorum('loginHSM', 'CO', 'admin', 'admin-password')).code).toBe(0);
    const id = await h.approvedToken(admin, 'USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'alice' } }, [co1, co2]);
    expect((await quorum('bundle', id, '--out', 'real.json')).code).toBe(0);
    bundle = (JSON.parse(readFileSync(join(dir, 'real.json'), 'utf8')) as { bundle: Bundle }).bundle;
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without --keys, a bundle signed by two keys anyone can make is not OK: exit 2, saying it proves nothing about who signed', async () => {
    // The real token's bytes, signed by two fresh keys under made-up user ids.
    const bytes = Buffer.from(bundle.tokenBytes, 'base64');
    const approvals = [900, 901].map((userId) => {
      const key = h.openssl.genrsa(2048);
      return { userId, fingerprint: fingerprintOf(key.publicPem), alg: 'RS256', signature: h.openssl.sign(key.privatePath, bytes), at: new Date().toISOString(), publicKeyPem: key.publicPem };
    });
    const forged = save('forged.json', { ...bundle, approvals });

    const unpinned = await quorum('verify', forged);
    expect(unpinned.code).toBe(2);
    expect(unpinned.out).toMatch(/^bundle NOT PINNED: token .*, 2 of 2 approvals verify, but only with the bundle's own keys: this proves nothing about who signed\n/);
    expect(unpinned.err).toMatch(/^warning: no --keys: .*this proves nothing about who signed.*--keys DIR.*--trust-bundle-keys/);
    const json = await quorum('--json', 'verify', forged);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, reason: expect.stringMatching(/^not pinned/) });

    const accepted = await quorum('verify', forged, '--trust-bundle-keys');
    expect(accepted.code).toBe(0);
    expect(accepted.out).toMatch(/^bundle OK: .* with the bundle's own keys \(not pinned: --trust-bundle-keys\)/);
    expect(accepted.err).toMatch(/proves nothing about who signed/);

    const pinned = await quorum('verify', forged, '--keys', keys);
    expect(pinned.code).toBe(1);
    expect(pinned.out).toMatch(/^bundle INVALID: approval of user 900: key .* is not a trusted key/);
  });

  it('with --keys, names the pinned key files and the issuer, service and operation the signed bytes hold', async () => {
    const res = await quorum('verify', 'real.json', '--keys', keys);
    expect(res).toEqual({
      code: 0,
      out: `bundle OK: token ${bundle.tokenId}, 2 of 2 approvals verify with pinned keys (obv_co1.pem, obv_co2.pem)\nIssuer       ${h.issuer}\nService      USER_MGMT\nOperation    createUser {"name":"alice","type":"CU"}\n`,
      err: '',
    });
  });

  it('--issuer refuses a bundle of another deployment, --min-m one whose token needs fewer approvals', async () => {
    expect((await quorum('verify', 'real.json', '--keys', keys, '--issuer', h.issuer, '--min-m', '2')).code).toBe(0);
    const other = await quorum('verify', 'real.json', '--keys', keys, '--issuer', 'other-deployment');
    expect(other).toMatchObject({ code: 1, out: `bundle INVALID: issued by ${JSON.stringify(h.issuer)}, not "other-deployment"\n` });
    const low = await quorum('verify', 'real.json', '--keys', keys, '--min-m', '3');
    expect(low).toMatchObject({ code: 1, out: "bundle INVALID: the token's m is 2, below the required 3\n" });
    expect((await quorum('verify', 'real.json', '--keys', keys, '--min-m', 'two')).err).toMatch(/^RET_BAD_REQUEST: --min-m must be an integer from 1 to 8/);
  });

  it("the bundle's unsigned fields cannot claim another issuer, token or m than its signed bytes", async () => {
    for (const [name, changed] of [
      ['issuer.json', { ...bundle, issuer: 'other-deployment' }],
      ['token.json', { ...bundle, tokenId: '00000000-0000-4000-8000-000000000000' }],
      ['m.json', { ...bundle, m: 3 }],
    ] as const) {
      const res = await quorum('verify', save(name, changed), '--keys', keys);
      expect(res.code).toBe(1);
      expect(res.out).toMatch(/^bundle INVALID: the bundle names .*, its signed bytes /);
    }
  });
});

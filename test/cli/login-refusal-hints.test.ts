import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, type Officer } from '../support/harness';

const CLI = join(__dirname, '..', '..', 'packages', 'client', 'dist', 'cli.js');
const execute = promisify(execFile);

/**
 * A refused login tells the officer, through the `quorum` binary, what holds now: failed
 * logins make a name wait (how long, from the server's Retry-After) and lock no one; a lock is
 * one that officers or a quorum decided, and a password reset lifts it.
 */
describe('the CLI says what to do about a refused login', () => {
  let h: Harness;
  let co1: Officer;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['hint_co1']));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-login-hints-'));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function quorum(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    try {
      const { stdout, stderr } = await execute(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', QUORUM_URL: url, QUORUM_PROFILE: join(dir, 'profile.json') } });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const failed = e as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout, err: failed.stderr };
    }
  }

  /** Wrong passwords for a name until the server makes it wait (each failure past the fifth doubles the wait, so it soon outlasts a CLI start). */
  async function untilThrottled(...flags: string[]): Promise<{ code: number; out: string; err: string }> {
    for (let i = 0; i < 15; i++) {
      const tried = await quorum(...flags, 'loginHSM', 'CO', 'hint_nobody', `wrong-${i}`);
      if (!`${tried.err}${tried.out}`.includes('RET_LOGIN_FAILED')) return tried;
    }
    throw new Error('never throttled');
  }

  it('a throttled login (RET_LOGIN_THROTTLED) says how many seconds to wait and that nothing is locked', async () => {
    const held = await untilThrottled();
    expect(held.code).toBe(1);
    expect(held.err).toMatch(/^RET_LOGIN_THROTTLED: Too many failed logins for this name or from this address: try again in (\d+) s\n/);
    const seconds = /try again in (\d+) s/.exec(held.err)?.[1];
    expect(held.err).toContain(`hint: too many failed logins for this name or from this address: wait ${seconds} s (Retry-After), then log in again; nothing is locked and open sessions go on\n`);
    const json = JSON.parse((await untilThrottled('--json')).out) as { code: string; hint: string };
    expect(json.code).toBe('RET_LOGIN_THROTTLED');
    expect(json.hint).toMatch(/^hint: too many failed logins for this name or from this address: wait \d+ s \(Retry-After\)/);
  });

  it('a locked user (RET_USER_LOCKED) is told that a password reset by the officers lifts the lock, not that failed logins caused it', async () => {
    // A lock that the officers decided (or that an earlier version left): only a password reset lifts it.
    await h.redis.hset(h.store.keys.user(co1.id), 'lockedUntil', 'forever');
    const locked = await quorum('loginHSM', 'CO', co1.name, `${co1.name}-password`);
    expect(locked.code).toBe(1);
    expect(locked.err).toMatch(/^RET_USER_LOCKED: /);
    expect(locked.err).toContain(
      'hint: failed logins lock no one: this lock is one officers or a quorum decided (or one left by an earlier version); a password reset lifts it (a crypto officer runs changePswd for this user, under the USER_MGMT quorum)\n',
    );
  });
});

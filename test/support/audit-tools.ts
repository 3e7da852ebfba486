import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from './eventually';
import { REDIS_URL, type Harness } from './harness';
import { REPO_ROOT } from './server-process';

const SCRIPT = join(REPO_ROOT, 'packages', 'store', 'dist', 'audit-verify-cli.js');
const CLI = join(REPO_ROOT, 'packages', 'client', 'dist', 'cli.js');
const run = promisify(execFile);

export interface ToolRun {
  code: number;
  /** The summary line (the npm script's without the "(where it read)" it adds). */
  line: string;
  err: string;
}

async function exec(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout, err: err.stderr };
  }
}

/** `npm run audit:verify -- --redis ... --prefix ...` (the built script, run as npm runs it). */
export async function scriptVerify(h: Harness, args: string[] = [], env: Record<string, string> = {}): Promise<ToolRun> {
  const r = await exec([SCRIPT, '--redis', REDIS_URL, '--prefix', h.prefix, ...args], env);
  return { code: r.code, line: r.out.trim().replace(/ \(redis:\/\/[^()]*\)$/, ''), err: r.err };
}

/** `quorum audit verify` (the built binary) against the API at `url`, as the officer holding `token`. */
export async function cliVerify(url: string, token: string, profileDir: string, args: string[] = []): Promise<ToolRun> {
  const r = await exec([CLI, 'audit', 'verify', ...args], { QUORUM_URL: url, QUORUM_TOKEN: token, QUORUM_PROFILE: join(profileDir, 'profile.json') });
  return { code: r.code, line: r.out.trim(), err: r.err };
}

/** Sealed to the head, and a checkpoint of that head signed. */
export async function settled(h: Harness, timeoutMs = 10_000): Promise<void> {
  await until(
    'the audit log is sealed and checkpointed to its head',
    async () => {
      const head = await h.store.audit.headSeq();
      return head > 0 && (await h.store.audit.sealed()).seq === head && (await h.store.audit.checkpoints()).at(-1)?.seq === head;
    },
    timeoutMs,
  );
}

/**
 * Appends one entry as the scripts write them (next sequence number, the head moved in the
 * same step), as whoever can write to Redis can: answers its sequence number.
 */
export async function appendForgedEntry(h: Harness, entry: { type: string; actor: string; data: object; at?: string }): Promise<number> {
  const script = `local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('RPUSH', KEYS[2], '{"seq":' .. seq .. ',"at":' .. cjson.encode(ARGV[1]) .. ',"type":' .. cjson.encode(ARGV[2]) .. ',"actor":' .. cjson.encode(ARGV[3]) .. ',"data":' .. ARGV[4] .. '}')
return seq`;
  const k = h.store.keys;
  return Number(await h.redis.eval(script, 2, k.auditHead(), k.audit(), entry.at ?? new Date().toISOString(), entry.type, entry.actor, JSON.stringify(entry.data)));
}

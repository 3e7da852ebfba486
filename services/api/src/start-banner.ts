import { redactUrl } from '@quorumd/store';
import type { AdminFinding } from './admin-bootstrap';

interface BannerFacts {
  /** Where the API answers. */
  url: string;
  redisUrl: string;
  /** Set when quorumd started this redis-server itself. */
  localRedis?: { pid: number; dataDir: string };
  prefix: string;
  /** The files this process writes (the inline worker's audit key and checkpoints); unset without an inline worker. */
  files?: { auditKey: string; checkpoints: string };
  /** What the start found or made of the admin. */
  admin?: AdminFinding;
}

/** The API's URL as a person would type it: a wildcard bind address is reached on loopback. */
export function publicUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** What a person starting quorumd needs to know, in a few plain lines (stdout, beside the JSON logs). */
export function startBanner(facts: BannerFacts): string {
  const lines = [`quorumd is running at ${facts.url}  (API docs: ${facts.url}/docs)`, `  Console:  ${facts.url}/console (officers review and approve in the browser)`];
  if (facts.localRedis) {
    lines.push(`  Redis:    ${facts.redisUrl}, a redis-server quorumd started (pid ${facts.localRedis.pid}) and stops on exit`);
    lines.push(`  Data dir: ${facts.localRedis.dataDir} (to start over: stop quorumd, then remove this directory)`);
  } else {
    lines.push(`  Redis:    ${redactUrl(facts.redisUrl)} (REDIS_URL), keys {${facts.prefix}}:*: every token, user, key and audit entry`);
  }
  // The audit key and checkpoints are files, with or without REDIS_URL (by default in QUORUM_DATA_DIR): keep them.
  if (facts.files) {
    lines.push(`  Files:    audit key ${facts.files.auditKey}, checkpoints ${facts.files.checkpoints} (outside Redis, by design: keep them, and give every replica the same key)`);
  } else if (!facts.localRedis) {
    lines.push('  Files:    none written by this process (QUORUM_INLINE_WORKER=false: the worker keeps the audit key and checkpoints)');
  }
  if (facts.admin) lines.push(adminLine(facts.admin, facts));
  lines.push('  Ctrl-C to stop.');
  return `\n${lines.join('\n')}\n\n`;
}

/** How to start over with a new admin: the data dir, or the deployment's keys. */
function startOver(facts: Pick<BannerFacts, 'localRedis' | 'prefix'>): string {
  return facts.localRedis ? `remove ${facts.localRedis.dataDir} while quorumd is stopped` : `delete the keys {${facts.prefix}}:* from that Redis, or use another QUORUM_REDIS_PREFIX`;
}

const RESET =
  'To reset it: another crypto officer changes it under USER_MGMT\'s quorum (quorum changePswd CO admin <new password> --quorum-token <id>, a token for {"id": 1})';

/**
 * What the start found of the admin, in one line: created now; or created at a given time
 * by an earlier start, with or without QUORUM_ADMIN_PASSWORD being its password (that
 * setting only chooses the password when the admin is created).
 */
export function adminLine(admin: AdminFinding, facts: Pick<BannerFacts, 'localRedis' | 'prefix'>): string {
  if (admin.kind === 'missing') return '  Admin:    the crypto officer "admin" (user 1) was deleted; the other crypto officers manage users (QUORUM_ADMIN_PASSWORD is not used)';
  const at = new Date(admin.createdAt).toISOString();
  if (admin.kind === 'created') return `  Admin:    crypto officer "admin" created now (${at}) with ${admin.password ? 'the password printed above' : 'QUORUM_ADMIN_PASSWORD as its password'}`;
  if (admin.adminPassword === 'matches') return `  Admin:    crypto officer "admin" created at ${at}; QUORUM_ADMIN_PASSWORD is its password`;
  if (admin.adminPassword === 'unset') return `  Admin:    crypto officer "admin" created at ${at}; its password was printed by that start and is not shown again. ${RESET}, or start over: ${startOver(facts)}.`;
  return (
    `  Note: QUORUM_ADMIN_PASSWORD is set but is not the admin's password: the crypto officer "admin" was created at ${at} and keeps its password ` +
    `(QUORUM_ADMIN_PASSWORD chooses it only when the admin is created). ${RESET}. To start over with it: ${startOver(facts)}.`
  );
}

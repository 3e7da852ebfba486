import { redactUrl } from '@quorumd/store';

interface BannerFacts {
  /** Where the API answers. */
  url: string;
  redisUrl: string;
  /** Set when quorumd started this redis-server itself. */
  localRedis?: { pid: number; dataDir: string };
  prefix: string;
  /** QUORUM_ADMIN_PASSWORD was set but the admin already existed, so it was not used. */
  adminPasswordIgnored?: boolean;
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
    lines.push(`  Redis:    ${redactUrl(facts.redisUrl)} (REDIS_URL), keys {${facts.prefix}}:*`);
    lines.push(`  Data dir: none (the data live in that Redis; QUORUM_DATA_DIR is not used)`);
  }
  if (facts.adminPasswordIgnored) lines.push(adminPasswordIgnoredLine(facts));
  lines.push('  Ctrl-C to stop.');
  return `\n${lines.join('\n')}\n\n`;
}

/** QUORUM_ADMIN_PASSWORD only sets the admin's password when the admin is created, on the first start. */
export function adminPasswordIgnoredLine(facts: Pick<BannerFacts, 'localRedis' | 'prefix'>): string {
  const startOver = facts.localRedis
    ? `remove ${facts.localRedis.dataDir} while quorumd is stopped`
    : `delete the keys {${facts.prefix}}:* from that Redis, or use another QUORUM_REDIS_PREFIX`;
  return (
    `  Note: QUORUM_ADMIN_PASSWORD is set but NOT used: the admin was created on the first start and keeps its password. ` +
    `To start over with it: ${startOver}.`
  );
}

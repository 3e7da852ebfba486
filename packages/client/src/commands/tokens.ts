import type { Command } from 'commander';
import { tokenDetails, tokensTable } from '../cli-output';
import type { CliRun } from './context';

/** getToken, listTokens, pending, show: asking for a token and reading tokens. */
export function addTokenCommands(program: Command, run: CliRun): void {
  program
    .command('getToken')
    .description('request a quorum token for one operation')
    .requiredOption('--service <service>', 'USER_MGMT, QUORUM_MGMT (or 3, 4, user, quorum), or a custom service (DEPLOY_PROD)')
    .requiredOption('--command <command>', 'e.g. createUser')
    .option('--args <json>', 'arguments as JSON, e.g. {"type":"CU","name":"alice"}', '{}')
    .option('--ttl <seconds>', 'time to approve')
    .option('--reason <text>', 'why you ask (signed into the token; a policy may require it)')
    .option('--ticket <id>', 'a ticket id or URL (signed into the token)')
    .action(async (opts: { service: string; command: string; args: string; ttl?: string; reason?: string; ticket?: string }) => {
      const token = await run.client().requestQuorum({
        service: opts.service,
        operation: { command: opts.command, args: JSON.parse(opts.args) as Record<string, unknown> },
        ...(opts.ttl ? { ttlSeconds: Number(opts.ttl) } : {}),
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        ...(opts.ticket !== undefined ? { ticket: opts.ticket } : {}),
      });
      run.print(`getToken success: ${token.id}\n${tokenDetails(token)}`, { token });
    });

  program
    .command('listTokens')
    .description('list tokens (newest first)')
    .option('--status <status>', 'PENDING, APPROVED, REJECTED, EXPIRED, CONSUMED or DELETED')
    .option('--limit <n>', 'at most this many (1-500)', '100')
    .action(async (opts: { status?: string; limit: string }) => {
      const tokens = await run.client().listTokens(opts.status, Number(opts.limit));
      run.print(tokensTable(tokens), { tokens });
    });

  program
    .command('pending')
    .description('list the PENDING tokens awaiting your decision (your queue), soonest expiry first')
    .action(async () => {
      const tokens = await run.client().pending();
      run.print(tokens.length ? tokensTable(tokens) : 'No tokens await your decision.', { tokens });
    });

  program
    .command('show')
    .description('show exactly what a token would approve: operation, requester, expiry, approvals')
    .argument('<token>', 'token id or its first characters')
    .action(async (typed: string) => {
      const token = await run.client().getToken(await run.tokenId(typed));
      run.print(tokenDetails(token, await run.knownUsers()), { token });
    });
}

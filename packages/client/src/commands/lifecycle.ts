import type { Command } from 'commander';
import type { TokenView } from '../quorum-client';
import type { CliRun } from './context';

/** Exit codes of `quorum wait`: 5 is a token already CONSUMED or DELETED. */
const WAIT_EXIT = { APPROVED: 0, REJECTED: 2, EXPIRED: 3, TIMEOUT: 4, OTHER: 5 } as const;

/** The exit code that tells a script how a token left (or did not leave) PENDING. */
export function waitExitCode(token: TokenView): number {
  return token.status === 'PENDING' ? WAIT_EXIT.TIMEOUT : (WAIT_EXIT as Record<string, number>)[token.status] ?? WAIT_EXIT.OTHER;
}

/** delToken, wait: a token's end. */
export function addLifecycleCommands(program: Command, run: CliRun): void {
  program
    .command('delToken')
    .description('delete a token (the requester, or a CO)')
    .argument('<token>', 'token id or its first characters')
    .action(async (typed: string) => {
      const id = await run.tokenId(typed);
      await run.client().deleteToken(id);
      run.print(`delToken success: ${id}`, { ok: true });
    });

  program
    .command('wait')
    .description('block until the token leaves PENDING: exit 0 APPROVED, 2 REJECTED, 3 EXPIRED, 4 timeout (still PENDING), 5 CONSUMED or DELETED')
    .argument('<token>', 'token id or its first characters')
    .option('--timeout <seconds>', 'give up after', '600')
    .action(async (typed: string, opts: { timeout: string }) => {
      const token = await run.client().waitForApproval(await run.tokenId(typed), { timeoutMs: Number(opts.timeout) * 1000 });
      run.print(`${token.status}: ${token.approvals.length} of ${token.required} approvals`, { token });
      run.exitCode = waitExitCode(token);
    });
}

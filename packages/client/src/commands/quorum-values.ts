import type { Command } from 'commander';
import type { CliRun } from './context';
import { quorumTokenOption } from './users';

/** getMValue, setMValue: the M of each quorum service. */
export function addQuorumValueCommands(program: Command, run: CliRun): void {
  program
    .command('getMValue')
    .description('show the M (approvals needed) of a quorum service')
    .argument('<service>', 'USER_MGMT, QUORUM_MGMT (or 3, 4, user, quorum)')
    .action(async (service: string) => {
      const v = await run.client().getMValue(service);
      run.print(`MValue of service ${v.number} (${v.service}): ${v.m}`, v);
    });

  program
    .command('setMValue')
    .description('set the M of a quorum service (1-8); under a quorum, with a QUORUM_MGMT token for {"service","m"}')
    .argument('<service>', 'USER_MGMT, QUORUM_MGMT (or 3, 4, user, quorum)')
    .argument('<m>', '1 to 8')
    .addOption(quorumTokenOption())
    .option('--force', 'set M above the number of officers holding keys')
    .action(async (service: string, m: string, opts: { quorumToken?: string; force?: boolean }) => {
      run.attempted = { service: 'QUORUM_MGMT', command: 'setMValue', args: { service, m: Number(m) } };
      const v = await run.client().setMValue(service, Number(m), { ...(await run.quorumToken(opts)), force: opts.force === true });
      run.print(`setMValue success: service ${v.number} (${v.service}) M = ${v.m}`, v);
    });
}

import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliRun } from './context';
import { waitExitCode } from './lifecycle';

/** hsm submit, hsm fetch: AWS CloudHSM token files. */
export function addHsmCommands(program: Command, run: CliRun): void {
  const hsm = program.command('hsm').description('AWS CloudHSM quorum tokens: submit a token file for the officers to approve, fetch it signed');

  hsm
    .command('submit')
    .description('submit a token file (from quorum token-sign generate) for approval; with --wait, write the signed file back when approved')
    .argument('<file>', 'the token file, e.g. admin.token')
    .requiredOption('--service <service>', 'CloudHSM quorum service: user, quorum, cluster, key-usage or key-management')
    .requiredOption('--describe <text>', 'what the token approves, e.g. "user create --username user1 --role crypto-user"')
    .option('--wait', 'wait for the approvals, then write the signed file back to <file>')
    .option('--timeout <seconds>', 'with --wait: give up after', '600')
    .action(async (file: string, opts: { service: string; describe: string; wait?: boolean; timeout: string }) => {
      const c = run.client();
      const token = await c.submitCloudHsmToken(JSON.parse(readFileSync(file, 'utf8')) as object, { service: opts.service, description: opts.describe });
      run.print(`submitted: token ${token.id}, ${token.required} approvals needed, digest ${token.cloudhsm?.digest ?? ''}`, { token });
      if (!opts.wait) return;
      const done = await c.waitForApproval(token.id, { timeoutMs: Number(opts.timeout) * 1000 });
      if (done.status !== 'APPROVED') {
        run.print(`${done.status}: ${done.approvals.length} of ${done.required} approvals; ${file} is unchanged`, { token: done });
        run.exitCode = waitExitCode(done);
        return;
      }
      const signed = (await c.fetchCloudHsmTokenFile(token.id)) as { signatures: unknown[] };
      writeFileSync(file, `${JSON.stringify(signed, null, 2)}\n`);
      run.print(`approved: ${file} now holds ${signed.signatures.length} signature(s); run the command with --approval ${file}`, { token: done, file });
    });

  hsm
    .command('fetch')
    .description('write the approved token file with the officers’ signatures (uses the token: once)')
    .argument('<token>', 'token id or its first characters')
    .requiredOption('-o, --out <file>', 'where to write it, e.g. admin.token')
    .action(async (typed: string, opts: { out: string }) => {
      const signed = (await run.client().fetchCloudHsmTokenFile(await run.tokenId(typed))) as { signatures: unknown[] };
      writeFileSync(opts.out, `${JSON.stringify(signed, null, 2)}\n`);
      run.print(`wrote ${opts.out} with ${signed.signatures.length} signature(s): run the command with --approval ${opts.out}`, { file: opts.out });
    });
}

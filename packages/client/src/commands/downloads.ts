import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliRun } from './context';

/** bytes, bundle: what a token is signed over, and its approvals, saved for offline tools. */
export function addDownloadCommands(program: Command, run: CliRun): void {
  program
    .command('bytes')
    .description('save the exact token bytes that officers sign (e.g. with openssl dgst -sha256 -sign)')
    .argument('<token>', 'token id or its first characters')
    .option('--out <file>', 'where to write them', '<token id>.token.bin')
    .action(async (typed: string, opts: { out: string }) => {
      const id = await run.tokenId(typed);
      const bytes = await run.client().tokenBytes(id);
      const file = opts.out === '<token id>.token.bin' ? `${id}.token.bin` : opts.out;
      writeFileSync(file, bytes);
      run.print(`saved ${bytes.length} bytes of token ${id} to ${file}`, { tokenId: id, file, bytes: bytes.length });
    });

  program
    .command('bundle')
    .description('download the approval bundle of a token (token bytes and every approval), for quorum verify or openssl')
    .argument('<token>', 'token id or its first characters')
    .option('--out <file>', 'where to write it', '<token id>.bundle.json')
    .action(async (typed: string, opts: { out: string }) => {
      const id = await run.tokenId(typed);
      const bundle = await run.client().bundle(id);
      const file = opts.out === '<token id>.bundle.json' ? `${id}.bundle.json` : opts.out;
      writeFileSync(file, JSON.stringify({ bundle }, null, 2) + '\n');
      run.print(`saved the bundle of token ${id} (${bundle.approvals.length} approvals) to ${file}`, { tokenId: id, file, approvals: bundle.approvals.length });
    });
}

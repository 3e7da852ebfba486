import { readFileSync } from 'node:fs';
import { visibleText } from '@quorumd/core';
import type { Command } from 'commander';
import { verifyBundle } from '../bundle-verify';
import { readTrustedKeys } from '../cli-trusted-keys';
import type { Bundle } from '../quorum-client';
import type { CliRun } from './context';

/** verify: an approval bundle checked offline. */
export function addVerifyCommand(program: Command, run: CliRun): void {
  program
    .command('verify')
    .description('offline check of an approval bundle (from GET /v1/tokens/{id}/bundle or consume)')
    .argument('<bundle.json>')
    .option('--keys <dir>', 'trust only the public keys in this directory (every PEM file: .pem, .pub, certificates)')
    .action((file: string, opts: { keys?: string }) => {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { bundle?: Bundle } & Bundle;
      let trusted: Set<string> | undefined;
      if (opts.keys) {
        const keys = readTrustedKeys(opts.keys);
        for (const note of keys.skipped) run.note(`note: skipped ${visibleText(note)}\n`);
        trusted = keys.fingerprints;
      }
      const verdict = verifyBundle(parsed.bundle ?? parsed, trusted);
      run.print(verdict.ok ? `bundle OK: token ${verdict.tokenId}, ${verdict.approvals} of ${verdict.m} approvals verify` : `bundle INVALID: ${verdict.reason}`, verdict);
      if (!verdict.ok) run.exitCode = 1;
    });
}

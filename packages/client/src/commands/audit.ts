import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { QuorumError, describeAuditVerdict, parseCheckpointLines, unpinnedAuditKeyWarning, verifyAuditLedger } from '@quorumd/core';
import type { Command } from 'commander';
import type { CliRun } from './context';

/** audit verify: the audit log, its head and signed checkpoints, checked locally. */
export function addAuditCommand(program: Command, run: CliRun): void {
  program
    .command('audit')
    .description('audit verify: fetch the audit log, its head and signed checkpoints, and check them all locally')
    .argument('<action>', 'verify')
    .option('--file <file>', 'an export (one entry per line, as GET /v1/audit?format=raw gives it) instead of the service')
    .option('--issuer <name>', 'with --file: the deployment name its checkpoints are signed for')
    .option('--checkpoints <file>', 'checkpoints kept outside the service (JSON lines) instead of its own list')
    .option('--public-key <file>', 'the audit public key (PEM) to pin, instead of the one the service publishes (which is kept in Redis)')
    .action(async (action: string, opts: { file?: string; issuer?: string; checkpoints?: string; publicKey?: string }) => {
      if (action !== 'verify') throw new QuorumError('RET_BAD_REQUEST', 'usage: quorum audit verify [--file FILE [--issuer NAME]] [--checkpoints FILE] [--public-key FILE]');
      if (opts.file) {
        const entries = readFileSync(opts.file, 'utf8').split('\n').filter(Boolean);
        const fileVerdict = verifyAuditLedger({
          entries,
          headSeq: entries.length,
          hashes: [],
          checkpoints: opts.checkpoints ? parseCheckpointLines(readFileSync(opts.checkpoints, 'utf8')) : [],
          issuer: opts.issuer ?? '',
          ...(opts.publicKey ? { publicKey: createPublicKey(readFileSync(opts.publicKey, 'utf8')) } : {}),
        });
        run.print(describeAuditVerdict(fileVerdict), fileVerdict);
        if (!fileVerdict.ok) run.exitCode = 1;
        return;
      }
      // A checkpoint file is read before the log, as the service's own checkpoints are (see auditLedger).
      const kept = opts.checkpoints ? parseCheckpointLines(readFileSync(opts.checkpoints, 'utf8')) : undefined;
      const ledger = await run.client().auditLedger();
      if (!opts.publicKey) run.note(`${unpinnedAuditKeyWarning('quorum audit verify --public-key')}\n`);
      const pem = opts.publicKey ? readFileSync(opts.publicKey, 'utf8') : ledger.publicKeyPem;
      const verdict = verifyAuditLedger({
        entries: ledger.entries,
        headSeq: ledger.head.seq,
        hashes: [],
        checkpoints: kept ?? ledger.checkpoints,
        issuer: ledger.head.issuer,
        ...(pem ? { publicKey: createPublicKey(pem) } : {}),
      });
      run.print(describeAuditVerdict(verdict), verdict);
      if (!verdict.ok) run.exitCode = 1;
    });
}

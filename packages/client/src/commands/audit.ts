import { readFileSync } from 'node:fs';
import { QuorumError, describeAuditVerdict } from '@quorumd/core';
import type { Command } from 'commander';
import { auditTail, type AuditTailOptions } from './audit-tail';
import { auditVerdict, type AuditVerifyOptions } from './audit-verify';
import { witnessedCheckpoint } from './audit-witnessed';
import type { CliRun } from './context';

/** audit verify: the audit log, its sealed hashes, head and signed checkpoints, checked locally by core's one verifier. */
export function addAuditCommand(program: Command, run: CliRun): void {
  program
    .command('audit')
    .description('audit verify: fetch the audit log, its sealed hashes, head and signed checkpoints, and check them all locally (the verifier of npm run audit:verify)')
    .argument('<action>', 'verify, or tail (the log as NDJSON or CEF lines, for a SIEM)')
    .option('--file <file>', 'an export (one entry per line, as GET /v1/audit?format=raw gives it) instead of the service')
    .option('--issuer <name>', 'with --file: the deployment name its checkpoints are signed for')
    .option('--checkpoints <file>', 'checkpoints kept outside the service (JSON lines) instead of its own list')
    .option('--public-key <file>', 'the audit public key (PEM) to pin, instead of the one the service publishes (which is kept in Redis)')
    .option(
      '--max-checkpoint-age <seconds>',
      'fail when the newest checkpoint was signed longer ago than this while entries it does not cover exist, or an entry stays unsealed that long (default: 5 of the service’s checkpoint intervals, at least 10 s)',
    )
    .option('--witness <key>', 'verify: also require a cosignature of this witness (its verifier key, C2SP tlog-cosignature, or a file holding it) on the latest checkpoint, whose root must be the log\u2019s; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--after <seq>', 'tail: start after this entry (default 0: from the first); resume with the last seq read')
    .option('--follow', 'tail: keep polling for new entries')
    .option('--format <format>', 'tail: ndjson (default) or cef')
    .option('--interval-ms <ms>', 'tail --follow: how often to poll (default 1000)')
    .action(async (action: string, opts: AuditVerifyOptions & AuditTailOptions & { witness?: string[] }) => {
      if (action === 'tail') {
        await auditTail(run, opts);
        return;
      }
      if (action !== 'verify') throw new QuorumError('RET_BAD_REQUEST', 'usage: quorum audit verify [--file FILE [--issuer NAME]] [--checkpoints FILE] [--public-key FILE] [--max-checkpoint-age SECONDS], or quorum audit tail [--after SEQ] [--follow] [--format ndjson|cef]');
      const verdict = await auditVerdict(() => run.client(), opts, (line) => run.note(`${line}\n`));
      if (verdict.ok && opts.witness !== undefined && opts.witness.length > 0) {
        const witnessed = await witnessedCheckpoint(run.client(), opts.witness, opts.publicKey ? readFileSync(opts.publicKey, 'utf8') : undefined);
        if (!witnessed.ok) {
          run.print(`audit log BROKEN at the witnessed checkpoint: ${witnessed.reason}`, { ok: false, reason: witnessed.reason, verdict });
          run.exitCode = 1;
          return;
        }
        run.print(`${describeAuditVerdict(verdict)}; ${witnessed.line}`, { ...verdict, witnessed: witnessed.line });
        return;
      }
      run.print(describeAuditVerdict(verdict), verdict);
      if (!verdict.ok) run.exitCode = 1;
    });
}

import { QuorumError } from '@quorumd/core';
import type { AuditExportLine } from '../quorum-client';
import type { CliRun } from './context';

export type AuditTailOptions = { after?: string; follow?: boolean; format?: string; intervalMs?: string };

/** CEF (ArcSight Common Event Format) escapes: `\` and `|` in the header; `\`, `=` and line ends in extension values. */
function cefHeader(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]/g, ' ');
}
function cefValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r?\n|\r/g, '\\n');
}

/** One export line as CEF: the entry's type names the event; seq, leaf hash, checkpoint size, actor and data in the extension. */
function cefLine(line: AuditExportLine, version: string): string {
  const type = cefHeader(String(line.entry.type));
  const severity = /failed|refused|rejected|deleted|locked/.test(type) ? 5 : 3;
  const ext = [
    `rt=${Date.parse(line.entry.at) || 0}`,
    `suser=${cefValue(String(line.entry.actor))}`,
    'cn1Label=seq',
    `cn1=${line.seq}`,
    'cs1Label=leafHash',
    `cs1=${cefValue(line.leafHash)}`,
    'cn2Label=checkpointSize',
    `cn2=${line.checkpointSize}`,
    `msg=${cefValue(JSON.stringify(line.entry.data ?? null))}`,
  ];
  return `CEF:0|quorumd|quorumd|${cefHeader(version)}|${type}|${type}|${severity}|${ext.join(' ')}`;
}

/**
 * audit tail: the audit log after `--after` (default 0), one line per entry, as NDJSON (the
 * export's lines) or CEF; with `--follow`, polls every `--interval-ms` for more, resuming
 * after the last seq written (so a restarted tail given that seq loses and repeats nothing).
 */
export async function auditTail(run: CliRun, opts: AuditTailOptions, signal?: AbortSignal): Promise<void> {
  const format = opts.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'cef') throw new QuorumError('RET_BAD_REQUEST', '--format must be ndjson or cef');
  if (opts.after !== undefined && !/^(0|[1-9][0-9]{0,11})$/.test(opts.after)) throw new QuorumError('RET_BAD_REQUEST', '--after must be a sequence number (0: from the first entry)');
  if (opts.intervalMs !== undefined && !/^[1-9][0-9]{1,6}$/.test(opts.intervalMs)) throw new QuorumError('RET_BAD_REQUEST', '--interval-ms must be 10 to 9999999');
  const interval = Number(opts.intervalMs ?? 1000);
  const client = run.client();
  const out = run.deps.output.stdout;
  let after = Number(opts.after ?? 0);
  for (;;) {
    const lines = await client.auditExport(after);
    for (const line of lines) {
      out.write(`${format === 'cef' ? cefLine(line, '1') : JSON.stringify(line)}\n`);
      after = line.seq;
    }
    if (!opts.follow || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, interval);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (signal?.aborted) return;
  }
}

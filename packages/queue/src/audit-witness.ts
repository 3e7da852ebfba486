import type { AuditCheckpoint } from '@quorumd/core';
import type { QuorumStore } from '@quorumd/store';

/**
 * Submits each new signed checkpoint to the witnesses (C2SP tlog-witness `add-checkpoint`),
 * with a consistency proof from the size each witness last cosigned, and stores the
 * cosignature lines they answer (audit:cosignatures) for GET /v1/audit/checkpoint to append.
 * A witness's last size is learnt from its 409 answer (text/x.tlog.size) when this process
 * does not know it (at start: 0). One submission at a time, in checkpoint order; a witness
 * that is down or refuses is logged, and the next checkpoint is submitted all the same.
 */
export class WitnessSubmitter {
  private readonly sizes = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: QuorumStore,
    private readonly urls: readonly string[],
    private readonly log: (message: string, fields?: Record<string, unknown>) => void,
    private readonly timeoutMs = 5000,
  ) {}

  submit(checkpoint: AuditCheckpoint): void {
    const note = checkpoint.note;
    if (note === undefined || this.urls.length === 0) return;
    this.queue = this.queue.then(() => Promise.all(this.urls.map((url) => this.submitTo(url, checkpoint.seq, note))).then(() => undefined));
  }

  /** Resolves when the submissions in hand are done. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async submitTo(url: string, size: number, note: string, retried = false): Promise<void> {
    try {
      const old = this.sizes.get(url) ?? 0;
      if (old > size) {
        this.log('an audit witness has cosigned a larger tree than this checkpoint: the log was cut or rewritten, or another deployment shares its origin', { url, witnessSize: old, size });
        return;
      }
      const proof = old === 0 || old === size ? [] : await this.store.audit.consistencyProof(old, size);
      const body = `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note}`;
      const res = await fetch(`${url.replace(/\/+$/, '')}/add-checkpoint`, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' }, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await res.text();
      if (res.status === 409 && (res.headers.get('content-type') ?? '').startsWith('text/x.tlog.size') && !retried && /^(0|[1-9][0-9]{0,15})\n?$/.test(text)) {
        this.sizes.set(url, Number(text.trim()));
        await this.submitTo(url, size, note, true);
        return;
      }
      if (res.status !== 200) {
        this.log('an audit witness refused the checkpoint', { url, status: res.status, size, answer: text.slice(0, 200) });
        return;
      }
      const lines = text
        .split('\n')
        .filter((line) => line.startsWith('— '))
        .map((line) => `${line}\n`)
        .join('');
      if (lines !== '') await this.store.audit.addCosignatures(size, lines);
      this.sizes.set(url, size);
    } catch (err) {
      this.log('cannot submit the audit checkpoint to a witness', { url, size, err });
    }
  }
}

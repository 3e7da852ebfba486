import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { until } from '../support/eventually';
import { Harness } from '../support/harness';

/**
 * The worker's background loops log through child loggers of their own (`module`) and log an
 * error as `{ err }`, so pino's serializer keeps its type, message and stack.
 */
describe('background loops log their errors', () => {
  let h: Harness;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    // A checkpoint "file" that is a directory: every append fails.
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'quorumd-log-')), 'checkpoints.jsonl');
    mkdirSync(checkpointFile);
    h = await Harness.start({ worker: true, workerLogger: pino({ level: 'info' }, sink), env: { QUORUM_CHECKPOINT_FILE: checkpointFile, QUORUM_CHECKPOINT_INTERVAL_MS: '100' } });
  });
  afterAll(() => h.close());

  it('an audit checkpoint that cannot be written is logged by the audit sealer module with the error serialized', async () => {
    // An entry to seal and sign.
    expect((await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation: { command: 'payOut', args: { amount: 1 } } })).status).toBe(201);
    const failed = () => lines.find((l) => l.msg === 'cannot append the audit checkpoint to its file');
    await until('the sealer logged the failed append', async () => failed() !== undefined, 10_000);
    const line = failed() as { module?: string; err?: { type?: string; message?: string; stack?: string } };
    expect(line.module).toBe('audit-sealer');
    expect(line.err?.type).toBe('Error');
    expect(line.err?.message).toMatch(/EISDIR/);
    expect(line.err?.stack).toMatch(/at /);
    // Every line the worker writes names its module.
    for (const l of lines) expect(typeof l.module).toBe('string');
  });
});

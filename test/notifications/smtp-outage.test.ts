import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from '../support/child-exit';
import { until } from '../support/eventually';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { SmtpSink } from '../support/smtp-sink';

/** The worker's audit key and checkpoint file: outside the repository. */
const TEST_DATA_DIR = join(tmpdir(), 'quorumd-test-data');
const WORKER_JS = join(__dirname, '..', '..', 'services', 'worker', 'dist', 'main.js');

/** The SMTP relay away: e-mails are retried, dead-lettered after the last attempt, and none is lost or doubled by a worker killed meanwhile. */
describe('e-mail notifications while the SMTP relay is down', () => {
  it('retries, dead-letters after the last attempt, and a replay once the relay is back delivers it once', async () => {
    const sink = await SmtpSink.start();
    await sink.stop();
    const h = await Harness.start({ env: { QUORUM_SMTP_URL: sink.url, QUORUM_EMAIL_DIGEST_MS: '0', QUORUM_DELIVERY_ATTEMPTS: '3', QUORUM_DELIVERY_BACKOFF_MS: '50', QUORUM_DELIVERY_TIMEOUT_MS: '1000' }, worker: true });
    try {
      const admin = await h.adminOfficer();
      const co1 = await h.addOfficer('co1');
      expect((await h.request('PUT', `/v1/users/${co1.id}/notifications`, co1.token, { email: 'co1@example.test' })).status).toBe(200);
      const id = await h.issue(admin.token, { command: 'deleteUser', args: { id: 600 } });
      const deliveryId = `approval.requested-${id}-email${co1.id}`;
      let dead: { deliveryId: string; attempts: number; target: unknown }[] = [];
      await until(
        'the e-mail is dead-lettered',
        async () => {
          dead = (await h.request('GET', '/v1/admin/deliveries?state=failed', admin.token)).body.deliveries;
          return dead.some((d) => d.deliveryId === deliveryId);
        },
        15_000,
      );
      expect(dead.find((d) => d.deliveryId === deliveryId)).toMatchObject({ attempts: 3, target: { kind: 'email', userId: co1.id } });
      // The officer's settings page shows each failed attempt, the last one final.
      const log = (await h.request('GET', `/v1/users/${co1.id}/notifications`, co1.token)).body.deliveries as { outcome: string; attempt: number; final: boolean; deliveryId: string }[];
      const failures = log.filter((d) => d.deliveryId === deliveryId && d.outcome === 'failed');
      expect(failures.map((d) => d.attempt).sort()).toEqual([1, 2, 3]);
      expect(failures.find((d) => d.attempt === 3)!.final).toBe(true);

      await sink.listen();
      expect((await h.request('POST', `/v1/admin/deliveries/${deliveryId}/replay`, admin.token)).status).toBe(202);
      await sink.until((mail) => mail.some((m) => m.headers['x-quorum-delivery'] === deliveryId));
      await new Promise((r) => setTimeout(r, 500));
      expect(sink.received.filter((m) => m.headers['x-quorum-delivery'] === deliveryId)).toHaveLength(1);
    } finally {
      await h.close();
      await sink.stop();
    }
  }, 60_000);

  it('loses none and sends none twice when the worker is killed (SIGKILL) while the relay is down', async () => {
    const sink = await SmtpSink.start();
    await sink.stop();
    const h = await Harness.start();
    const workerEnv = {
      PATH: process.env.PATH ?? '',
      REDIS_URL,
      QUORUM_REDIS_PREFIX: h.prefix,
      QUORUM_DATA_DIR: TEST_DATA_DIR,
      QUORUM_SMTP_URL: sink.url,
      QUORUM_EMAIL_DIGEST_MS: '0',
      QUORUM_JOB_LOCK_MS: '1000',
      QUORUM_OUTBOX_CLAIM_MS: '500',
      QUORUM_DELIVERY_BACKOFF_MS: '100',
      QUORUM_DELIVERY_ATTEMPTS: '50',
      QUORUM_DELIVERY_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'error',
    };
    const startWorker = (): ChildProcess => spawn(process.execPath, [WORKER_JS], { env: workerEnv, stdio: 'ignore' });
    let worker = startWorker();
    try {
      const admin = await h.adminOfficer();
      const officers: Officer[] = [];
      for (const name of ['mail1', 'mail2', 'mail3']) {
        const o = await h.addOfficer(name);
        expect((await h.request('PUT', `/v1/users/${o.id}/notifications`, o.token, { email: `${name}@example.test` })).status).toBe(200);
        officers.push(o);
      }
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await h.issue(admin.token, { command: 'deleteUser', args: { id: 700 + i } }));
      const expected = ids.flatMap((id) => officers.map((o) => `approval.requested-${id}-email${o.id}`)).sort();
      // Every delivery has been tried (and failed) at least once before the kill.
      await until(
        'every e-mail tried once',
        async () => {
          const tried = new Set<string>();
          for (const o of officers) for (const d of await h.store.notifications.log(o.id)) if (d.outcome === 'failed') tried.add(d.deliveryId);
          return expected.every((id) => tried.has(id));
        },
        20_000,
      );
      worker.kill('SIGKILL');
      await new Promise<void>((resolve) => (worker.exitCode !== null ? resolve() : worker.once('exit', () => resolve())));
      await sink.listen();
      worker = startWorker();
      await sink.until((mail) => expected.every((id) => mail.some((m) => m.headers['x-quorum-delivery'] === id)), 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      const got = sink.received.map((m) => m.headers['x-quorum-delivery']).sort();
      expect(got).toEqual(expected);
    } finally {
      await stopChild(worker);
      await h.close();
      await sink.stop();
    }
  }, 90_000);
});

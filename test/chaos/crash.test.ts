import { tmpdir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Harness, REDIS_URL, type Officer } from '../support/harness';
import { stopChild } from '../support/child-exit';
import { Receiver } from '../support/receiver';
import { ServerProcess } from '../support/server-process';
import { checkStorm, fire, planStorm } from './storm';

/** The worker's audit key and checkpoint file: outside the repository. */
const TEST_DATA_DIR = join(tmpdir(), 'quorumd-test-data');

const WORKER_JS = join(__dirname, '..', '..', 'services', 'worker', 'dist', 'main.js');
const M = 3;

/** SIGKILL of the API and of the worker in the middle of an approval storm. */
describe('chaos: crash during an approval storm', () => {
  let h: Harness;
  let admin: Officer;
  let officers: Officer[];
  beforeAll(async () => {
    ({ h, admin, officers } = await Harness.withOfficers(['storm1', 'storm2', 'storm3', 'storm4', 'storm5']));
    await h.setM(admin, 'USER_MGMT', M, [admin, ...officers]);
  }, 60_000);
  afterAll(() => h.close());

  it('loses no acknowledged approval, counts none twice, approves every token that reached M, and delivers every callback (again only if in flight at the kill)', async () => {
    const receiver = await Receiver.start();
    const env = { REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8', QUORUM_DATA_DIR: TEST_DATA_DIR, QUORUM_INLINE_WORKER: 'false', QUORUM_RATE_LIMIT_ISSUE: '1000000' };
    const workerEnv = { PATH: process.env.PATH ?? '', REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8', QUORUM_DATA_DIR: TEST_DATA_DIR, QUORUM_JOB_LOCK_MS: '1000', QUORUM_OUTBOX_CLAIM_MS: '500', QUORUM_DELIVERY_BACKOFF_MS: '100', QUORUM_DELIVERY_ATTEMPTS: '50', LOG_LEVEL: 'error' };
    const startWorker = (): ChildProcess => spawn(process.execPath, [WORKER_JS], { env: workerEnv, stdio: 'ignore' });
    let api = await ServerProcess.start(env);
    const port = new URL(api.url).port;
    let worker = startWorker();
    try {
      const { ids, approvals } = await planStorm(h, admin, officers, 24, { callbackUrl: receiver.url, callbackSecret: 'storm-callback-secret' });
      const half = Math.floor(approvals.length / 2);
      let answered = 0;
      const firstWave = fire(() => api.url, approvals.slice(0, half), 16, () => answered++);
      while (answered < 20) await new Promise((r) => setTimeout(r, 2));
      await api.stop('SIGKILL');
      // The worker dies only now (stopping the API took a moment): what it sent before this may repeat.
      worker.kill('SIGKILL');
      const acknowledged = await firstWave;
      // The kill landed mid-storm: part of the first wave was never answered.
      expect(acknowledged.length).toBeLessThan(half);
      expect(acknowledged.length).toBeGreaterThanOrEqual(10);
      api = await ServerProcess.start({ ...env, PORT: port });
      // Whatever reaches the receiver before this came from the killed worker (sent before the kill, maybe read late).
      const restartedAt = Date.now();
      worker = startWorker();
      acknowledged.push(...(await fire(() => api.url, approvals.slice(half))));
      // Approvals refused while the API was down are sent again, as a client would.
      const missing = approvals.filter((a) => !acknowledged.includes(a));
      acknowledged.push(...(await fire(() => api.url, missing)));

      await checkStorm(h, ids, acknowledged, M);
      const approved = [];
      for (const id of ids) if ((await h.store.tokens.get(id, true))?.status === 'APPROVED') approved.push(id);
      expect(approved.length).toBe(ids.length);
      const expected = approved.map((id) => `token.approved-${id}-callback`).sort();
      await receiver.until(() => new Set(receiver.accepted().map((d) => d.deliveryId)).size >= expected.length, 30_000);
      await new Promise((r) => setTimeout(r, 1000));
      const delivered = receiver.accepted().map((d) => d.deliveryId).filter((d) => d.startsWith('token.approved-'));
      expect([...new Set(delivered)].sort()).toEqual(expected);
      // At least once per delivery id; twice only for a delivery the killed worker had sent but
      // not yet recorded (the receiver de-duplicates on X-Quorum-Delivery): its first copy
      // arrived before the new worker existed. Nothing else repeats.
      const firstSeen = new Map<string, number>();
      for (const r of receiver.received.filter((x) => x.status === 200)) {
        const id = String(r.headers['x-quorum-delivery']);
        if (firstSeen.has(id)) expect(firstSeen.get(id)!).toBeLessThanOrEqual(restartedAt);
        else firstSeen.set(id, r.at);
      }
      // The killed worker held the audit sealer's lease: the new one takes over and seals the
      // whole log, and every checkpoint signed before and after the kill holds.
      const deadline = Date.now() + 15_000;
      while ((await h.store.audit.sealed()).seq < (await h.store.audit.headSeq()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const ledger = await h.store.audit.verify();
      expect({ ledger }).toEqual({ ledger: expect.objectContaining({ ok: true, pending: 0 }) });
      expect((await h.store.audit.checkpoints()).length).toBeGreaterThan(0);
    } finally {
      await stopChild(worker);
      await api.stop();
      await receiver.close();
    }
  }, 120_000);
});

import { tmpdir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Harness, REDIS_URL, type Officer } from './support/harness';
import { stopChild } from './support/child-exit';
import { Receiver } from './support/receiver';
import { ServerProcess } from './support/server-process';

/** The worker's audit key and checkpoint file: outside the repository. */
const TEST_DATA_DIR = join(tmpdir(), 'quorumd-test-data');

const WORKER_JS = join(__dirname, '..', 'services', 'worker', 'dist', 'main.js');

/** Real processes sharing one Redis: API replicas, and a worker killed with SIGKILL. */
describe('several processes on one Redis', () => {
  let h: Harness;
  let admin: Officer;
  let officers: Officer[];

  beforeAll(async () => {
    ({ h, admin, officers } = await Harness.withOfficers(['co1', 'co2', 'co3']));
  });
  afterAll(() => h.close());

  it('a long-poll on one API process is answered within 100 ms of the final approval posted to another', async () => {
    const env = { REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8', QUORUM_DATA_DIR: TEST_DATA_DIR, QUORUM_INLINE_WORKER: 'false' };
    const [first, second] = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    try {
      const auth = { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' };
      const lags: number[] = [];
      for (let round = 0; round < 3; round++) {
        const issued = await (await fetch(`${first.url}/v1/tokens`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 700 + round } } }),
        })).json() as { token: { id: string } };
        const id = issued.token.id;
        const signature = h.openssl.sign(officers[0]!.key!.privatePath, await h.tokenBytes(id, admin.token));
        let waiterAnsweredAt = 0;
        const waiter = fetch(`${first.url}/v1/tokens/${id}?wait=30`, { headers: auth }).then(async (res) => {
          waiterAnsweredAt = Date.now();
          return (await res.json()) as { token: { status: string } };
        });
        await new Promise((r) => setTimeout(r, 200));
        expect(waiterAnsweredAt).toBe(0);
        const approval = await fetch(`${second.url}/v1/tokens/${id}/approvals`, {
          method: 'POST',
          headers: { authorization: `Bearer ${officers[0]!.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ signature }),
        });
        const approvedAt = Date.now();
        expect(((await approval.json()) as { token: { status: string } }).token.status).toBe('APPROVED');
        expect((await waiter).token.status).toBe('APPROVED');
        lags.push(waiterAnsweredAt - approvedAt);
      }
      for (const lag of lags) expect(lag).toBeLessThan(100);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('SIGKILL of the worker while deliveries are pending: after a restart every delivery happens, none twice', async () => {
    const receiver = await Receiver.start();
    receiver.respond = () => 503;
    const env = {
      PATH: process.env.PATH ?? '',
      REDIS_URL,
      QUORUM_REDIS_PREFIX: h.prefix, QUORUM_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8', QUORUM_DATA_DIR: TEST_DATA_DIR,
      QUORUM_DELIVERY_ATTEMPTS: '50',
      QUORUM_DELIVERY_BACKOFF_MS: '100',
      QUORUM_JOB_LOCK_MS: '1000',
      QUORUM_OUTBOX_CLAIM_MS: '500',
      LOG_LEVEL: 'warn',
    };
    const startWorkerProcess = (): ChildProcess => spawn(process.execPath, [WORKER_JS], { env, stdio: 'ignore' });
    let worker = startWorkerProcess();
    try {
      for (const o of officers) {
        await h.request('PUT', '/v1/officers/me/webhook', o.token, { url: receiver.url, secret: 'crash-test-secret-1' });
      }
      const ids: string[] = [];
      const issue = async () => {
        const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 800 + ids.length } } });
        ids.push(res.body.token.id as string);
      };
      for (let i = 0; i < 4; i++) await issue();
      await receiver.until((r) => r.length >= 8, 15_000);
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      // Issued while no worker runs: the outbox keeps them.
      for (let i = 0; i < 2; i++) await issue();
      receiver.respond = () => 200;
      worker = startWorkerProcess();

      const expected = ids.flatMap((id) => officers.map((o) => `approval.requested-${id}-co${o.id}`)).sort();
      // Tokens of the test before are delivered too (their outbox entries waited for a worker); count ours.
      const ours = () => receiver.accepted().map((d) => d.deliveryId).filter((id) => expected.includes(id));
      await receiver.until(() => new Set(ours()).size >= expected.length, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      const accepted = ours();
      expect([...new Set(accepted)].sort()).toEqual(expected);
      expect(accepted).toHaveLength(expected.length);

      // Graceful shutdown: SIGTERM finishes what is in hand, closes connections and exits 0.
      const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await stopChild(worker);
      await receiver.close();
    }
  }, 60_000);
});

import { Harness, type Officer } from './support/harness';
import { SentinelSet } from './support/sentinel-set';

/**
 * quorumd on Redis Sentinel (real redis-server processes on loopback): it finds the master
 * through the sentinels, and after `kill -9` of the master it follows the promotion without a
 * restart — 503 while the election runs, never a 500 — with every replicated approval there.
 */
describe('Redis Sentinel: failover', () => {
  let set: SentinelSet;
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;

  beforeAll(async () => {
    set = await SentinelSet.start();
    ({ h, admin, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2'], { redisUrl: set.url, worker: true }));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await set?.stop();
  });

  it('runs on redis-sentinel://, follows a kill -9 of the master, and keeps the approvals that reached the replica', async () => {
    await h.setM(admin, 'USER_MGMT', 2, [admin, co1]);
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { v: 1 } } });
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    expect((await h.approve(id, co1)).body.token.status).toBe('PENDING');
    // No WAIT here: quorumd answered the approval only once the replica acknowledged it.

    const oldMaster = await set.masterPort();
    expect(oldMaster).toBe(set.master.port);
    await set.master.kill('SIGKILL');
    const seen = new Set<number>();
    const readyAfter = await set.until(
      'quorumd is ready again on the promoted master',
      async () => {
        const res = await h.request('GET', '/readyz');
        seen.add(res.status);
        return res.status === 200;
      },
      30_000,
    );
    expect(await set.masterPort()).toBe(set.replica.port);
    expect([...seen].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    // eslint-disable-next-line no-console
    console.info(`sentinel failover: ready again ${readyAfter} ms after the kill`);

    const token = (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;
    expect(token.approvals.map((a: { userId: number }) => a.userId)).toEqual([co1.id]);
    expect((await h.approve(id, co2)).body.token.status).toBe('APPROVED');
    const audit = await h.store.audit.verify();
    expect(audit.ok).toBe(true);
  }, 90_000);
});

import { Harness, type Officer } from '../support/harness';
import { RedisProcess } from '../support/redis-process';
import { ServerProcess } from '../support/server-process';
import { checkStorm, fire, planStorm } from './storm';

const M = 3;

/** Redis with appendfsync always, killed with SIGKILL mid-storm and restarted on the same dir. */
describe('chaos: Redis killed during an approval storm', () => {
  it('loses no acknowledged approval; the API answers 503 within 1 s meanwhile and recovers by itself', async () => {
    const redis = await RedisProcess.start(['--appendfsync', 'always']);
    const h = await Harness.start({ redisUrl: redis.url });
    const api = await ServerProcess.start({ REDIS_URL: redis.url, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    try {
      const admin: Officer = await h.adminOfficer();
      const officers: Officer[] = [];
      for (let i = 1; i <= 4; i++) officers.push(await h.addOfficer(`r${i}`));
      await h.setM(admin, 'USER_MGMT', M, [admin, ...officers]);
      const { ids, approvals } = await planStorm(h, admin, officers, 20);

      let answered = 0;
      const wave = fire(() => api.url, approvals, 16, () => answered++);
      while (answered < 15) await new Promise((r) => setTimeout(r, 2));
      await redis.kill('SIGKILL');
      const down: { status: number; ms: number; code?: string }[] = [];
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        const res = await fetch(`${api.url}/v1/tokens/${ids[0]}`, { headers: { authorization: `Bearer ${admin.token}` } });
        down.push({ status: res.status, ms: Date.now() - started, code: ((await res.json()) as { code?: string }).code });
      }
      const acknowledged = await wave;
      expect(acknowledged.length).toBeLessThan(approvals.length);
      for (const d of down) expect(d).toMatchObject({ status: 503, code: 'RET_STORE_UNAVAILABLE' });
      for (const d of down) expect(d.ms).toBeLessThan(1000);

      await redis.restart();
      let ready = 0;
      for (let i = 0; i < 100 && ready !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ready = (await fetch(`${api.url}/readyz`)).status;
      }
      expect(ready).toBe(200);
      acknowledged.push(...(await fire(() => api.url, approvals.filter((a) => !acknowledged.includes(a)))));
      await checkStorm(h, ids, acknowledged, M);
    } finally {
      await api.stop();
      await h.close({ keepKeys: true });
      await redis.stop();
    }
  }, 120_000);
});

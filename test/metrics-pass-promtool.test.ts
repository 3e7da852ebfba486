import { spawnSync } from 'node:child_process';
import { Harness } from './support/harness';

/** `promtool` where it is installed (Debian's `prometheus` package; CI installs it). */
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((path) => spawnSync(path, ['--version']).status === 0);

/**
 * /metrics follows Prometheus's naming conventions as `promtool check metrics` checks them
 * (e.g. `_total` only on counters), Node's process metrics included. Without promtool the
 * check cannot run: the test says so and passes.
 */
(PROMTOOL ? describe : describe.skip)('metrics conventions (promtool check metrics)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ worker: true });
  });
  afterAll(() => h?.close());

  it('/metrics passes promtool check metrics, with every family of ours present', async () => {
    // Traffic, so that the labelled families have samples.
    expect((await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { v: 1 } } })).status).toBe(201);
    expect((await h.request('POST', '/v1/sessions', undefined, { name: 'admin', password: 'not-the-password' })).status).toBe(401);
    const res = await h.request('GET', '/metrics');
    expect(res.status).toBe(200);
    const text = res.raw.toString('utf8');
    for (const family of ['quorum_http_request_duration_seconds', 'quorum_queue_jobs', 'quorum_redis_replicas_acknowledging', 'quorum_writes_unacknowledged_total', 'quorum_process_nodejs_active_handles']) {
      expect(text).toContain(`# TYPE ${family} `);
    }
    const checked = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: checked.status, problems: `${checked.stdout}${checked.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
  });
});

if (!PROMTOOL) {
  // eslint-disable-next-line no-console
  console.info('promtool is not installed (apt-get install prometheus): the metrics conventions check is skipped');
}

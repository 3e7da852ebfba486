import { QuorumError } from '@quorumd/core';
import { QuorumClient } from '@quorumd/client';
import { Redis } from 'ioredis';
import { deleteDeploymentKeys } from '../support/deployment-keys';
import { until } from '../support/eventually';
import { RedisProcess } from '../support/redis-process';
import { ServerProcess } from '../support/server-process';

const PASSWORD = 'durability-admin-password';

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
}

const logLines = (server: ServerProcess): LogLine[] =>
  server.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

const readyz = async (server: ServerProcess) => {
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** One sample of /metrics, by its name and labels as written (`name{labels}`). */
async function metric(server: ServerProcess, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

/** Asks for a token (a change); the RET_ code and mayHaveCommitted of a refusal, or 'ok'. */
async function change(client: QuorumClient, n: number): Promise<string> {
  try {
    await client.requestQuorum({ service: 'USER_MGMT', operation: { command: 'deployRelease', args: { n } } });
    return 'ok';
  } catch (err) {
    if (!(err instanceof QuorumError)) throw err;
    return `${err.code}${(err.details as { mayHaveCommitted?: boolean } | undefined)?.mayHaveCommitted ? ' mayHaveCommitted' : ''}`;
  }
}

/**
 * When the replica stops acknowledging (frozen with SIGSTOP), the durability quorumd keeps is
 * visible: one log line per change, the metrics, /readyz `degraded` (503 only when
 * QUORUM_MIN_REPLICAS is set); then the recovery once it acknowledges again; and when the
 * replica leaves, the automatic setting dropping to 0 is said just as plainly.
 */
describe('durability you can see', () => {
  it('a frozen replica: one log line, the metrics, /readyz degraded; recovery after SIGCONT; a replica gone: said once, counted', async () => {
    const master = await RedisProcess.start();
    const replica = await RedisProcess.start(['--replicaof', '127.0.0.1', String(master.port)]);
    const prefix = `durability-${process.pid}`;
    const servers: ServerProcess[] = [];
    try {
      await replica.replicating(30_000);
      const auto = await ServerProcess.start({ REDIS_URL: master.url, QUORUM_REDIS_PREFIX: prefix, QUORUM_ADMIN_PASSWORD: PASSWORD, QUORUM_RATE_LIMIT_ISSUE: '100000', LOG_LEVEL: 'info' });
      servers.push(auto);
      const strict = await ServerProcess.start({ REDIS_URL: master.url, QUORUM_REDIS_PREFIX: prefix, QUORUM_MIN_REPLICAS: '1', LOG_LEVEL: 'info' });
      servers.push(strict);
      const client = new QuorumClient({ url: auto.url });
      await client.login('admin', PASSWORD);

      expect(await change(client, 1)).toBe('ok');
      expect(await readyz(auto)).toEqual({ status: 200, body: { status: 'ready' } });
      expect(await readyz(strict)).toEqual({ status: 200, body: { status: 'ready' } });
      expect(await metric(auto, 'quorum_redis_replicas_acknowledging')).toBe(1);
      expect(await metric(auto, 'quorum_writes_unacknowledged_total{reason="timed_out"}')).toBe(0);

      replica.freeze();
      expect(await change(client, 2)).toBe('RET_STORE_UNAVAILABLE mayHaveCommitted');
      expect(await change(client, 3)).toBe('RET_STORE_UNAVAILABLE mayHaveCommitted');
      const degraded = { status: 'degraded', reason: 'acks-timed-out', replicas: { required: 1, acknowledging: 0 } };
      expect(await readyz(auto)).toEqual({ status: 200, body: degraded });
      const strictAnswer = await readyz(strict);
      expect({ status: strictAnswer.status, code: strictAnswer.body.code, reason: strictAnswer.body.reason }).toEqual({ status: 503, code: 'RET_STORE_UNAVAILABLE', reason: 'acks-timed-out' });
      expect(await metric(auto, 'quorum_redis_replicas_acknowledging')).toBe(0);
      expect(await metric(auto, 'quorum_writes_unacknowledged_total{reason="timed_out"}')).toBe(2);
      // The server's stdout arrives on its own pipe: wait for the line, then count it.
      const timedOutLines = () => logLines(auto).filter((l) => l.msg.startsWith('redis replicas do not acknowledge the changes'));
      await until('the log says the replicas do not acknowledge', async () => timedOutLines().length > 0, 10_000);
      const timedOut = timedOutLines();
      expect(timedOut).toEqual([expect.objectContaining({ level: 40, reason: 'acks-timed-out', msg: 'redis replicas do not acknowledge the changes within 500 ms: changes answer 503 with mayHaveCommitted until they do' })]);

      replica.thaw();
      await until('/readyz says ready again', async () => (await readyz(auto)).body.status === 'ready', 15_000);
      expect(await change(client, 4)).toBe('ok');
      expect(await metric(auto, 'quorum_redis_replicas_acknowledging')).toBe(1);
      await until('the log says the replicas acknowledge again', async () => logLines(auto).some((l) => l.msg === 'redis replicas acknowledge the changes again'), 10_000);
      expect(logLines(auto).filter((l) => l.msg === 'redis replicas acknowledge the changes again')).toHaveLength(1);
      await until('the strict replica is ready again', async () => (await readyz(strict)).status === 200, 15_000);
      expect((await readyz(strict)).body).toEqual({ status: 'ready' });

      // The replica leaves: under the automatic setting changes go on, held by the master alone.
      await replica.kill('SIGKILL');
      const answers = new Set<string>();
      let n = 5;
      await until(
        'quorumd says the replica is gone',
        async () => {
          answers.add(await change(client, n++));
          return logLines(auto).some((l) => l.msg.startsWith('redis replica gone'));
        },
        20_000,
      );
      expect(await change(client, n++)).toBe('ok');
      expect(await readyz(auto)).toEqual({ status: 200, body: { status: 'degraded', reason: 'replica-gone', replicas: { required: 0, acknowledging: 0 } } });
      expect(await metric(auto, 'quorum_writes_unacknowledged_total{reason="none_required"}')).toBeGreaterThanOrEqual(1);
      expect(logLines(auto).filter((l) => l.msg.startsWith('redis replica gone'))).toHaveLength(1);
      expect([...answers].filter((a) => a !== 'ok' && a !== 'RET_STORE_UNAVAILABLE mayHaveCommitted')).toEqual([]);
    } finally {
      for (const server of servers) await server.stop();
      const redis = new Redis(master.url);
      await deleteDeploymentKeys(redis, prefix);
      redis.disconnect();
      await replica.stop();
      await master.stop();
    }
  }, 90_000);
});

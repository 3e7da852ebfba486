import { ForgeSigner, QuorumClient } from '@quorumd/client';
import { Redis } from 'ioredis';
import { ClusterSet } from '../support/cluster-set';
import { until } from '../support/eventually';
import { OpenSsl } from '../support/openssl';
import type { RedisProcess } from '../support/redis-process';
import { SentinelSet } from '../support/sentinel-set';
import { ServerProcess } from '../support/server-process';

const READY_WITHIN_MS = 15_000;

/** Polls /readyz until it answers 200; returns when (ms since epoch). */
async function readyAt(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${url}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return Date.now();
    if (Date.now() > deadline) throw new Error(`/readyz not 200 within ${timeoutMs} ms (last ${status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function infoReplication(server: RedisProcess): Promise<string> {
  const probe = new Redis(server.url);
  try {
    return await probe.info('replication');
  } finally {
    probe.disconnect();
  }
}

/** The replica of the master that holds `prefix`'s slot, as that master lists it. */
async function replicaOf(master: RedisProcess, all: RedisProcess[]): Promise<RedisProcess> {
  const port = Number(/^slave0:.*port=(\d+)/m.exec(await infoReplication(master))?.[1]);
  const replica = all.find((p) => p.port === port);
  if (!replica) throw new Error(`no replica of ${master.url} among the test's processes`);
  return replica;
}

/**
 * The admin logs in, registers a key, and approves three tokens (USER_MGMT's M is 1): each
 * approval is answered 200 only once the replica acknowledged it, so the replica holds it.
 */
async function firstApprovals(url: string, password: string, prefix: string, replica: RedisProcess, cluster: boolean): Promise<void> {
  const openssl = new OpenSsl();
  const onReplica = new Redis(replica.url);
  try {
    if (cluster) await onReplica.call('READONLY');
    const admin = new QuorumClient({ url });
    await admin.login('admin', password);
    const key = openssl.genrsa(2048);
    const signer = ForgeSigner.fromFile(key.privatePath);
    await admin.registerQuorumKey(1, key.publicPem, signer);
    for (let i = 0; i < 3; i++) {
      const token = await admin.requestQuorum({ service: 'USER_MGMT', operation: { command: 'deployRelease', args: { first: i } } });
      const approved = await admin.approve(token.id, signer);
      expect(approved.status).toBe('APPROVED');
      expect(await onReplica.hget(`{${prefix}}:token:${token.id}`, 'status')).toBe('APPROVED');
    }
  } finally {
    onReplica.disconnect();
    openssl.cleanup();
  }
}

/** The JSON log lines of a server's stdout. */
const logLines = (server: ServerProcess) =>
  server.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string });

/**
 * A fresh HA deployment started all at once, as `docker compose up` starts it: Redis with its
 * default settings (the replicas' first full sync held back by `repl-diskless-sync-delay`,
 * 5 s) and quorumd at the same moment. quorumd waits for the replicas to be in sync instead
 * of failing its bootstrap, is ready within 15 s, the admin logs in with the printed (or the
 * chosen) password, and the first approvals are held by the replica.
 */
describe('a fresh HA deployment started together with quorumd', () => {
  it('Sentinel (a master, a replica, three sentinels): ready within 15 s, the printed password logs in, the replica holds the first approvals', async () => {
    const started = Date.now();
    const set = await SentinelSet.launch();
    const prefix = `fresh-sentinel-${process.pid}`;
    let server: ServerProcess | undefined;
    try {
      // The replica contacts its master within a second of its start (and is counted from
      // then on, its first sync 5 s away): quorumd meets it in that state, every time.
      await until('the master counts its replica', async () => /^slave0:.*state=wait_bgsave/m.test(await infoReplication(set.master)), 10_000);
      server = await ServerProcess.start({ REDIS_URL: set.url, QUORUM_REDIS_PREFIX: prefix, LOG_LEVEL: 'info' });
      expect((await readyAt(server.url, READY_WITHIN_MS)) - started).toBeLessThan(READY_WITHIN_MS);
      const password = /created the crypto officer "admin" with password: (\S+)/.exec(server.stdout)?.[1];
      expect(password).toBeDefined();
      expect(logLines(server).map((l) => l.msg)).toContain(`waiting for replica 127.0.0.1:${set.replica.port} to finish its first sync`);
      expect(server.output).not.toMatch(/failed to start/);
      await firstApprovals(server.url, password!, prefix, set.replica, false);
    } finally {
      await server?.stop();
      await set.stop();
    }
  }, 60_000);

  it('Cluster (three masters, three replicas, quorumd started as `redis-cli --cluster create` returns): ready within 15 s, the chosen password logs in, the replica holds the first approvals', async () => {
    const started = Date.now();
    const { set, created } = await ClusterSet.launch();
    const prefix = `fresh-cluster-${process.pid}`;
    let server: ServerProcess | undefined;
    try {
      // The cluster exists once the create command has joined the nodes and named the
      // replicas (as a compose init job would); their first syncs are still to come.
      await created;
      await until('each master counts its replica', async () => (await Promise.all(set.nodes.map(infoReplication))).filter((info) => /^slave0:/m.test(info)).length === 3, 10_000);
      server = await ServerProcess.start({ REDIS_URL: set.url, QUORUM_REDIS_PREFIX: prefix, QUORUM_ADMIN_PASSWORD: 'chosen-admin-password', LOG_LEVEL: 'info' });
      expect((await readyAt(server.url, READY_WITHIN_MS)) - started).toBeLessThan(READY_WITHIN_MS);
      const master = await set.masterFor(prefix);
      const replica = await replicaOf(master, set.nodes);
      expect(logLines(server).map((l) => l.msg)).toContain(`waiting for replica 127.0.0.1:${replica.port} to finish its first sync`);
      expect(server.output).not.toMatch(/failed to start/);
      await firstApprovals(server.url, 'chosen-admin-password', prefix, replica, true);
    } finally {
      await server?.stop();
      await created.catch(() => undefined);
      await set.stop();
    }
  }, 60_000);
});

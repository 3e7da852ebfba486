import { createHash, createPublicKey, verify, constants } from 'node:crypto';
import { canonicalJson, newTokenDocument, tokenBytes } from '@quorumd/core';
import Fastify from 'fastify';
import { Redis } from 'ioredis';

/**
 * The floors quorumd's approvals and token issue are measured against: the least work each
 * can be on this machine. Approval: a fastify POST route that verifies one RSA-2048
 * signature with a cached key and commits the approval's writes (vote, voter index, audit
 * entry hashed in Node, head, outbox, publish) in one script call. Issue: the same shape,
 * building the canonical token bytes and committing the issue's writes (token, indexes,
 * audit entry, head, outbox, publish) in one script call.
 *
 * Env: PORT, REDIS_URL, FLOOR_PUBLIC_KEY (PEM of the key approvals are signed with),
 * FLOOR_DATA (base64 of the bytes they sign).
 */
const APPROVE = `
local n = redis.call('HINCRBY', KEYS[4], 'seq', 1)
redis.call('HSET', KEYS[1], 'v:' .. ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[4])
redis.call('HSET', KEYS[4], 'hash', ARGV[5])
redis.call('XADD', KEYS[5], '*', 'id', ARGV[3], 'status', 'PENDING')
redis.call('PUBLISH', 'floor:events', ARGV[3] .. ' PENDING')
return n`;

const ISSUE = `
local n = redis.call('HINCRBY', KEYS[6], 'seq', 1)
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'doc', ARGV[2], 'svc', 'USER_MGMT', 'm', 2, 'req', 'user:1', 'exp', ARGV[3], 'status', 'PENDING')
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
redis.call('RPUSH', KEYS[5], ARGV[4])
redis.call('HSET', KEYS[6], 'hash', ARGV[5])
redis.call('XADD', KEYS[7], '*', 'id', ARGV[1], 'status', 'PENDING')
redis.call('PUBLISH', 'floor:events', ARGV[1] .. ' PENDING')
return n`;

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
redis.defineCommand('floorApprove', { numberOfKeys: 5, lua: APPROVE });
redis.defineCommand('floorIssue', { numberOfKeys: 7, lua: ISSUE });
// defineCommand adds these at run time; ioredis cannot type them statically.
const scripts = redis as unknown as Record<'floorApprove' | 'floorIssue', (...args: (string | number)[]) => Promise<number>>;
const key = createPublicKey(process.env.FLOOR_PUBLIC_KEY ?? '');
const data = Buffer.from(process.env.FLOOR_DATA ?? '', 'base64');
const P = '{floor}:';
let previous = '0'.repeat(64);

function auditEntry(type: string, body: Record<string, unknown>): { text: string; hash: string } {
  const text = JSON.stringify({ seq: 0, at: new Date().toISOString(), type, actor: { kind: 'user', id: 2 }, data: body });
  previous = createHash('sha256').update(previous).update('\n').update(text).digest('hex');
  return { text, hash: previous };
}

const app = Fastify({ logger: false });
app.post('/approve', async (request, reply) => {
  const { signature, token, user } = request.body as { signature: string; token: string; user: number };
  const sig = Buffer.from(signature, 'base64');
  if (!verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, sig)) return reply.status(400).send({ code: 'RET_SIGNATURE_INVALID' });
  const entry = auditEntry('token.approval', { id: token, userId: user });
  await scripts.floorApprove(`${P}token:${token}`, `${P}user:${user}:votes`, `${P}audit`, `${P}audit:head`, `${P}outbox`, user, `fp|RS256|${Date.now()}|1|${signature}`, token, entry.text, entry.hash);
  return { ok: true };
});
app.post('/issue', async (request, reply) => {
  const { operation } = request.body as { operation: { command: string; args: Record<string, unknown> } };
  const doc = newTokenDocument({ service: 'USER_MGMT', operation: { command: operation.command, args: operation.args ?? {} }, requester: { kind: 'user', id: 1, name: 'admin' }, m: 2, issuer: 'floor', now: Date.now(), ttlSeconds: 600 });
  const bytes = tokenBytes(doc).toString('utf8');
  const entry = auditEntry('token.issued', { id: doc.id, service: doc.service, command: doc.operation.command, op: canonicalJson(doc.operation).length });
  await scripts.floorIssue(`${P}token:${doc.id}`, `${P}tokens:open`, `${P}tokens:all`, `${P}tokens:req:user:1`, `${P}audit`, `${P}audit:head`, `${P}outbox`, doc.id, bytes, Date.parse(doc.expiresAt), entry.text, entry.hash);
  return reply.status(201).send({ token: { id: doc.id } });
});
app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then(
  () => process.stdout.write('ready\n'),
  (err: unknown) => {
    process.stderr.write(String(err));
    process.exit(1);
  },
);
process.once('SIGTERM', () => void app.close().then(() => redis.quit()).then(() => process.exit(0)));

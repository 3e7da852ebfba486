import { QuorumError } from '@quorumd/core';
import type { FastifyReply } from 'fastify';

/**
 * Runs a route's work; a refusal that says how long to wait (`retryAfterSeconds`, e.g.
 * RET_LOGIN_THROTTLED) also sets the Retry-After header of the answer.
 */
export async function withRetryAfter<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const seconds = err instanceof QuorumError ? err.details?.retryAfterSeconds : undefined;
    if (typeof seconds === 'number') void reply.header('retry-after', String(seconds));
    throw err;
  }
}

import { QuorumError } from '@quorumd/core';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { SessionCheckingScript } from '@quorumd/store';
import { requesterKey, type Principal } from '../application/principal';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; only on routes that run `app.authenticate` (RET_UNAUTHORIZED otherwise). */
    readonly principal: Principal;
    /** Set by `app.authenticate`. */
    caller: Principal | null;
  }
  interface FastifyInstance {
    /**
     * onRequest hook: resolves the bearer credential to the caller before anything else
     * about the request (body validation included) is looked at, so an anonymous caller
     * gets 401 and never a description of the schema.
     */
    authenticate: onRequestAsyncHookHandler;
  }
  interface FastifyContextConfig {
    /**
     * The script the route's write runs, one that checks the caller's session in the same step
     * as its change (typed: only such a script can be named). The route then takes a session
     * resolved in the last minute as it was, with no read of it first, and a refusal that a
     * stale memory could explain is retried once with the session read afresh (the handler is
     * run again: it writes nothing before its script). See AuthService.principal.
     */
    sessionCheckedBy?: SessionCheckingScript;
    /** The route is one a session with a one-time password may call (changing it, logging out). */
    passwordChange?: boolean;
  }
}

/** `user:<id>` or `apikey:<id>` of the caller, for the request log line. */
export function callerId(request: FastifyRequest): string | null {
  return request.caller ? requesterKey(request.caller) : null;
}

/** App tier: who is calling. Routes that need a caller add `app.authenticate` as their onRequest hook. */
export default fp(
  async (app) => {
    app.decorateRequest('caller', null);
    app.decorateRequest('principal', {
      getter(this: FastifyRequest): Principal {
        if (!this.caller) throw new QuorumError('RET_UNAUTHORIZED');
        return this.caller;
      },
    });
    app.decorate('authenticate', async (request: FastifyRequest) => {
      request.caller = await app.services.auth.principal(request.headers.authorization, {
        checkedByTheWrite: request.routeOptions.config.sessionCheckedBy !== undefined,
        passwordChange: request.routeOptions.config.passwordChange === true,
      });
    });
    // A route that trusts a remembered session gets the fresh-read retry with it: the two cannot be set apart.
    app.addHook('onRoute', (route) => {
      const config = route.config as { sessionCheckedBy?: SessionCheckingScript } | undefined;
      if (config?.sessionCheckedBy === undefined) return;
      const handler = route.handler;
      route.handler = async function retriedWithAFreshSession(this: unknown, request, reply) {
        try {
          return await handler.call(this as never, request, reply);
        } catch (err) {
          request.caller = await app.services.auth.afterRefusal(request.headers.authorization, request.principal, err);
          return handler.call(this as never, request, reply);
        }
      };
    });
  },
  { name: 'auth', dependencies: ['services'] },
);

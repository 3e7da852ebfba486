import { QuorumError } from '@quorumd/core';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
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
    /** The route's script checks the caller's session in the same step as its write (see AuthService.principal). */
    sessionCheckedByTheWrite?: boolean;
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
        checkedByTheWrite: request.routeOptions.config.sessionCheckedByTheWrite === true,
        passwordChange: request.routeOptions.config.passwordChange === true,
      });
    });
  },
  { name: 'auth', dependencies: ['services'] },
);

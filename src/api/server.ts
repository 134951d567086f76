// The read API's HTTP server (fastify): authentication, the one error shape, the rate limit, the
// OpenAPI document at /openapi.json, and the routes under /v1. It owns no connection: the store,
// the rate counter and the token verifier come in, so tests and `npm run api` wire the same code.
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiDeps, Guard } from './api-deps.ts';
import { ApiError, errorBody } from './errors.ts';
import { traceRequests } from './request-tracing.ts';
import { consentRoutes } from './routes/consents.ts';
import { permissionRoutes } from './routes/permissions.ts';
import { cspErrorResponse } from './schemas.ts';

export const API_PREFIX = '/v1';

export async function buildApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Every line about a request carries its requestId, which the error body repeats.
    genReqId: () => randomUUID(),
    // One line per request would double the log at 500 reads/s; errors are logged with their requestId.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    ajv: { customOptions: { coerceTypes: true, allErrors: false } },
  });
  app.decorateRequest('caller', null);
  traceRequests(app); // first, so the span covers authentication too
  app.addSchema(cspErrorResponse);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'consent-worker read API', version: '1.0.0', description: 'Reads of consents and permission acceptances; expiry enforced at read time.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setErrorHandler(async (error, request, reply) => {
    let refusal: ApiError;
    if (error instanceof ApiError) refusal = error;
    else if ((error as { validation?: unknown }).validation) {
      refusal = new ApiError('400', 'VALIDATION_FAILED', (error as Error).message);
    } else {
      request.log.error({ err: error }, 'read failed');
      refusal = new ApiError('500', 'INTERNAL_ERROR', 'the read failed; the log has the requestId');
    }
    const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    return reply.code(refusal.httpStatus).send(errorBody(refusal, request.id));
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send(errorBody(new ApiError('404', 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request.id)));

  // 401 comes first (an anonymous caller learns nothing, not even which input is invalid), then the
  // schema's 400, then 403, then the budget (429): a refused caller does not spend anyone's budget.
  const guard: Guard = async (request, allowed, budgetKey) => {
    const caller = request.caller;
    if (caller === null) throw new ApiError('401', 'UNAUTHORIZED', 'an Authorization: Bearer <JWT> header is required');
    if (!allowed(caller)) throw new ApiError('403', 'FORBIDDEN', 'the token does not allow this read');
    const now = deps.clock();
    const { rateLimit, rateWindowMs } = deps.limits;
    const count = await deps.rates.hit(`api:${budgetKey(caller)}`, rateWindowMs, now);
    if (count > rateLimit) {
      const windowEnds = (Math.floor(now.getTime() / rateWindowMs) + 1) * rateWindowMs;
      request.log.warn({ budget: budgetKey(caller).split(':')[0] }, 'read rate limit reached');
      throw Object.assign(new ApiError('429', 'RATE_LIMITED', `more than ${rateLimit} reads in ${rateWindowMs} ms`),
        { retryAfterSeconds: Math.max(1, Math.ceil((windowEnds - now.getTime()) / 1000)) });
    }
    return caller;
  };

  // Authentication is checked before validation: onRequest runs before the schema.
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith(API_PREFIX)) request.caller = await deps.verify(request.headers.authorization);
  });

  await app.register(async (v1) => {
    consentRoutes(v1, deps, guard);
    permissionRoutes(v1, deps, guard);
  }, { prefix: API_PREFIX });
  return app;
}

// The read API's HTTP server (fastify): authentication, the one error shape, the rate limit, the
// OpenAPI document at /openapi.json, and the routes under /v1. It owns no connection: the store,
// the Redis client of the budgets and the token verifier come in, so tests and `npm run api` wire the same code.
import { randomUUID } from 'node:crypto';
import type { RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiDeps, Guard, RouteOptions } from './api-deps.ts';
import { NO_API_METRICS } from './api-metrics.ts';
import { ApiError, errorBody } from './errors.ts';
import { traceRequests } from './request-tracing.ts';
import { consentRoutes } from './routes/consents.ts';
import { permissionRoutes } from './routes/permissions.ts';
import { receiptRoutes } from './routes/receipt.ts';
import { orgRevisionRoutes, revisionRoutes } from './routes/revisions.ts';
import { cspErrorResponse, IDENTIFIER_MAX_LENGTH } from './schemas.ts';

export const API_PREFIX = '/v1';

/**
 * The longest path segment (decoded) the router takes. Far above the 128 characters of an
 * identifier, so a too-long identifier reaches its route's schema, whose 400 names the parameter;
 * only a segment longer than this is refused by the router (frameworkErrors, also a 400).
 */
export const MAX_PARAM_LENGTH = 1_024;

/**
 * The refusal of a request the router itself refused (no route ran), as the one error shape:
 * a malformed percent-encoding (FST_ERR_BAD_URL), a path segment longer than MAX_PARAM_LENGTH
 * (FST_ERR_MAX_PARAM_LENGTH; named by the route parameter it would have filled, when one does).
 */
function routerRefusal(error: FastifyError, path: string, routes: readonly string[]): ApiError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new ApiError('400', 'BAD_URL', 'a path segment is not valid percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH': {
      const name = parameterOfLongSegment(path, routes);
      return new ApiError('400', 'VALIDATION_FAILED', `${name === null ? 'a path segment' : `params/${name}`} must NOT have more than ${IDENTIFIER_MAX_LENGTH} characters`);
    }
    default:
      return new ApiError('500', 'INTERNAL_ERROR', 'the read failed; the log has the requestId');
  }
}

/** The `:name` of the route pattern whose parameter the first over-long segment of `path` would fill. */
export function parameterOfLongSegment(path: string, routes: readonly string[]): string | null {
  const segments = path.split('?')[0]?.split('/') ?? [];
  const long = segments.findIndex((segment) => segment.length > MAX_PARAM_LENGTH);
  for (const route of routes) {
    const parts = route.split('/');
    if (parts.length !== segments.length) continue;
    const fits = parts.every((part, i) => part.startsWith(':') || part === segments[i]);
    if (fits && parts[long]?.startsWith(':')) return (parts[long] as string).slice(1);
  }
  return null;
}

export async function buildApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const metrics = deps.metrics ?? NO_API_METRICS;
  const tls = deps.tls ?? null;
  const app = Fastify({
    // HTTPS through a server factory rather than Fastify's `https` option, whose instance type
    // differs from the plain one every route is typed with; an https.Server serves the same handler.
    ...(tls === null ? {} : {
      serverFactory: (handler: RequestListener) => createHttpsServer({
        cert: tls.cert, key: tls.key,
        ...(tls.clientCa === null ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
      }, handler) as unknown as Server,
    }),
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Every line about a request carries its requestId, which the error body repeats.
    genReqId: () => randomUUID(),
    // One line per request would double the log at 500 reads/s; errors are logged with their requestId.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    ajv: { customOptions: { coerceTypes: true, allErrors: false } },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Refusals by the router, before any route or hook: in the one error shape too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const refusal = routerRefusal(error, request.url, routes);
      metrics.requestAnswered('unmatched', request.method, refusal.httpStatus, 0);
      void reply.code(refusal.httpStatus).header('x-request-id', request.id).send(errorBody(refusal, request.id));
    },
  });
  const routes: string[] = [];
  app.addHook('onRoute', (route) => { routes.push(route.url); });
  app.decorateRequest('caller', null);
  traceRequests(app); // first, so the span covers authentication too
  app.decorateRequest('budget', null);
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
  // By route pattern, not URL: ids in a label would make a series per identifier.
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestAnswered(request.is404 ? 'unmatched' : request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1_000);
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
    return reply.code(refusal.httpStatus).send(errorBody(refusal, request.id));
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send(errorBody(new ApiError('404', 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request.id)));

  // 401 comes first (an anonymous caller learns nothing, not even which input is invalid), then the
  // schema's 400, then 403 (the route's preHandler, this guard), then the budget (429, the rate
  // limiter, which @fastify/rate-limit appends after the route's own preHandler): a refused caller
  // does not spend anyone's budget.
  const guard: Guard = async (request, allowed, budgetKey) => {
    const caller = request.caller;
    if (caller === null) throw new ApiError('401', 'UNAUTHORIZED', 'an Authorization: Bearer <JWT> header is required');
    if (!allowed(caller)) throw new ApiError('403', 'FORBIDDEN', 'the token does not allow this read');
    request.budget = budgetKey(caller);
    return caller;
  };

  // The budgets: a fixed window per budget key in Redis (the key expires a window after its first
  // read), so every replica spends the same one. Registered after /openapi.json, which it spares.
  const { rateLimit: max, rateWindowMs } = deps.limits;
  const quiet = { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false };
  await app.register(rateLimit, {
    global: true, hook: 'preHandler', max, timeWindow: rateWindowMs,
    redis: deps.redis, nameSpace: 'api-rate:',
    keyGenerator: (request) => request.budget ?? 'none', // every /v1 route's guard has set it
    addHeaders: { ...quiet, 'retry-after': true }, addHeadersOnExceeding: quiet,
    onExceeded: (request, key) => {
      const budget = key.split(':')[0] ?? 'caller';
      metrics.rateLimited(budget);
      request.log.warn({ budget }, 'read rate limit reached');
    },
    errorResponseBuilder: () => new ApiError('429', 'RATE_LIMITED', `more than ${max} reads in ${rateWindowMs} ms`),
  });

  // Authentication is checked before validation: onRequest runs before the schema.
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith(API_PREFIX)) request.caller = await deps.verify(request.headers.authorization);
  });

  const routeOptions: RouteOptions = { deps, guard };
  await app.register(consentRoutes, { ...routeOptions, prefix: API_PREFIX });
  await app.register(permissionRoutes, { ...routeOptions, prefix: API_PREFIX });
  await app.register(revisionRoutes, { ...routeOptions, prefix: API_PREFIX });
  await app.register(orgRevisionRoutes, { ...routeOptions, prefix: API_PREFIX });
  await app.register(receiptRoutes, { ...routeOptions, prefix: API_PREFIX });
  return app;
}

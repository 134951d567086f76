// The read API's part of a trace: a SERVER span per request, a child of the caller's W3C
// `traceparent` (so a read joins the trace of the service that made it). A tiny pair of hooks
// rather than @fastify/otel: that plugin needs the SDK's instrumentation registry and an
// AsyncLocalStorage context manager, and spans every hook and handler, for a server whose reads
// are one query each. Through @opentelemetry/api only: with no SDK registered, both hooks are no-ops.
// The span is named by the route template, never the URL, whose ids may name a person.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, propagation, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const spans = new WeakMap<FastifyRequest, Span>();

export function traceRequests(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = trace.getTracer('consent-read-api').startSpan(request.method, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'consent_worker.request.id': request.id },
    }, parent);
    if (span.isRecording()) spans.set(request, span);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    const route = request.routeOptions.url;
    if (route) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

// ApiMetrics as Prometheus series, on the registry of the process that serves the read API: its
// own (`npm run api`) or the worker's (READ_API_ENABLED=true), so one /metrics shows both.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ApiMetrics } from './api-metrics.ts';

export const API_METRICS_PREFIX = 'consent_read_api_';

/** Seconds: a read takes a few milliseconds; a slow MongoDB or an outage takes seconds. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createApiMetrics(registry: Registry): ApiMetrics {
  const registers = [registry];
  const duration = new Histogram({
    name: `${API_METRICS_PREFIX}request_duration_seconds`, help: 'Read API requests by route pattern, method and HTTP status, and how long each took',
    labelNames: ['route', 'method', 'status_code'], buckets: REQUEST_BUCKETS, registers,
  });
  const limited = new Counter({ name: `${API_METRICS_PREFIX}rate_limited_total`, help: 'Reads refused with 429, by budget (org or caller)', labelNames: ['budget'], registers });
  const tokens = new Counter({ name: `${API_METRICS_PREFIX}token_cache_total`, help: 'Bearer tokens found already verified (hit) or verified again (miss)', labelNames: ['outcome'], registers });
  return {
    requestAnswered: (route, method, statusCode, seconds) => duration.observe({ route, method, status_code: String(statusCode) }, seconds),
    rateLimited: (budget) => limited.inc({ budget }),
    tokenLookup: (hit) => tokens.inc({ outcome: hit ? 'hit' : 'miss' }),
  };
}

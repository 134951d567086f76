// `npm run api`: the read API alone (it scales apart from the consumers), with the worker's ops
// surface (src/ops/process-lifecycle.ts): /healthz, /readyz pinging MongoDB and Redis, /metrics,
// process warnings in the log, and a stop that passes SHUTDOWN_TIMEOUT_MS exits 3.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadConfig } from '../config/config.ts';
import { loadOrExit } from '../config/load-or-exit.ts';
import { createLogger } from '../logging/logger.ts';
import { routeProcessWarnings } from '../logging/process-warnings.ts';
import type { OpsServer } from '../ops/ops-server.ts';
import { EXIT, installStopPath, startOpsOrExit } from '../ops/process-lifecycle.ts';
import { Readiness } from '../ops/readiness.ts';
import { API_METRICS_PREFIX } from './prometheus-api-metrics.ts';
import { startTracing } from '../tracing/start-tracing.ts';
import { loadTracingConfig } from '../tracing/tracing-config.ts';
import { startReadApi, type ReadApi } from './start-api.ts';

const [config, tracingConfig] = loadOrExit(() => loadConfig(process.env, undefined, { readApi: true }), () => loadTracingConfig());
const apiConfig = config.readApi;
if (apiConfig === null) throw new Error('loadConfig({ readApi: true }) gave no read API settings');
const logger = createLogger(config.logLevel, 'consent-read-api');
routeProcessWarnings(logger);
// Off (nothing registered) unless OTEL_* asks for it (docs/tracing.md).
const tracing = tracingConfig ? startTracing(tracingConfig, 'consent-read-api') : null;

let api: ReadApi | null = null;
let ops: OpsServer | null = null;
const readiness = new Readiness();
const stopPath = installStopPath({
  logger, readiness, deadlineMs: config.shutdownTimeoutMs, ops: () => ops,
  // app.close() lets the requests in flight finish; the deadline bounds a slow one.
  stopWork: async () => {
    await api?.stop();
    // The spans of the last requests are exported before the exit (bounded by the deadline).
    await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'tracing shutdown failed; the last spans may be lost'));
  },
});

const metrics = new Registry();
collectDefaultMetrics({ register: metrics, prefix: API_METRICS_PREFIX });
ops = await startOpsOrExit(config.ops, readiness, metrics, logger);

try {
  api = await startReadApi(config, apiConfig, logger, { metrics });
} catch (error) {
  logger.fatal({ err: error }, 'read API could not start');
  process.exit(EXIT.failed);
}
if (!stopPath.stopping) readiness.running(api.readinessChecks);

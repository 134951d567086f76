// `npm start` (consumer + sweeper) and `npm run sweeper` (--sweeper-only). In this order:
//  1. the configuration, validated whole: a bad one exits 2, naming every bad variable, before
//     anything connects;
//  2. the stop path (SIGTERM/SIGINT), installed before anything can take time, so a signal during
//     start-up stops cleanly too;
//  3. the ops listener (/healthz, /readyz: "starting" until the worker runs, /metrics);
//  4. the worker, whose start is retried with the one backoff while a server is down; only an
//     error that says it is not retryable (an incompatible schema) stops the start (exit 1).
// A stop that passes SHUTDOWN_TIMEOUT_MS exits 3: the worker commits offsets as commands finish,
// so what is lost is at most the commands in flight, redone (idempotently) by the next owner.
import { startReadApi, type ReadApi } from './api/start-api.ts';
import { loadConfig, type Config } from './config/config.ts';
import { loadOrExit } from './config/load-or-exit.ts';
import { createLogger } from './logging/logger.ts';
import { routeProcessWarnings } from './logging/process-warnings.ts';
import { EXIT, installStopPath, startOpsOrExit } from './ops/process-lifecycle.ts';
import type { OpsServer } from './ops/ops-server.ts';
import { createPrometheusObserver } from './ops/prometheus-observer.ts';
import { Readiness } from './ops/readiness.ts';
import { securityRefusalOf } from './ops/security-refusal.ts';
import { startTracing, type Tracing } from './tracing/start-tracing.ts';
import { loadTracingConfig, type TracingConfig } from './tracing/tracing-config.ts';
import { backoffDelay } from './wait/backoff.ts';
import { sleep } from './wait/sleep.ts';
import { startWorker, type Worker } from './worker.ts';

// READ_API_ENABLED=true: the read API beside the worker (config.readApi), its variables checked
// with the worker's (and the OTEL_* ones), so one start names every bad variable of all.
const [config, tracingConfig] = loadOrExit<[Config, TracingConfig | null]>(() => loadConfig(), () => loadTracingConfig());
const logger = createLogger(config.logLevel);
routeProcessWarnings(logger);
// Before anything starts a span; off (nothing registered) unless OTEL_* asks for it (docs/tracing.md).
const tracing: Tracing | null = tracingConfig ? startTracing(tracingConfig, 'consent-worker') : null;
if (tracingConfig) logger.info({ exporters: tracingConfig.exporters, sampler: tracingConfig.sampler }, 'tracing on');

// ---- the stop path, first ----------------------------------------------------------------------
/** Aborted by the stop: cuts short a start-up retry's backoff. */
const stopping = new AbortController();
let worker: Worker | null = null;
let ops: OpsServer | null = null;
let api: ReadApi | null = null;
const readiness = new Readiness();
const stopPath = installStopPath({
  logger, readiness, deadlineMs: config.shutdownTimeoutMs, ops: () => ops,
  async stopWork() {
    stopping.abort();
    // Before the worker has started nothing was consumed, so nothing waits to be committed: a
    // start in flight (perhaps waiting on a server that is down) is left, and what it did
    // (topics, schemas, owed outboxes published) is idempotent and done again by the next start.
    if (!worker) logger.info('stopped before the worker started');
    await Promise.all([worker?.stop(), api?.stop()]);
    // The spans of the last commands are exported before the exit (bounded by the stop deadline).
    await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'tracing shutdown failed; the last spans may be lost'));
  },
});

// ---- the ops listener (the read API's series join the worker's registry) -----------------------
const observer = createPrometheusObserver();
ops = await startOpsOrExit(config.ops, readiness, observer.registry, logger);

// ---- the read API, when asked for (it needs MongoDB and Redis only) ----------------------------
if (config.readApi) {
  try {
    api = await startReadApi(config, config.readApi, logger, { metrics: observer.registry });
  } catch (error) {
    logger.fatal({ err: error }, 'read API could not start');
    process.exit(EXIT.failed);
  }
}

// ---- the worker, retried while a server is down ------------------------------------------------
const sweeperOnly = process.argv.includes('--sweeper-only');

async function startWithRetries(): Promise<Worker | null> {
  for (let attempt = 1; !stopPath.stopping; attempt++) {
    try {
      worker = await startWorker(config, logger, { consume: !sweeperOnly, sweep: sweeperOnly || config.sweep.enabled, observer });
      return worker;
    } catch (error) {
      if ((error as { retryable?: unknown }).retryable === false) {
        logger.fatal({ err: error }, 'worker cannot start');
        process.exit(EXIT.failed);
      }
      if (stopPath.stopping) return null;
      const delayMs = backoffDelay(attempt);
      const refusal = securityRefusalOf(error);
      if (refusal !== null) {
        // Waiting does not fix a refusal: say so at error level and on /readyz, then keep trying
        // (a rotated secret or a granted ACL lets the next attempt through).
        readiness.refused(refusal);
        logger.error({ err: error, refusal, attempt, retryInMs: delayMs }, 'a server refused the worker (credentials, certificate or ACL); fix the configuration. Retrying');
      } else {
        logger.warn({ err: error, attempt, retryInMs: delayMs }, 'worker could not start (a server is down?); retrying');
      }
      observer.retry('start-up');
      await sleep(delayMs, stopping.signal);
    }
  }
  return null;
}

const running = await startWithRetries();
if (running && !stopPath.stopping) readiness.running({ ...running.readinessChecks, ...api?.readinessChecks });

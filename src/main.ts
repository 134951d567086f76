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
import { loadApiConfig, readApiEnabled, type ApiConfig } from './config/api-config.ts';
import { loadConfig, type Config } from './config/config.ts';
import { CONFIGURATION_EXIT_CODE, loadOrExit } from './config/load-or-exit.ts';
import { createLogger } from './logging/logger.ts';
import { routeProcessWarnings } from './logging/process-warnings.ts';
import { startOpsServer, type OpsServer } from './ops/ops-server.ts';
import { createPrometheusObserver } from './ops/prometheus-observer.ts';
import { Readiness } from './ops/readiness.ts';
import { backoffDelay } from './pipeline/backoff.ts';
import { startTracing, type Tracing } from './tracing/start-tracing.ts';
import { loadTracingConfig, type TracingConfig } from './tracing/tracing-config.ts';
import { startWorker, type Worker } from './worker.ts';

export const EXIT = { clean: 0, failed: 1, configuration: CONFIGURATION_EXIT_CODE, stopDeadline: 3 } as const;

// READ_API_ENABLED=true: the read API beside the worker, its configuration checked with the
// worker's, so one start names every bad variable of both.
const [config, apiConfig, tracingConfig] = loadOrExit<[Config, ApiConfig | null, TracingConfig | null]>(
  () => loadConfig(), () => (readApiEnabled() ? loadApiConfig() : null), () => loadTracingConfig());
const logger = createLogger(config.logLevel);
routeProcessWarnings(logger);
// Before anything starts a span; off (nothing registered) unless OTEL_* asks for it (docs/tracing.md).
const tracing: Tracing | null = tracingConfig ? startTracing(tracingConfig, 'consent-worker') : null;
if (tracingConfig) logger.info({ exporters: tracingConfig.exporters, sampler: tracingConfig.sampler }, 'tracing on');

// ---- the stop path, first ----------------------------------------------------------------------
let stopping = false;
let wakeFromBackoff: (() => void) | null = null;
let worker: Worker | null = null;
let ops: OpsServer | null = null;
let api: ReadApi | null = null;
const readiness = new Readiness();

async function stop(signal: string): Promise<void> {
  if (stopping) {
    logger.warn({ signal }, 'already stopping');
    return;
  }
  stopping = true;
  readiness.stopping();
  logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'stopping');
  setTimeout(() => {
    logger.error({ deadlineMs: config.shutdownTimeoutMs }, 'stop deadline passed; exiting with what was committed');
    process.exit(EXIT.stopDeadline);
  }, config.shutdownTimeoutMs).unref();
  wakeFromBackoff?.();
  let code: number = EXIT.clean;
  try {
    // Before the worker has started nothing was consumed, so nothing waits to be committed: a
    // start in flight (perhaps waiting on a server that is down) is left, and what it did
    // (topics, schemas, owed outboxes published) is idempotent and done again by the next start.
    if (!worker) logger.info('stopped before the worker started');
    await Promise.all([worker?.stop(), api?.stop()]);
  } catch (error) {
    logger.error({ err: error }, 'unclean stop');
    code = EXIT.failed;
  }
  await ops?.close();
  // The spans of the last commands are exported before the exit (bounded by the stop deadline).
  await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'tracing shutdown failed; the last spans may be lost'));
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal));

// ---- the ops listener --------------------------------------------------------------------------
const observer = createPrometheusObserver();
try {
  ops = await startOpsServer({ ...config.ops, readiness, metrics: observer.registry, logger });
} catch (error) {
  // A taken port is the configuration's to fix, like any other bad value.
  console.error(`configuration error: OPS_PORT: cannot listen on ${config.ops.host}:${config.ops.port}: ${(error as Error).message}`);
  process.exit(EXIT.configuration);
}

// ---- the read API, when asked for (it needs MongoDB and Redis only) ----------------------------
if (apiConfig) {
  try {
    api = await startReadApi(config, apiConfig, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'read API could not start');
    process.exit(EXIT.failed);
  }
}

// ---- the worker, retried while a server is down ------------------------------------------------
const sweeperOnly = process.argv.includes('--sweeper-only');

async function startWithRetries(): Promise<Worker | null> {
  for (let attempt = 1; !stopping; attempt++) {
    try {
      worker = await startWorker(config, logger, { consume: !sweeperOnly, sweep: sweeperOnly || config.sweep.enabled, observer });
      return worker;
    } catch (error) {
      if ((error as { retryable?: unknown }).retryable === false) {
        logger.fatal({ err: error }, 'worker cannot start');
        process.exit(EXIT.failed);
      }
      if (stopping) return null;
      const delayMs = backoffDelay(attempt);
      logger.warn({ err: error, attempt, retryInMs: delayMs }, 'worker could not start (a server is down?); retrying');
      observer.retry('start-up');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        wakeFromBackoff = () => { clearTimeout(timer); resolve(); };
      });
      wakeFromBackoff = null;
    }
  }
  return null;
}

const running = await startWithRetries();
if (running && !stopping) readiness.running(running.readinessChecks);

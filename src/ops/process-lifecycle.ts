// What every long-running process (the worker, the read API) does around its work, in one place:
// the ops listener started before anything slow (a taken port is a configuration error, exit 2),
// and the stop path: on SIGTERM/SIGINT readiness turns "stopping" at once, the work stops, the ops
// listener closes last, and a stop that passes SHUTDOWN_TIMEOUT_MS exits 3 with what was done.
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.ts';
import { startOpsServer, type OpsServer, type OpsTls } from './ops-server.ts';
import type { Readiness } from './readiness.ts';

/**
 * The exit codes of both processes. `configuration` is also config/load-or-exit.ts's
 * CONFIGURATION_EXIT_CODE (ops may not import config/; test/unit/ops/exit-codes.test.ts keeps them equal).
 */
export const EXIT = { clean: 0, failed: 1, configuration: 2, stopDeadline: 3 } as const;

/** The ops listener, or exit 2 naming OPS_PORT: a taken port is the configuration's to fix. */
export async function startOpsOrExit(ops: { readonly host: string; readonly port: number; readonly tls?: OpsTls | null }, readiness: Readiness, metrics: Registry, logger: Logger): Promise<OpsServer> {
  try {
    return await startOpsServer({ ...ops, readiness, metrics, logger });
  } catch (error) {
    console.error(`configuration error: OPS_PORT: cannot listen on ${ops.host}:${ops.port}: ${(error as Error).message}`);
    process.exit(EXIT.configuration);
  }
}

export interface StopPathOptions {
  readonly logger: Logger;
  readonly readiness: Readiness;
  readonly deadlineMs: number;
  /** Stops the process's work; a rejection exits 1 ("unclean stop"). */
  stopWork(): Promise<void>;
  /** The ops listener, closed last so probes see "stopping" until the end; null before it started. */
  ops(): OpsServer | null;
}

export interface StopPath {
  /** True from the first signal on: a start still in progress gives up. */
  readonly stopping: boolean;
}

/** Installs the stop path; call it before anything can take time, so a signal during start-up stops cleanly too. */
export function installStopPath(options: StopPathOptions): StopPath {
  const { logger, readiness, deadlineMs } = options;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'already stopping');
      return;
    }
    stopping = true;
    readiness.stopping();
    logger.info({ signal, deadlineMs }, 'stopping');
    setTimeout(() => {
      logger.error({ deadlineMs }, 'stop deadline passed; exiting with what was committed');
      process.exit(EXIT.stopDeadline);
    }, deadlineMs).unref();
    let code: number = EXIT.clean;
    try {
      await options.stopWork();
    } catch (error) {
      logger.error({ err: error }, 'unclean stop');
      code = EXIT.failed;
    }
    await options.ops()?.close();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal));
  return { get stopping() { return stopping; } };
}

// `npm start` (consumer + sweeper) and `npm run sweeper` (--sweeper-only).
import { startReadApi, type ReadApi } from './api/start-api.ts';
import { loadApiConfig, readApiEnabled } from './config/api-config.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { createLogger } from './logging/logger.ts';
import { startWorker } from './worker.ts';

// kafkajs 2.2 passes negative timeouts on Node 23+; Node warns and clamps them to 1 ms, which is
// what kafkajs meant. Everything else still reaches the log.
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.warn(warning);
});
process.removeAllListeners('warning');

const sweeperOnly = process.argv.includes('--sweeper-only');
let config;
let apiConfig = null;
try {
  config = loadConfig();
  if (readApiEnabled()) apiConfig = loadApiConfig(); // READ_API_ENABLED=true: the read API beside the worker
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
const logger = createLogger(config.logLevel);
const worker = await startWorker(config, logger, { consume: !sweeperOnly, sweep: sweeperOnly || config.sweep.enabled }).catch((error: unknown) => {
  logger.fatal({ err: error }, 'worker could not start');
  process.exit(1);
});

const api: ReadApi | null = apiConfig === null ? null : await startReadApi(config, apiConfig, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'read API could not start');
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    Promise.all([worker.stop(), api?.stop()]).then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'unclean stop');
      process.exit(1);
    });
  });
}

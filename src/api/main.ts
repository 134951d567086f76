// `npm run api`: the read API alone (it scales apart from the consumers).
import { loadApiConfig } from '../config/api-config.ts';
import { loadConfig } from '../config/config.ts';
import { loadOrExit } from '../config/load-or-exit.ts';
import { createLogger } from '../logging/logger.ts';
import { startTracing } from '../tracing/start-tracing.ts';
import { loadTracingConfig } from '../tracing/tracing-config.ts';
import { startReadApi } from './start-api.ts';

const [config, apiConfig, tracingConfig] = loadOrExit(() => loadConfig(), () => loadApiConfig(), () => loadTracingConfig());
const logger = createLogger(config.logLevel, 'consent-read-api');
// Off (nothing registered) unless OTEL_* asks for it (docs/tracing.md).
const tracing = tracingConfig ? startTracing(tracingConfig, 'consent-read-api') : null;
const api = await startReadApi(config, apiConfig, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'read API could not start');
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    api.stop().then(() => tracing?.shutdown()).then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'unclean stop');
      process.exit(1);
    });
  });
}

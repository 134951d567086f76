// `npm run api`: the read API alone (it scales apart from the consumers).
import { loadApiConfig } from '../config/api-config.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { createLogger } from '../logging/logger.ts';
import { startReadApi } from './start-api.ts';

let config;
let apiConfig;
try {
  config = loadConfig();
  apiConfig = loadApiConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
const logger = createLogger(config.logLevel, 'consent-read-api');
const api = await startReadApi(config, apiConfig, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'read API could not start');
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    api.stop().then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'unclean stop');
      process.exit(1);
    });
  });
}

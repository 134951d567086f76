// Structured logs (pino). Personal data never reaches a log line: the pipeline logs ids and
// codes only, and these redaction paths are a second guard should a state object slip in.
import { pino, type Logger } from 'pino';

export type { Logger };

const PERSONAL_DATA = [
  '*.targetOrgOwnerEmail', '*.*.targetOrgOwnerEmail', '*.consentData', '*.*.consentData', '*.data', '*.*.data',
];

export function createLogger(level: string, name = 'consent-worker'): Logger {
  return pino({ name, level, redact: { paths: PERSONAL_DATA, censor: '[redacted]' } });
}

// Structured logs (pino). Personal data never reaches a log line: the pipeline logs ids and
// codes only, and these redaction paths are a second guard should a state object slip in.
import { pino, type Logger } from 'pino';

export type { Logger };

const PERSONAL_DATA = [
  '*.targetOrgOwnerEmail', '*.*.targetOrgOwnerEmail', '*.consentData', '*.*.consentData', '*.data', '*.*.data',
];

// ioredis attaches the refused command to its error: for AUTH, the password that was tried.
const SECRETS = ['err.command.args', 'err.cause.command.args', '*.err.command.args'];

export function createLogger(level: string, name = 'consent-worker'): Logger {
  return pino({ name, level, redact: { paths: [...PERSONAL_DATA, ...SECRETS], censor: '[redacted]' } });
}

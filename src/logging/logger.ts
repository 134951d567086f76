// Structured logs (pino). Personal data never reaches a log line: the pipeline logs ids and
// codes only, and these redaction paths are a second guard should a state object slip in.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const PERSONAL_DATA = [
  '*.targetOrgOwnerEmail', '*.*.targetOrgOwnerEmail', '*.consentData', '*.*.consentData', '*.data', '*.*.data',
];

// ioredis attaches the refused command to its error: for AUTH, the password that was tried. Its
// Cluster client wraps that error as the lastNodeError of a ClusterAllFailedError.
const SECRETS = ['err.command.args', 'err.cause.command.args', '*.err.command.args', 'err.lastNodeError.command.args'];

// The MongoDB driver attaches the documents it could not write to a bulk write error
// (writeErrors[i].err.op, result): a whole revision or result, with consentData, proof and an org
// owner's email. The error's message and code stay; the documents do not reach the log.
const WRITTEN_DOCUMENTS = [
  'err.writeErrors', 'err.result', 'err.op', 'err.insertedIds',
  'err.cause.writeErrors', 'err.cause.result', 'err.cause.op', '*.err.writeErrors', '*.err.result',
];

/** `destination` defaults to stdout; a test passes its own to read what would be written. */
export function createLogger(level: string, name = 'consent-worker', destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: [...PERSONAL_DATA, ...SECRETS, ...WRITTEN_DOCUMENTS], censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

// Process warnings (deprecations, experimental features, leaks) go to the log as JSON like every
// other line, instead of Node's plain-text printer on stderr. Only kafkajs's TimeoutNegativeWarning
// is dropped: kafkajs 2.2 passes negative timeouts on Node 23+, and Node clamps them to 1 ms,
// which is what kafkajs meant.
import type { Logger } from './logger.ts';

const IGNORED = new Set(['TimeoutNegativeWarning']);

export function routeProcessWarnings(logger: Logger): void {
  // Node's default printer is the one listener there is at this point; removing it first (and
  // not after adding ours, as before) keeps ours.
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    if (IGNORED.has(warning.name)) return;
    logger.warn({ warning: { name: warning.name, code: warning.code, message: warning.message, stack: warning.stack } }, 'process warning');
  });
}

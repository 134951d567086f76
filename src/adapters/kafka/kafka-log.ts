// Routes kafkajs's own log lines into pino, so the worker has one structured log.
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../../logging/logger.ts';

export function kafkaLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () => ({ level, log }) => {
    const { message, ...extra } = log;
    if (level === logLevel.ERROR) child.error(extra, message);
    else if (level === logLevel.WARN) child.warn(extra, message);
    else if (level === logLevel.INFO) child.info(extra, message);
    else child.debug(extra, message);
  };
}

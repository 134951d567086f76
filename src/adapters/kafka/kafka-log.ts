// Routes kafkajs's own log lines into pino, so the worker has one structured log.
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../../logging/logger.ts';

/** kafkajs's crash line when the broker refuses the session: expected on a stock broker, and the consumer falls back (session-timeout.ts). */
const REFUSED_SESSION = 'session timeout is not within the range allowed by the broker';

export function kafkaLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () => ({ level, log }) => {
    const { message, ...extra } = log;
    if (level === logLevel.ERROR && !message.includes(REFUSED_SESSION)) child.error(extra, message);
    else if (level === logLevel.WARN) child.warn(extra, message);
    else if (level === logLevel.INFO) child.info(extra, message);
    else child.debug(extra, message);
  };
}

// 413, a contract addition: a message the bus cannot carry is answered small instead of being
// retried forever. Sizes are measured by the pipeline (bytes are I/O facts); what they mean is
// decided here, like every other status code.
import { reject, type Rejection } from './status.ts';

/** A decodable command too large to answer with its state and events within the bus's limit. */
export function commandSizeRejection(commandBytes: number, maxCommandBytes: number): Rejection | null {
  if (commandBytes <= maxCommandBytes) return null;
  return reject('413', 'COMMAND_TOO_LARGE', `the command is ${commandBytes} bytes; at most ${maxCommandBytes} are accepted`);
}

/** The answer to a command whose full result would be larger than the bus's limit. */
export function resultTooLarge(resultBytes: number, limit: number): Rejection {
  return reject('413', 'RESULT_TOO_LARGE', `the result would be ${resultBytes} bytes, over the limit of ${limit}; it is replaced by this one`);
}

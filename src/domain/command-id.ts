// Idempotency by commandId: a redelivered command (same commandId, same content) is answered with
// the result it got the first time; a commandId reused for a different command is refused, since
// replaying the first command's result would tell its sender something about another command.
import { reject, type Rejection } from './status.ts';

/** Whether a command seen before under its commandId is the same command again. */
export type Redelivery = { readonly kind: 'replay' } | { readonly kind: 'refuse'; readonly rejection: Rejection };

/**
 * storedHash: the content hash stored with the first result (null for results stored before
 * hashes were kept: replayed, as before); hash: this command's.
 */
export function judgeRedelivery(commandId: string, storedHash: string | null, hash: string): Redelivery {
  if (storedHash === null || storedHash === hash) return { kind: 'replay' };
  return {
    kind: 'refuse',
    rejection: reject('409', 'COMMAND_ID_REUSED', `commandId ${commandId} was used before by a command with a different payload`),
  };
}

/**
 * A redelivered command the aggregate lists as applied, whose result is no longer kept (purged
 * after RESULT_RETENTION_MS, its outbox cleared): it is not applied again, and the sender still
 * gets one answer, saying so, instead of none.
 */
export function resultNoLongerKept(commandId: string): Rejection {
  return reject('409', 'COMMAND_ALREADY_APPLIED', `commandId ${commandId} was applied earlier; its result is no longer kept`);
}

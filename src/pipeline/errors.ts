// Failures that change what the worker does, each its own type, and whether a retry can help is
// a property of the error (`retryable`), never guessed from where it came from:
//  - a decode failure is a value (DecodeOutcome) and sends the message to the DLQ;
//  - a domain refusal is a value (Rejection) and becomes a result with its status code;
//  - InfrastructureError: a server is unreachable, timed out or said "try again": retryable; the
//    same message is retried (with backoff.ts), never skipped;
//  - any other error is not retryable: the command gets a 500 result (or the record is parked)
//    and the log has its requestId. A failing Lua script or a refused query is a bug, not an outage.

export class InfrastructureError extends Error {
  override readonly name = 'InfrastructureError';
  readonly retryable = true;
  readonly server: string;
  constructor(server: string, cause: unknown) {
    super(`${server}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.server = server;
  }
}

/** A stored document that does not have the shape its aggregate needs. */
export class CorruptAggregateError extends Error {
  override readonly name = 'CorruptAggregateError';
  readonly retryable = false;
}

/** Whether retrying the same work may succeed: only errors that say so are retried. */
export function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

export function isInfrastructureError(error: unknown): error is InfrastructureError {
  return error instanceof InfrastructureError;
}

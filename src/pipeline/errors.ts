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

/**
 * A record larger than the broker accepts (KAFKA_MAX_MESSAGE_BYTES, or the broker's own
 * MESSAGE_TOO_LARGE / RECORD_LIST_TOO_LARGE). Sending the same bytes again can never succeed, so
 * it is not an outage: the caller answers small (413) or bounds the copy, never retries it.
 */
export class OversizedRecordError extends Error {
  override readonly name = 'OversizedRecordError';
  readonly retryable = false;
  readonly topic: string;
  /** The record's size as we count it; null when the broker refused a batch without saying which. */
  readonly bytes: number | null;
  readonly limit: number;
  constructor(topic: string, bytes: number | null, limit: number, cause?: unknown) {
    super(`record for ${topic} is too large (${bytes ?? 'unknown'} bytes, limit ${limit})`, { cause });
    this.topic = topic;
    this.bytes = bytes;
    this.limit = limit;
  }
}

export function isOversizedRecordError(error: unknown): error is OversizedRecordError {
  return error instanceof OversizedRecordError;
}

/** Whether retrying the same work may succeed: only errors that say so are retried. */
export function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

export function isInfrastructureError(error: unknown): error is InfrastructureError {
  return error instanceof InfrastructureError;
}

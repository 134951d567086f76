// Failures that change what the worker does, each its own type:
//  - a decode failure is a value (DecodeOutcome) and sends the message to the DLQ;
//  - a domain refusal is a value (Rejection) and becomes a result with its status code;
//  - InfrastructureError: a server is unreachable or timed out; retry the same message, never skip it;
//  - anything else is unexpected: the command gets a 500 result and the log has its requestId.

export class InfrastructureError extends Error {
  override readonly name = 'InfrastructureError';
  readonly server: string;
  constructor(server: string, cause: unknown) {
    super(`${server}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.server = server;
  }
}

/** A stored document that does not have the shape its aggregate needs. */
export class CorruptAggregateError extends Error {
  override readonly name = 'CorruptAggregateError';
}

export function isInfrastructureError(error: unknown): error is InfrastructureError {
  return error instanceof InfrastructureError;
}

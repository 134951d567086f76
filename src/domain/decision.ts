// What decide() returns: either a state change to write (with the events it owes), or a reply
// that changes nothing (a refusal, or a success such as 303 that needs no write).
import type { DomainEvent } from './event.ts';
import type { Rejection, StatusCode, SuccessCode } from './status.ts';

export interface Change<S, E = S> {
  readonly kind: 'change';
  readonly statusCode: SuccessCode;
  /** The aggregate after the command; its version is the stored version + 1. */
  readonly aggregate: S;
  /** What the result's `state` shows (the aggregate, or a view of it such as one permission). */
  readonly view: unknown;
  readonly events: readonly DomainEvent<E>[];
  /**
   * The change's immutable record in its aggregate's history, for families that keep one (the
   * consent ledger). The pipeline stores it with the events, through the same outbox.
   */
  readonly revision?: Revision;
}

/** A history record as the pipeline sees it: an id that makes storing it twice a no-op; the rest is opaque. */
export interface Revision {
  readonly revisionId: string;
}

export interface Reply {
  readonly kind: 'reply';
  readonly statusCode: StatusCode;
  readonly view: unknown | null;
  readonly rejection?: Rejection;
}

export type Decision<S, E = S> = Change<S, E> | Reply;

export function refuse(rejection: Rejection, view: unknown | null = null): Reply {
  return { kind: 'reply', statusCode: rejection.statusCode, view, rejection };
}

export function answer(statusCode: SuccessCode, view: unknown | null): Reply {
  return { kind: 'reply', statusCode, view };
}

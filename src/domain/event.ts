// A change event as the contract defines it. eventId is derived from the aggregate and the
// version the change produced, so the same change always carries the same id and a consumer
// can drop a redelivered copy.

export interface DomainEvent<S> {
  readonly eventId: string;
  readonly eventType: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly causationId: string;
  readonly state: S;
  /** The hash of the revision this change recorded (consent events; absent where a family keeps no ledger). */
  readonly revisionHash?: string | null;
  /** The proof of consent given with the command (consent events), else null. */
  readonly proof?: unknown;
}

export function eventIdFor(aggregateId: string, version: number, eventType: string): string {
  return `${aggregateId}:${version}:${eventType}`;
}

export function makeEvent<S>(
  eventType: string,
  aggregateId: string,
  version: number,
  now: Date,
  causationId: string,
  state: S,
): DomainEvent<S> {
  return {
    eventId: eventIdFor(aggregateId, version, eventType),
    eventType,
    aggregateId,
    version,
    occurredAt: now.toISOString(),
    causationId,
    state,
  };
}

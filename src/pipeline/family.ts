// What a command family (consents, permissions) plugs into the one shared pipeline: the pure
// domain functions, plus the few lookups its decisions need. The pipeline does the rest
// (lock, load, version check, outbox, publish, results, DLQ) identically for every family.
import type { Decision } from '../domain/decision.ts';
import type { CommandEnvelope } from '../domain/envelope.ts';
import type { Rejection } from '../domain/status.ts';
import type { CommandDecoder, RecordEncoder } from './ports.ts';

/** The document a command changes: one aggregate, one MongoDB document, one lock. */
export interface Target {
  readonly collection: string;
  readonly id: string;
}

/** A state in the union of a topic's `state` field, named by its Avro record. */
export interface TaggedState {
  readonly type: string;
  readonly value: unknown;
  /**
   * The record field that carries it, when not `state`: a kind of state added to a topic after its
   * first release travels in an optional field of its own (state null), because a second record
   * in the `state` union would change how every existing consumer decodes the consent's state.
   */
  readonly field?: string;
}

export interface DomainCommand {
  readonly type: string;
  readonly commandId: string;
}

/** Every aggregate has a version; the conditional write compares it. */
export interface Versioned {
  readonly version: number;
}

/** A state change the pipeline wrote: what the family's after-write step sees. */
export interface WrittenChange<C, S> {
  readonly command: C;
  readonly state: S;
  readonly previous: S | null;
}

export interface CommandFamily<C extends DomainCommand, S extends Versioned, X, P = undefined> {
  readonly name: string;
  /**
   * Where the family keeps each change's revision (the Change's `revision`), or absent when it
   * keeps no history. Revisions go through the outbox with the events; there is no second flow.
   */
  readonly revisionCollection?: string;
  parse(envelope: CommandEnvelope, now: Date): C | Rejection;
  /** The aggregate the command addresses; null when it provably does not exist (unknown external key). */
  target(command: C): Promise<Target | null>;
  /** Checks a stored state's shape; throws CorruptAggregateError when it is not one. */
  revive(raw: unknown, target: Target): S;
  /**
   * Once per command, before the lock: work that must not be repeated when a lost version race
   * makes the pipeline load and decide again (counting the command against a rate, say).
   */
  prepare(command: C, now: Date): Promise<P>;
  /**
   * Read-only facts the decision needs besides the aggregate (reference data, rate counts). The
   * pipeline asks for a whole round's contexts at once, so lookups made together can share a query.
   */
  loadContext(command: C, stored: S | null, now: Date, prepared: P): Promise<X>;
  decide(command: C, stored: S | null, context: X, now: Date): Decision<S, unknown>;
  /** Top-level document fields for queries (e.g. the expiry index). */
  indexFields(state: S): Record<string, unknown>;
  eventState(state: unknown): TaggedState;
  resultState(view: unknown, command: C | null): TaggedState | null;
  /**
   * Side effects of a round's writes that MongoDB can always rebuild (e.g. the expiry schedule),
   * after their publish, all at once: the pipeline sends them with its own Redis writes.
   */
  afterWrites(changes: readonly WrittenChange<C, S>[]): Promise<void>;
}

/** A family wired to its topics and codecs. */
export interface FamilyRuntime<C extends DomainCommand, S extends Versioned, X, P = undefined> {
  readonly family: CommandFamily<C, S, X, P>;
  readonly commandsTopic: string;
  readonly resultsTopic: string;
  readonly eventsTopic: string;
  /**
   * Events whose state is of another type than the events topic carries, by that type
   * (TaggedState.type): published to a topic of their own with its own schema, so consumers of
   * the events topic keep decoding every message as they always did.
   */
  readonly otherEvents?: Readonly<Record<string, { readonly topic: string; readonly encoder: RecordEncoder }>>;
  readonly decoder: CommandDecoder;
  readonly resultEncoder: RecordEncoder;
  readonly eventEncoder: RecordEncoder;
}

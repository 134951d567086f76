// A command as the codec hands it to the domain: the contract's envelope with the payload
// still untyped. Parsing it into a family's command type is the domain's job (and its 400s).
import { invalid, isRejection, type Rejection } from './status.ts';
import { identifier, isoTime } from './validation.ts';

export interface Actor {
  readonly userId: string;
  readonly orgId: string | null;
  readonly roles: readonly string[];
}

/** The actor as a producer writes it (schemas/types/Actor.avsc): orgId and roles may be left out. */
export interface ActorPayload {
  readonly userId: string;
  readonly orgId?: string | null;
  readonly roles?: readonly string[];
}

/**
 * A payload's fields as its record type names them, each still unchecked: a parser reads the
 * payload through this, so it can read no field the payload type (the payloads.ts of its family) lacks.
 */
export type Unchecked<T> = { readonly [K in keyof T]-?: unknown };

export interface CommandEnvelope {
  readonly commandId: string;
  readonly commandType: string;
  readonly issuedAt: string;
  readonly actor: Actor | null;
  readonly correlationId: string | null;
  /** Which record the payload union carried; must agree with commandType. */
  readonly payloadType: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** The envelope rules every family shares: a valid idempotency key and an issuedAt with offset. */
export function envelopeRejection(envelope: CommandEnvelope): Rejection | null {
  const commandId = identifier('commandId', envelope.commandId);
  if (isRejection(commandId)) return commandId;
  // Any instant is accepted (a producer's clock is its own); only the form is the contract's.
  const issuedAt = isoTime('issuedAt', envelope.issuedAt);
  if (isRejection(issuedAt)) return issuedAt;
  return null;
}

/**
 * The payload checked as the record commandType names (`parsed`), given which record the union
 * actually carried. A payload of another record is refused, and the 400 names the field the
 * named command is missing when there is one: a producer that hands its serializer a plain dict
 * (fastavro, the Confluent serializers) gets the union branch that best matches it, so an
 * UpdateConsent without consentVersion travels as a CreateConsent, and "consentVersion is
 * missing" is what that producer has to fix; naming commandType would point at the wrong line.
 */
export function payloadRecordRejection<C>(envelope: CommandEnvelope, parsed: C | Rejection): C | Rejection {
  if (envelope.payloadType === envelope.commandType) return parsed;
  const field = isRejection(parsed) ? parsed.field : undefined;
  if (field !== undefined && field !== 'commandType' && envelope.payload[field] == null) {
    return invalid(field, `is required by ${envelope.commandType} and missing: the payload arrived as a ${envelope.payloadType}`
      + ` (name the union branch ${envelope.commandType} when serializing)`);
  }
  return invalid('commandType', `is ${JSON.stringify(envelope.commandType)} but the payload is a ${envelope.payloadType}`);
}

/**
 * The one preamble of both families' parsers: the envelope's rules first, then the payload
 * checked as the record commandType names (`parsePayload`), refused as payloadRecordRejection
 * says when the union carried another record.
 */
export function parseEnvelope<C>(envelope: CommandEnvelope, now: Date, parsePayload: (envelope: CommandEnvelope, now: Date) => C | Rejection): C | Rejection {
  const refused = envelopeRejection(envelope);
  if (refused) return refused;
  return payloadRecordRejection(envelope, parsePayload(envelope, now));
}

// A command as the codec hands it to the domain: the contract's envelope with the payload
// still untyped. Parsing it into a family's command type is the domain's job (and its 400s).
import { invalid, isRejection, type Rejection } from './status.ts';
import { identifier, isoTime } from './validation.ts';

export interface Actor {
  readonly userId: string;
  readonly orgId: string | null;
  readonly roles: readonly string[];
}

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

/** The envelope rules every family shares: a valid idempotency key, an issuedAt with offset, a consistent type. */
export function envelopeRejection(envelope: CommandEnvelope): Rejection | null {
  const commandId = identifier('commandId', envelope.commandId);
  if (isRejection(commandId)) return commandId;
  // Any instant is accepted (a producer's clock is its own); only the form is the contract's.
  const issuedAt = isoTime('issuedAt', envelope.issuedAt);
  if (isRejection(issuedAt)) return issuedAt;
  if (envelope.payloadType !== envelope.commandType) {
    return invalid('commandType', `is ${JSON.stringify(envelope.commandType)} but the payload is a ${envelope.payloadType}`);
  }
  return null;
}

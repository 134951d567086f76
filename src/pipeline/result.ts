// The CommandResult of the contract, built from a decision (or a refusal before one).
import type { Decision } from '../domain/decision.ts';
import type { CommandEnvelope } from '../domain/envelope.ts';
import type { DomainCommand, FamilyRuntime, TaggedState, Versioned } from './family.ts';

export interface ResultBody {
  readonly commandId: string;
  readonly correlationId: string | null;
  readonly commandType: string;
  readonly statusCode: string;
  readonly errorCode: string | null;
  readonly message: string | null;
  readonly field: string | null;
  readonly requestId: string;
  readonly processedAt: string;
  readonly state: TaggedState | null;
}

export interface ResultHeader {
  readonly envelope: CommandEnvelope;
  readonly requestId: string;
}

export function resultOf<C extends DomainCommand, S extends Versioned, X, P>(
  runtime: FamilyRuntime<C, S, X, P>,
  header: ResultHeader,
  command: C | null,
  decision: Decision<S, unknown>,
  now: Date,
): ResultBody {
  const rejection = decision.kind === 'reply' ? decision.rejection : undefined;
  return {
    commandId: header.envelope.commandId,
    correlationId: header.envelope.correlationId,
    commandType: header.envelope.commandType,
    statusCode: decision.statusCode,
    errorCode: rejection?.errorCode ?? null,
    message: rejection?.message ?? null,
    field: rejection?.field ?? null,
    requestId: header.requestId,
    processedAt: now.toISOString(),
    state: decision.view == null ? null : runtime.family.resultState(decision.view, command),
  };
}

export function unexpectedResult(header: ResultHeader, now: Date): ResultBody {
  return {
    commandId: header.envelope.commandId,
    correlationId: header.envelope.correlationId,
    commandType: header.envelope.commandType,
    statusCode: '500',
    errorCode: 'INTERNAL_ERROR',
    message: `unexpected failure; quote requestId ${header.requestId}`,
    field: null,
    requestId: header.requestId,
    processedAt: now.toISOString(),
    state: null,
  };
}

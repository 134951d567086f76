// The CommandResult a producer gets back, typed per command type from schemas/types. The Avro
// `state` union is unwrapped: `state` is the record itself and `stateType` names which one.
import type { Consent } from '../domain/consent/consent.ts';
import type { ServicePolicy } from '../domain/policy/service-policy.ts';
import type { PermissionState } from '../domain/permission/view.ts';
import type { CommandType, ConsentCommandType } from './commands.ts';

/** The consent as stored and published: the domain's own type (schemas/types/ConsentState.avsc). */
export type ConsentState = Consent;

export interface EntityState {
  readonly entityId: string;
  readonly version: number;
  readonly externalKeys: readonly { readonly extKey: string; readonly extType: string }[];
  readonly contractId: string | null;
}

export interface ReferenceState {
  readonly kind: 'PERMISSION' | 'SOURCE' | 'CONTRACT';
  readonly id: string;
  readonly version: number;
  readonly name: string | null;
  readonly active: boolean | null;
  readonly allowedPermissionIds: readonly string[];
  readonly allowedSourceIds: readonly string[];
}

/** A permission as stored and published: the domain's own type (schemas/types/PermissionState.avsc). */
export type { PermissionState } from '../domain/permission/view.ts';

export interface States {
  ConsentState: ConsentState;
  EntityState: EntityState;
  ReferenceState: ReferenceState;
  PermissionState: PermissionState;
}
export type StateType = keyof States;

/** Which state each command's result carries (when it carries one). */
export type StateTypeOf<T extends CommandType> =
  T extends ConsentCommandType ? 'ConsentState'
    : T extends 'RegisterEntity' ? 'EntityState'
      : T extends 'AcceptPermission' | 'WithdrawPermission' ? 'PermissionState'
        : 'ReferenceState';

export interface CommandResult<T extends CommandType = CommandType> {
  readonly commandId: string;
  readonly correlationId: string | null;
  readonly commandType: T;
  /** The contract's code: '200', '201', '303', '400', '400.2', '404.1', '409', '412.4', '429', '500', … */
  readonly statusCode: string;
  readonly errorCode: string | null;
  readonly message: string | null;
  /** The payload field at fault, for 400s. */
  readonly field: string | null;
  /** Also on every worker log line about this command. */
  readonly requestId: string;
  readonly processedAt: string;
  readonly stateType: StateTypeOf<T> | null;
  /** The aggregate after the command (a 409 carries the current one), when there is one. */
  readonly state: States[StateTypeOf<T>] | null;
  /** SetServicePolicy's result: the service's policy (its `state` is null). */
  readonly servicePolicy?: ServicePolicy | null;
}

const NAMESPACE = 'consentworker.v1.';

/**
 * Turns a decoded Avro result into a CommandResult. A union of null and one record decodes as the
 * record itself (consent results); a union of several records as `{ '<full name>': record }`.
 */
export function toCommandResult(decoded: Record<string, unknown>, stateTypeIfBare: StateType): CommandResult {
  const raw = decoded['state'] as Record<string, unknown> | null | undefined;
  let stateType: StateType | null = null;
  let state: unknown = null;
  if (raw) {
    const names = Object.keys(raw);
    if (names.length === 1 && names[0]!.startsWith(NAMESPACE)) {
      stateType = names[0]!.slice(NAMESPACE.length) as StateType;
      state = raw[names[0]!];
    } else {
      stateType = stateTypeIfBare;
      state = raw;
    }
  }
  return { ...(decoded as unknown as CommandResult), stateType, state } as CommandResult;
}

// The commands a producer sends, which topic each goes to, and the Kafka key the contract asks
// for. The payload types are the domain's (domain/*/payloads.ts, the fields its parser reads),
// so the client never keeps a copy. Optional fields may be left out: the Avro defaults (null,
// []) fill them in when the command is encoded.
import type { ConsentPayloads } from '../domain/consent/payloads.ts';
import type { ActorPayload } from '../domain/envelope.ts';
import type { EntityRefPayload, PermissionPayloads } from '../domain/permission/payloads.ts';

export type { ExternalKey } from '../domain/permission/entity.ts';
export type { EntityRefPayload as EntityRef } from '../domain/permission/payloads.ts';
export type {
  CreateConsentPayload as CreateConsent, UpdateConsentPayload as UpdateConsent,
  RequestOrgConsentPayload as RequestOrgConsent, DecideOrgConsentPayload as DecideOrgConsent, ConsentProofPayload as ConsentProof,
} from '../domain/consent/payloads.ts';
export type {
  RegisterEntityPayload as RegisterEntity, DefinePermissionPayload as DefinePermission, RegisterSourcePayload as RegisterSource,
  DefineContractPayload as DefineContract, AcceptPermissionPayload as AcceptPermission, WithdrawPermissionPayload as WithdrawPermission,
} from '../domain/permission/payloads.ts';
export type { ConsentPayloads, PermissionPayloads };

export type Payloads = ConsentPayloads & PermissionPayloads;
export type ConsentCommandType = keyof ConsentPayloads;
export type PermissionCommandType = keyof PermissionPayloads;
export type CommandType = keyof Payloads;

export type { ActorPayload as Actor } from '../domain/envelope.ts';

/** One command as a producer writes it; `commandType` selects the payload's type. */
export type Command = {
  [T in CommandType]: {
    readonly commandType: T;
    readonly payload: Payloads[T];
    /** Who sends it; required for DecideOrgConsent (401 without). */
    readonly actor?: ActorPayload | null;
    readonly correlationId?: string | null;
    /** The idempotency key; a random one when absent. Re-send with the same id to retry safely. */
    readonly commandId?: string;
  }
}[CommandType];

export type CommandOf<T extends CommandType> = Extract<Command, { commandType: T }>;

export type Family = 'consent' | 'permission';

const CONSENT_TYPES: ReadonlySet<string> = new Set<ConsentCommandType>(['CreateConsent', 'UpdateConsent', 'RequestOrgConsent', 'DecideOrgConsent', 'SetServicePolicy']);
const PERMISSION_TYPES: ReadonlySet<string> = new Set<PermissionCommandType>([
  'RegisterEntity', 'DefinePermission', 'RegisterSource', 'DefineContract', 'AcceptPermission', 'WithdrawPermission',
]);

export function familyOf(commandType: string): Family {
  if (CONSENT_TYPES.has(commandType)) return 'consent';
  if (PERMISSION_TYPES.has(commandType)) return 'permission';
  throw new TypeError(`unknown commandType ${JSON.stringify(commandType)}`);
}

const entityKey = (ref: EntityRefPayload): string => ref.entityId ?? `${ref.extType}:${ref.extKey}`;

/**
 * The Kafka key: consentId (the commandId when the consent has none yet, which is also the
 * consentId the worker derives), the entity key for entity commands, the reference's own id for
 * reference data. Commands on one aggregate share a key, so they stay in order.
 */
export function keyOf(command: Command, commandId: string): string {
  switch (command.commandType) {
    case 'CreateConsent':
    case 'RequestOrgConsent':
      return command.payload.consentId ?? commandId;
    case 'UpdateConsent':
    case 'DecideOrgConsent':
      return command.payload.consentId;
    case 'SetServicePolicy':
      return command.payload.serviceId;
    case 'RegisterEntity':
      return command.payload.entityId;
    case 'DefinePermission':
      return command.payload.permissionId;
    case 'RegisterSource':
      return command.payload.sourceId;
    case 'DefineContract':
      return command.payload.contractId;
    case 'AcceptPermission':
    case 'WithdrawPermission':
      return entityKey(command.payload.entity);
  }
}

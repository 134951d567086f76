// The commands a producer sends, typed from schemas/types (one payload type per command type),
// which topic each goes to, and the Kafka key the contract asks for. Optional fields may be
// left out: the Avro defaults (null, []) fill them in when the command is encoded.

export interface ExternalKey {
  readonly extKey: string;
  readonly extType: string;
}

/** An entity by its id, or by one of its external keys. */
export type EntityRef =
  | { readonly entityId: string; readonly extKey?: null; readonly extType?: null }
  | { readonly entityId?: null; readonly extKey: string; readonly extType: string };

/** Proof of consent (schemas/types/ConsentProof.avsc; docs/ledger.md). */
export interface ConsentProof {
  readonly noticeId: string;
  readonly noticeVersion: string;
  /** SHA-256 of the exact text shown, 64 lower-case hex characters. */
  readonly textSha256: string;
  readonly method: 'WEB_FORM' | 'MOBILE_APP' | 'API' | 'PAPER' | 'VERBAL' | 'OTHER';
  /** BCP 47 language tag. */
  readonly locale: string;
  /** ISO 8601 with offset. */
  readonly collectedAt: string;
  readonly artifactUri?: string | null;
}

export interface CreateConsent {
  /** Derived from the commandId when absent. */
  readonly consentId?: string | null;
  readonly serviceId: string;
  readonly userId: string;
  readonly status: 'ACTIVE' | 'REVOKED';
  readonly consentType?: string | null;
  readonly consentData?: Readonly<Record<string, string>> | null;
  /** ISO 8601 with offset, in the future. */
  readonly expiryTime?: string | null;
  readonly proof?: ConsentProof | null;
}

export interface UpdateConsent {
  readonly consentId: string;
  readonly serviceId: string;
  readonly userId: string;
  /** The version this update creates: applied only if the stored version is consentVersion − 1. */
  readonly consentVersion: number;
  readonly status?: 'ACTIVE' | 'REVOKED' | null;
  readonly consentType?: string | null;
  readonly consentData?: Readonly<Record<string, string>> | null;
  readonly expiryTime?: string | null;
  readonly proof?: ConsentProof | null;
}

export interface RequestOrgConsent {
  readonly consentId?: string | null;
  readonly sourceUserId: string;
  readonly targetOrgId: string;
  readonly targetOrgOwnerEmail: string;
}

export interface DecideOrgConsent {
  readonly orgId: string;
  readonly consentId: string;
  readonly action: 'APPROVE' | 'REJECT';
  readonly expiry?: string | null;
  readonly proof?: ConsentProof | null;
}

/** A service's consent policy (docs/policy-and-reminders.md); the actor needs the service_admin role. */
export interface SetServicePolicy {
  readonly serviceId: string;
  /** Lifetime of a consent created ACTIVE without expiryTime, in days; or defaultLifetime, not both. */
  readonly defaultExpiryDays?: number | null;
  /** ISO 8601 duration (P90D, PT12H; no years or months) or milliseconds as digits. */
  readonly defaultLifetime?: string | null;
  /** How long before expiry ConsentExpiringSoon is published (same forms); absent: no reminders. */
  readonly reminderLeadTime?: string | null;
}

export interface RegisterEntity {
  readonly entityId: string;
  readonly externalKeys?: readonly ExternalKey[];
  readonly contractId?: string | null;
}

export interface DefinePermission {
  readonly permissionId: string;
  readonly name: string;
  readonly active: boolean;
}

export interface RegisterSource {
  readonly sourceId: string;
  readonly name: string;
  readonly active: boolean;
}

export interface DefineContract {
  readonly contractId: string;
  readonly allowedPermissionIds?: readonly string[];
  readonly allowedSourceIds?: readonly string[];
}

export interface AcceptPermission {
  readonly entity: EntityRef;
  readonly permissionId: string;
  readonly sourceId: string;
  /** Must name a permission the entity has accepted and not withdrawn (412.4 otherwise). */
  readonly termsId?: string | null;
  readonly data?: Readonly<Record<string, string>> | null;
}

export interface WithdrawPermission {
  readonly entity: EntityRef;
  readonly permissionId: string;
  readonly sourceId: string;
  readonly reason?: string | null;
}

export interface ConsentPayloads {
  CreateConsent: CreateConsent;
  UpdateConsent: UpdateConsent;
  RequestOrgConsent: RequestOrgConsent;
  DecideOrgConsent: DecideOrgConsent;
  SetServicePolicy: SetServicePolicy;
}

export interface PermissionPayloads {
  RegisterEntity: RegisterEntity;
  DefinePermission: DefinePermission;
  RegisterSource: RegisterSource;
  DefineContract: DefineContract;
  AcceptPermission: AcceptPermission;
  WithdrawPermission: WithdrawPermission;
}

export type Payloads = ConsentPayloads & PermissionPayloads;
export type ConsentCommandType = keyof ConsentPayloads;
export type PermissionCommandType = keyof PermissionPayloads;
export type CommandType = keyof Payloads;

export interface Actor {
  readonly userId: string;
  readonly orgId?: string | null;
  readonly roles?: readonly string[];
}

/** One command as a producer writes it; `commandType` selects the payload's type. */
export type Command = {
  [T in CommandType]: {
    readonly commandType: T;
    readonly payload: Payloads[T];
    /** Who sends it; required for DecideOrgConsent and SetServicePolicy (401 without). */
    readonly actor?: Actor | null;
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

const entityKey = (ref: EntityRef): string => ref.entityId ?? `${ref.extType}:${ref.extKey}`;

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

// The permission commands' payloads as a producer writes them: the wire form of schemas/types
// (optional fields left out for their Avro defaults). The one source of these types: the parser
// (commands.ts) reads exactly these fields, and the producer client (src/client) exports them as
// its command types.
import type { ExternalKey } from './entity.ts';

/** An entity by its id, or by one of its external keys. */
export type EntityRefPayload =
  | { readonly entityId: string; readonly extKey?: null; readonly extType?: null }
  | { readonly entityId?: null; readonly extKey: string; readonly extType: string };

export interface RegisterEntityPayload {
  readonly entityId: string;
  readonly externalKeys?: readonly ExternalKey[];
  readonly contractId?: string | null;
}

export interface DefinePermissionPayload {
  readonly permissionId: string;
  readonly name: string;
  readonly active: boolean;
}

export interface RegisterSourcePayload {
  readonly sourceId: string;
  readonly name: string;
  readonly active: boolean;
}

export interface DefineContractPayload {
  readonly contractId: string;
  readonly allowedPermissionIds?: readonly string[];
  readonly allowedSourceIds?: readonly string[];
}

export interface AcceptPermissionPayload {
  readonly entity: EntityRefPayload;
  readonly permissionId: string;
  readonly sourceId: string;
  /** Must name a permission the entity has accepted and not withdrawn (412.4 otherwise). */
  readonly termsId?: string | null;
  readonly data?: Readonly<Record<string, string>> | null;
}

export interface WithdrawPermissionPayload {
  readonly entity: EntityRefPayload;
  readonly permissionId: string;
  readonly sourceId: string;
  readonly reason?: string | null;
}

/** Each permission command's payload, by commandType. */
export interface PermissionPayloads {
  RegisterEntity: RegisterEntityPayload;
  DefinePermission: DefinePermissionPayload;
  RegisterSource: RegisterSourcePayload;
  DefineContract: DefineContractPayload;
  AcceptPermission: AcceptPermissionPayload;
  WithdrawPermission: WithdrawPermissionPayload;
}

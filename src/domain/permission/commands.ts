// Permission and reference-data commands after parsing: every field checked.
// parsePermissionCommand is where each 400 of the permission family is decided, naming the field at fault.
import { parseEnvelope, type Unchecked, type CommandEnvelope } from '../envelope.ts';
import { invalid, isRejection, reject, type Rejection } from '../status.ts';
import { dataPairs, firstRejection, identifier, optionalIdentifier, optionalString, type Checked } from '../validation.ts';
import type { PermissionPayloads } from './payloads.ts';
import type { ExternalKey } from './entity.ts';

/** How a command addresses an entity: by its id, or by one of its external keys. */
export type EntityRef = { readonly entityId: string } | { readonly extKey: string; readonly extType: string };

export interface RegisterEntity {
  readonly type: 'RegisterEntity';
  readonly commandId: string;
  readonly entityId: string;
  readonly externalKeys: readonly ExternalKey[];
  /** Absent means no contract yet: the entity can accept nothing until one is set. */
  readonly contractId: string | null;
}

export interface DefinePermission {
  readonly type: 'DefinePermission';
  readonly commandId: string;
  readonly permissionId: string;
  readonly name: string;
  readonly active: boolean;
}

export interface RegisterSource {
  readonly type: 'RegisterSource';
  readonly commandId: string;
  readonly sourceId: string;
  readonly name: string;
  readonly active: boolean;
}

export interface DefineContract {
  readonly type: 'DefineContract';
  readonly commandId: string;
  readonly contractId: string;
  readonly allowedPermissionIds: readonly string[];
  readonly allowedSourceIds: readonly string[];
}

export interface AcceptPermission {
  readonly type: 'AcceptPermission';
  readonly commandId: string;
  readonly entity: EntityRef;
  readonly permissionId: string;
  readonly sourceId: string;
  /** A permissionId the entity must already hold (its accepted terms), or null. */
  readonly termsId: string | null;
  readonly data: Readonly<Record<string, string>>;
}

export interface WithdrawPermission {
  readonly type: 'WithdrawPermission';
  readonly commandId: string;
  readonly entity: EntityRef;
  readonly permissionId: string;
  readonly sourceId: string;
  readonly reason: string | null;
}

export type PermissionCommand =
  | RegisterEntity | DefinePermission | RegisterSource | DefineContract | AcceptPermission | WithdrawPermission;

export const PERMISSION_COMMAND_TYPES = [
  'RegisterEntity', 'DefinePermission', 'RegisterSource', 'DefineContract', 'AcceptPermission', 'WithdrawPermission',
] as const;

export const PERMISSION_LIMITS = {
  maxExternalKeys: 16,
  maxNameLength: 256,
  maxAllowedIds: 256, // per list of a contract
  maxReasonLength: 512,
} as const;

/** The contract's entity key: entityId, or extType:extKey (identifiers cannot contain ':', so it is unambiguous). */
export function entityKeyOf(ref: EntityRef): string {
  return 'entityId' in ref ? ref.entityId : `${ref.extType}:${ref.extKey}`;
}

export function parsePermissionCommand(envelope: CommandEnvelope, now: Date): PermissionCommand | Rejection {
  return parseEnvelope(envelope, now, parsePayloadAsPermissionType);
}

/** The payload checked field by field as the record commandType names (whichever record it is). */
function parsePayloadAsPermissionType(envelope: CommandEnvelope, _now: Date): PermissionCommand | Rejection {
  const { commandId } = envelope;
  const payload = <T extends keyof PermissionPayloads>(_type: T): Unchecked<PermissionPayloads[T]> => envelope.payload as Unchecked<PermissionPayloads[T]>;

  switch (envelope.commandType) {
    case 'RegisterEntity': {
      const p = payload('RegisterEntity');
      const c = {
        entityId: identifier('entityId', p['entityId']),
        externalKeys: externalKeys(p['externalKeys']),
        contractId: optionalIdentifier('contractId', p['contractId']),
      };
      return firstRejection(c) ?? ({ type: 'RegisterEntity', commandId, ...c } as RegisterEntity);
    }
    case 'DefinePermission': {
      const p = payload('DefinePermission');
      const c = {
        permissionId: identifier('permissionId', p['permissionId']),
        name: name(p['name']),
        active: flag('active', p['active']),
      };
      return firstRejection(c) ?? ({ type: 'DefinePermission', commandId, ...c } as DefinePermission);
    }
    case 'RegisterSource': {
      const p = payload('RegisterSource');
      const c = {
        sourceId: identifier('sourceId', p['sourceId']),
        name: name(p['name']),
        active: flag('active', p['active']),
      };
      return firstRejection(c) ?? ({ type: 'RegisterSource', commandId, ...c } as RegisterSource);
    }
    case 'DefineContract': {
      const p = payload('DefineContract');
      const c = {
        contractId: identifier('contractId', p['contractId']),
        allowedPermissionIds: identifierList('allowedPermissionIds', p['allowedPermissionIds']),
        allowedSourceIds: identifierList('allowedSourceIds', p['allowedSourceIds']),
      };
      return firstRejection(c) ?? ({ type: 'DefineContract', commandId, ...c } as DefineContract);
    }
    case 'AcceptPermission': {
      const p = payload('AcceptPermission');
      const c = {
        entity: entityRef(p['entity']),
        permissionId: identifier('permissionId', p['permissionId']),
        sourceId: identifier('sourceId', p['sourceId']),
        termsId: optionalIdentifier('termsId', p['termsId']),
        data: dataPairs('data', p['data']),
      };
      return firstRejection(c) ?? ({ type: 'AcceptPermission', commandId, ...c } as AcceptPermission);
    }
    case 'WithdrawPermission': {
      const p = payload('WithdrawPermission');
      const c = {
        entity: entityRef(p['entity']),
        permissionId: identifier('permissionId', p['permissionId']),
        sourceId: identifier('sourceId', p['sourceId']),
        reason: optionalString('reason', p['reason'], PERMISSION_LIMITS.maxReasonLength),
      };
      return firstRejection(c) ?? ({ type: 'WithdrawPermission', commandId, ...c } as WithdrawPermission);
    }
    default:
      return invalid('commandType', `unknown permission command ${JSON.stringify(envelope.commandType)}`);
  }
}

const present = (value: unknown): boolean => value !== null && value !== undefined;

/** Either {entityId} or {extKey, extType}, never a mix: every fault is reported on `entity`. */
function entityRef(value: unknown): Checked<EntityRef> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('entity', 'must be {entityId} or {extKey, extType}');
  }
  const v = value as Record<string, unknown>;
  const onEntity = (r: Rejection): Rejection => reject(r.statusCode, r.errorCode, r.message, 'entity');
  if (present(v['entityId']) && !present(v['extKey']) && !present(v['extType'])) {
    const entityId = identifier('entity.entityId', v['entityId']);
    return isRejection(entityId) ? onEntity(entityId) : { entityId };
  }
  if (!present(v['entityId']) && present(v['extKey']) && present(v['extType'])) {
    const extKey = identifier('entity.extKey', v['extKey']);
    if (isRejection(extKey)) return onEntity(extKey);
    const extType = identifier('entity.extType', v['extType']);
    return isRejection(extType) ? onEntity(extType) : { extKey, extType };
  }
  return invalid('entity', 'must be {entityId} or {extKey, extType}');
}

function externalKeys(value: unknown): Checked<readonly ExternalKey[]> {
  const field = 'externalKeys';
  if (!Array.isArray(value)) return invalid(field, 'must be a list of {extKey, extType}');
  if (value.length > PERMISSION_LIMITS.maxExternalKeys) return invalid(field, `at most ${PERMISSION_LIMITS.maxExternalKeys} keys`);
  const keys: ExternalKey[] = [];
  const seen = new Set<string>();
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'object' || item === null) return invalid(field, `[${i}] must be {extKey, extType}`);
    const extKey = identifier(`${field}[${i}].extKey`, (item as Record<string, unknown>)['extKey']);
    if (isRejection(extKey)) return reject(extKey.statusCode, extKey.errorCode, extKey.message, field);
    const extType = identifier(`${field}[${i}].extType`, (item as Record<string, unknown>)['extType']);
    if (isRejection(extType)) return reject(extType.statusCode, extType.errorCode, extType.message, field);
    const key = entityKeyOf({ extKey, extType });
    if (seen.has(key)) return invalid(field, `${key} appears twice`);
    seen.add(key);
    keys.push({ extKey, extType });
  }
  return keys;
}

function identifierList(field: string, value: unknown): Checked<readonly string[]> {
  if (!Array.isArray(value)) return invalid(field, 'must be a list of identifiers');
  if (value.length > PERMISSION_LIMITS.maxAllowedIds) return invalid(field, `at most ${PERMISSION_LIMITS.maxAllowedIds} ids`);
  for (const [i, item] of value.entries()) {
    const id = identifier(`${field}[${i}]`, item);
    if (isRejection(id)) return reject(id.statusCode, id.errorCode, id.message, field);
  }
  // A duplicate is harmless to the rules but is almost surely the producer's mistake; say so.
  if (new Set(value).size !== value.length) return invalid(field, 'ids must not repeat');
  return value as string[];
}

function name(value: unknown): Checked<string> {
  const max = PERMISSION_LIMITS.maxNameLength;
  return typeof value === 'string' && value.length >= 1 && value.length <= max
    ? value : invalid('name', `must be a string of 1–${max} characters`);
}

function flag(field: string, value: unknown): Checked<boolean> {
  return typeof value === 'boolean' ? value : invalid(field, 'must be true or false');
}

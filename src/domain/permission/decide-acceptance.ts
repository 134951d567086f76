// AcceptPermission and WithdrawPermission. The checks run in the order the codes are listed here,
// and the first that fails is the answer, so a command with several faults always gets the same code.
import { answer, refuse, type Change, type Decision, type Reply } from '../decision.ts';
import { makeEvent } from '../event.ts';
import { reject } from '../status.ts';
import { entityKeyOf, type AcceptPermission, type EntityRef, type WithdrawPermission } from './commands.ts';
import type { PermissionAggregate, RulesContext } from './context.ts';
import { findRecord, HISTORY_LIMIT, holdsActive, withRecord, type Entity, type PermissionRecord } from './entity.ts';
import type { Contract, PermissionDef, Source } from './reference.ts';
import { stateOfRecord, type PermissionState } from './view.ts';

type AcceptanceDecision = Decision<PermissionAggregate, PermissionState>;

/** 404.1/.2 → 404.5 → 404.6 → 400.2 → 400.3 → 412.2 → 412.3 → 412.4 → 303 → 201. */
export function accept(c: AcceptPermission, stored: Entity | null, context: RulesContext, now: Date): AcceptanceDecision {
  const entity = resolve(c.entity, stored);
  if (entity === null) return entityNotFound(c.entity);
  const found = lookUp(c, entity, context);
  if (!found.permission) return permissionNotFound(c.permissionId);
  if (!found.source) return sourceNotFound(c.sourceId);
  if (!found.permission.active) return refuse(reject('400.2', 'PERMISSION_NOT_ACTIVE', `permission ${c.permissionId} is not active`));
  if (!found.source.active) return refuse(reject('400.3', 'SOURCE_NOT_ACTIVE', `source ${c.sourceId} is not active`));
  // No contract allows nothing: an entity must be placed under a contract before it accepts anything.
  if (!found.contract?.allowedPermissionIds.includes(c.permissionId)) {
    return refuse(reject('412.2', 'PERMISSION_NOT_ALLOWED', `the entity's contract does not allow permission ${c.permissionId}`));
  }
  if (!found.contract.allowedSourceIds.includes(c.sourceId)) {
    return refuse(reject('412.3', 'SOURCE_NOT_ALLOWED', `the entity's contract does not allow source ${c.sourceId}`));
  }
  // Our code for the contract's "termsId must name a terms acceptance the entity already has":
  // terms are themselves a permission, accepted and not withdrawn.
  if (c.termsId !== null && !holdsActive(entity, c.termsId)) {
    return refuse(reject('412.4', 'TERMS_NOT_ACCEPTED', `the entity has no active acceptance of terms ${c.termsId}`));
  }
  const previous = findRecord(entity, c.permissionId);
  if (previous !== null && previous.isActive && !previous.isWithdrawn) {
    return answer('303', stateOfRecord(entity.entityId, previous));
  }
  const at = now.toISOString();
  const record: PermissionRecord = {
    permissionId: c.permissionId,
    isActive: true,
    isWithdrawn: false,
    acceptance: { timestamp: at, sourceId: c.sourceId, termsId: c.termsId, data: c.data },
    withdrawal: null,
    // A new acceptance after a withdrawal: the finished cycle moves into history, the oldest drops out.
    history: previous === null
      ? []
      : [...previous.history, { acceptance: previous.acceptance, withdrawal: previous.withdrawal }].slice(-HISTORY_LIMIT),
  };
  return recorded('201', 'PermissionAccepted', entity, record, c.commandId, now);
}

/** 404.1/.2 → 404.5 → 404.6 → 409 → 200. Withdrawing needs no active definition or contract. */
export function withdraw(c: WithdrawPermission, stored: Entity | null, context: RulesContext, now: Date): AcceptanceDecision {
  const entity = resolve(c.entity, stored);
  if (entity === null) return entityNotFound(c.entity);
  const found = lookUp(c, entity, context);
  if (!found.permission) return permissionNotFound(c.permissionId);
  if (!found.source) return sourceNotFound(c.sourceId);
  const previous = findRecord(entity, c.permissionId);
  if (previous === null) {
    return refuse(reject('409', 'NOT_ACCEPTED', `the entity has not accepted permission ${c.permissionId}`));
  }
  if (previous.isWithdrawn) {
    return refuse(reject('409', 'ALREADY_WITHDRAWN', `permission ${c.permissionId} is already withdrawn`),
      stateOfRecord(entity.entityId, previous));
  }
  const record: PermissionRecord = {
    ...previous,
    isActive: false,
    isWithdrawn: true,
    withdrawal: { timestamp: now.toISOString(), sourceId: c.sourceId, reason: c.reason },
  };
  return recorded('200', 'PermissionWithdrawn', entity, record, c.commandId, now);
}

function recorded(
  statusCode: '200' | '201',
  eventType: 'PermissionAccepted' | 'PermissionWithdrawn',
  entity: Entity,
  record: PermissionRecord,
  commandId: string,
  now: Date,
): Change<PermissionAggregate, PermissionState> {
  const next: Entity = { ...entity, version: entity.version + 1, permissions: withRecord(entity, record), updatedAt: now.toISOString() };
  const state = stateOfRecord(next.entityId, record);
  return {
    kind: 'change',
    statusCode,
    aggregate: next,
    view: state,
    events: [makeEvent(eventType, next.entityId, next.version, now, commandId, state)],
  };
}

/**
 * The stored entity, if it is the one the command addresses. The pipeline resolves an external
 * ref through its key index; checking again here keeps a stale index from touching another entity.
 */
function resolve(ref: EntityRef, stored: Entity | null): Entity | null {
  if (stored === null) return null;
  if ('entityId' in ref) return stored.entityId === ref.entityId ? stored : null;
  return stored.externalKeys.some((k) => k.extKey === ref.extKey && k.extType === ref.extType) ? stored : null;
}

/** The context's reference data, each only if it is the one the command and entity name. */
function lookUp(
  c: { readonly permissionId: string; readonly sourceId: string },
  entity: Entity,
  context: RulesContext,
): { permission: PermissionDef | null; source: Source | null; contract: Contract | null } {
  const { permission, source, contract } = context;
  return {
    permission: permission?.permissionId === c.permissionId ? permission : null,
    source: source?.sourceId === c.sourceId ? source : null,
    contract: entity.contractId !== null && contract?.contractId === entity.contractId ? contract : null,
  };
}

function entityNotFound(ref: EntityRef): Reply {
  return 'entityId' in ref
    ? refuse(reject('404.1', 'ENTITY_NOT_FOUND', `no entity ${ref.entityId}`))
    : refuse(reject('404.2', 'EXTERNAL_REF_NOT_FOUND', `no entity with external key ${entityKeyOf(ref)}`));
}

function permissionNotFound(permissionId: string): Reply {
  return refuse(reject('404.5', 'PERMISSION_NOT_FOUND', `no permission ${permissionId}`));
}

function sourceNotFound(sourceId: string): Reply {
  return refuse(reject('404.6', 'SOURCE_NOT_FOUND', `no source ${sourceId}`));
}

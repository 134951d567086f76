// The permission state of the contract: what a result's `state` and a permission event carry.
// It leaves out termsId, data and history, which stay in the entity document.
import { findRecord, type Entity, type PermissionRecord } from './entity.ts';

export interface PermissionState {
  readonly entityId: string;
  readonly permissionId: string;
  readonly isActive: boolean;
  readonly isWithdrawn: boolean;
  readonly acceptance: { readonly timestamp: string; readonly sourceId: string };
  readonly withdrawal: { readonly timestamp: string; readonly sourceId: string; readonly reason: string | null } | null;
}

/** The state of one permission of an entity, or null when the entity never accepted it. */
export function permissionStateOf(entity: Entity, permissionId: string): PermissionState | null {
  const record = findRecord(entity, permissionId);
  return record === null ? null : stateOfRecord(entity.entityId, record);
}

export function stateOfRecord(entityId: string, record: PermissionRecord): PermissionState {
  const { acceptance, withdrawal } = record;
  return {
    entityId,
    permissionId: record.permissionId,
    isActive: record.isActive,
    isWithdrawn: record.isWithdrawn,
    acceptance: { timestamp: acceptance.timestamp, sourceId: acceptance.sourceId },
    withdrawal: withdrawal === null
      ? null : { timestamp: withdrawal.timestamp, sourceId: withdrawal.sourceId, reason: withdrawal.reason },
  };
}

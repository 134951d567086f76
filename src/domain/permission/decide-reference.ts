// Upserts of entities and reference data: 201 when new, 200 when changed. They publish no events
// (the contract names none), so their Changes carry an empty list and the new aggregate as view.
import { answer, refuse, type Change, type Decision } from '../decision.ts';
import { reject } from '../status.ts';
import { entityKeyOf, type DefineContract, type DefinePermission, type RegisterEntity, type RegisterSource } from './commands.ts';
import type { KeyOwnersContext, NoContext, PermissionAggregate } from './context.ts';
import type { Entity } from './entity.ts';
import type { Contract, PermissionDef, Source } from './reference.ts';
import type { PermissionState } from './view.ts';

type ReferenceDecision = Decision<PermissionAggregate, PermissionState>;
type Stamps = 'version' | 'createdAt' | 'updatedAt';

export function registerEntity(c: RegisterEntity, stored: Entity | null, context: KeyOwnersContext, now: Date): ReferenceDecision {
  for (const key of c.externalKeys) {
    const owner = context.keyOwners[entityKeyOf(key)] ?? null;
    // Our addition to the contract: one external key addresses one entity, or refs would be ambiguous.
    // The owner's id is not echoed: the result goes back to whoever sent the command.
    if (owner !== null && owner !== c.entityId) {
      return refuse(reject('409', 'EXTERNAL_KEY_TAKEN', `external key ${entityKeyOf(key)} belongs to another entity`));
    }
  }
  // Permissions are not this command's business: a new entity has none, an existing one keeps its own.
  const fields = { entityId: c.entityId, externalKeys: c.externalKeys, contractId: c.contractId, permissions: stored?.permissions ?? [] };
  return upsert<Entity>(stored, fields, now);
}

export function definePermission(c: DefinePermission, stored: PermissionDef | null, _context: NoContext, now: Date): ReferenceDecision {
  return upsert<PermissionDef>(stored, { permissionId: c.permissionId, name: c.name, active: c.active }, now);
}

export function registerSource(c: RegisterSource, stored: Source | null, _context: NoContext, now: Date): ReferenceDecision {
  return upsert<Source>(stored, { sourceId: c.sourceId, name: c.name, active: c.active }, now);
}

export function defineContract(c: DefineContract, stored: Contract | null, _context: NoContext, now: Date): ReferenceDecision {
  const fields = { contractId: c.contractId, allowedPermissionIds: c.allowedPermissionIds, allowedSourceIds: c.allowedSourceIds };
  return upsert<Contract>(stored, fields, now);
}

/**
 * `fields` is the whole aggregate apart from its stamps. A command that changes nothing answers
 * 200 with the stored aggregate and writes nothing, so a producer re-sending the same definition
 * does not churn versions.
 */
function upsert<T extends PermissionAggregate>(stored: T | null, fields: Omit<T, Stamps>, now: Date): ReferenceDecision {
  const at = now.toISOString();
  if (stored === null) {
    return changed('201', { ...fields, version: 1, createdAt: at, updatedAt: at } as T);
  }
  const unchanged = (Object.keys(fields) as (keyof Omit<T, Stamps>)[]).every((field) =>
    stored[field] === fields[field] || JSON.stringify(stored[field]) === JSON.stringify(fields[field]));
  if (unchanged) return answer('200', stored);
  return changed('200', { ...stored, ...fields, version: stored.version + 1, updatedAt: at });
}

function changed(statusCode: '200' | '201', next: PermissionAggregate): Change<PermissionAggregate, PermissionState> {
  return { kind: 'change', statusCode, aggregate: next, view: next, events: [] };
}

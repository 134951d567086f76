// The permission family on the shared pipeline. Its aggregates are entities (which hold the
// acceptances) and the reference data (permission definitions, sources, contracts), one
// collection each. Reference data is read, never locked, when an acceptance is decided.
import { PERMISSION_COLLECTIONS as COLLECTIONS } from '../catalogue/collections.ts';
import { entityKeyOf, parsePermissionCommand, type PermissionCommand } from '../domain/permission/commands.ts';
import { NO_CONTEXT, targetOf, type ContextFor, type PermissionAggregate, type PermissionContext, type StoredFor } from '../domain/permission/context.ts';
import { decidePermission } from '../domain/permission/decide.ts';
import type { Entity } from '../domain/permission/entity.ts';
import type { Contract, PermissionDef, Source } from '../domain/permission/reference.ts';
import { CorruptAggregateError } from '../pipeline/errors.ts';
import type { CommandFamily, TaggedState, Target } from '../pipeline/family.ts';
import type { AggregateStore, ExternalKeyIndex } from '../pipeline/ports.ts';
import { batchedLoader } from './batched-loader.ts';

export interface PermissionFamilyDeps {
  readonly store: AggregateStore;
  readonly externalKeys: ExternalKeyIndex;
}

function revive(raw: unknown, target: Target): PermissionAggregate {
  const a = raw as { version?: unknown } | null;
  if (!a || typeof a.version !== 'number') throw new CorruptAggregateError(`stored ${target.collection} document has no version`);
  return a as PermissionAggregate;
}

function referenceState(kind: 'PERMISSION' | 'SOURCE' | 'CONTRACT', view: PermissionDef | Source | Contract): TaggedState {
  const v = view as Partial<PermissionDef & Source & Contract>;
  return {
    type: 'ReferenceState',
    value: {
      kind,
      id: v.permissionId ?? v.sourceId ?? v.contractId,
      version: v.version,
      name: v.name ?? null,
      active: v.active ?? null,
      allowedPermissionIds: v.allowedPermissionIds ?? [],
      allowedSourceIds: v.allowedSourceIds ?? [],
    },
  };
}

function resultState(view: unknown, command: PermissionCommand | null): TaggedState | null {
  switch (command?.type) {
    case 'RegisterEntity': {
      const e = view as Entity;
      return { type: 'EntityState', value: { entityId: e.entityId, version: e.version, externalKeys: e.externalKeys, contractId: e.contractId } };
    }
    case 'DefinePermission': return referenceState('PERMISSION', view as PermissionDef);
    case 'RegisterSource': return referenceState('SOURCE', view as Source);
    case 'DefineContract': return referenceState('CONTRACT', view as Contract);
    case 'AcceptPermission':
    case 'WithdrawPermission': return { type: 'PermissionState', value: view };
    default: return null;
  }
}

export function permissionFamily(deps: PermissionFamilyDeps): CommandFamily<PermissionCommand, PermissionAggregate, PermissionContext> {
  const read = batchedLoader(deps.store);
  async function load<T>(collection: string, id: string | null): Promise<T | null> {
    if (id === null) return null;
    const record = await read(collection, id);
    return record ? (revive(record.state, { collection, id }) as T) : null;
  }

  return {
    name: 'permission',
    parse: (envelope, now) => parsePermissionCommand(envelope, now),

    async target(command) {
      const target = targetOf(command);
      switch (target.aggregate) {
        case 'entity': {
          const { ref } = target;
          if ('entityId' in ref) return { collection: COLLECTIONS.entity, id: ref.entityId };
          // Addressed by external key: an unknown key means no entity can be meant (404.2).
          const owner = await deps.externalKeys.ownerOf(entityKeyOf(ref));
          return owner ? { collection: COLLECTIONS.entity, id: owner } : null;
        }
        case 'permission': return { collection: COLLECTIONS.permission, id: target.permissionId };
        case 'source': return { collection: COLLECTIONS.source, id: target.sourceId };
        case 'contract': return { collection: COLLECTIONS.contract, id: target.contractId };
      }
    },

    revive,
    prepare: async () => undefined,

    async loadContext(command, stored): Promise<PermissionContext> {
      switch (command.type) {
        case 'RegisterEntity': {
          // Claims are made before the entity is written: the unique _id of each key document
          // decides between two entities racing for one key.
          const keyOwners: Record<string, string | null> = {};
          for (const key of command.externalKeys) {
            const name = entityKeyOf(key);
            keyOwners[name] = await deps.externalKeys.claim(name, command.entityId);
          }
          // A key held by another entity makes decide refuse the command (409 EXTERNAL_KEY_TAKEN),
          // and nothing is written, so afterWrite never runs: free the keys this command just claimed
          // (those the stored entity does not list), or they would stay taken by no entity for good.
          if (Object.values(keyOwners).some((owner) => owner !== null && owner !== command.entityId)) {
            const held = new Set((stored as Entity | null)?.externalKeys.map(entityKeyOf) ?? []);
            for (const [name, owner] of Object.entries(keyOwners)) {
              if (owner === command.entityId && !held.has(name)) await deps.externalKeys.release(name, command.entityId);
            }
          }
          return { kind: 'keyOwners', keyOwners };
        }
        case 'AcceptPermission':
        case 'WithdrawPermission': {
          const [permission, source, contract] = await Promise.all([
            load<PermissionDef>(COLLECTIONS.permission, command.permissionId),
            load<Source>(COLLECTIONS.source, command.sourceId),
            load<Contract>(COLLECTIONS.contract, (stored as Entity | null)?.contractId ?? null),
          ]);
          return { kind: 'rules', permission, source, contract };
        }
        default:
          return NO_CONTEXT;
      }
    },

    decide: (command, stored, context, now) =>
      decidePermission(command, stored as StoredFor<PermissionCommand> | null, context as ContextFor<PermissionCommand>, now),

    indexFields: () => ({}),
    eventState: (state) => ({ type: 'PermissionState', value: state }),
    resultState,

    // A re-registered entity gives back the external keys it no longer lists.
    async afterWrites(changes) {
      for (const { command, state, previous } of changes) {
        if (command.type !== 'RegisterEntity') continue;
        const kept = new Set((state as Entity).externalKeys.map(entityKeyOf));
        for (const key of (previous as Entity | null)?.externalKeys ?? []) {
          if (!kept.has(entityKeyOf(key))) await deps.externalKeys.release(entityKeyOf(key), command.entityId);
        }
      }
    },
  };
}

// What decidePermission needs besides the targeted aggregate, read by the pipeline beforehand.
// Discriminated by `kind` so a context built for the wrong command is caught, not misread.
import type {
  AcceptPermission, DefineContract, DefinePermission, EntityRef, PermissionCommand, RegisterEntity, RegisterSource,
  WithdrawPermission,
} from './commands.ts';
import type { Entity } from './entity.ts';
import type { Contract, PermissionDef, Source } from './reference.ts';

/** RegisterEntity: who holds each requested external key now. */
export interface KeyOwnersContext {
  readonly kind: 'keyOwners';
  /** extType:extKey (entityKeyOf) → the entityId holding it; a key absent or null is free. */
  readonly keyOwners: Readonly<Record<string, string | null>>;
}

/** DefinePermission, RegisterSource, DefineContract: the stored aggregate is all they need. */
export interface NoContext {
  readonly kind: 'none';
}

/** AcceptPermission, WithdrawPermission: the reference data the rules check, null when absent. */
export interface RulesContext {
  readonly kind: 'rules';
  /** The PermissionDef of command.permissionId. */
  readonly permission: PermissionDef | null;
  /** The Source of command.sourceId. */
  readonly source: Source | null;
  /** The Contract of the stored entity's contractId (null when it has none, or it is not defined). */
  readonly contract: Contract | null;
}

export type PermissionContext = KeyOwnersContext | NoContext | RulesContext;

export const NO_CONTEXT: NoContext = { kind: 'none' };

/** Every aggregate of the permission family; each is one document in its own collection. */
export type PermissionAggregate = Entity | PermissionDef | Source | Contract;

/** The stored aggregate a command targets, so a narrowed command gets a checked `stored`. */
export type StoredFor<C extends PermissionCommand> =
  C extends RegisterEntity | AcceptPermission | WithdrawPermission ? Entity
    : C extends DefinePermission ? PermissionDef
      : C extends RegisterSource ? Source
        : C extends DefineContract ? Contract
          : never;

export type ContextFor<C extends PermissionCommand> =
  C extends RegisterEntity ? KeyOwnersContext
    : C extends AcceptPermission | WithdrawPermission ? RulesContext
      : NoContext;

/** Which document a command targets: the pipeline loads it (an entity by ref may need the key index). */
export type Target =
  | { readonly aggregate: 'entity'; readonly ref: EntityRef }
  | { readonly aggregate: 'permission'; readonly permissionId: string }
  | { readonly aggregate: 'source'; readonly sourceId: string }
  | { readonly aggregate: 'contract'; readonly contractId: string };

export function targetOf(command: PermissionCommand): Target {
  switch (command.type) {
    case 'RegisterEntity': return { aggregate: 'entity', ref: { entityId: command.entityId } };
    case 'AcceptPermission':
    case 'WithdrawPermission': return { aggregate: 'entity', ref: command.entity };
    case 'DefinePermission': return { aggregate: 'permission', permissionId: command.permissionId };
    case 'RegisterSource': return { aggregate: 'source', sourceId: command.sourceId };
    case 'DefineContract': return { aggregate: 'contract', contractId: command.contractId };
  }
}

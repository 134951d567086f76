// decidePermission(command, stored aggregate, context, now) for the permission family. Pure:
// every status code of the permission half of the contract is a branch of the deciders it calls.
import type { Decision } from '../decision.ts';
import type { PermissionCommand } from './commands.ts';
import type {
  ContextFor, KeyOwnersContext, NoContext, PermissionAggregate, PermissionContext, RulesContext, StoredFor,
} from './context.ts';
import { accept, withdraw } from './decide-acceptance.ts';
import { defineContract, definePermission, registerEntity, registerSource } from './decide-reference.ts';
import type { Entity } from './entity.ts';
import type { Contract, PermissionDef, Source } from './reference.ts';
import type { PermissionState } from './view.ts';

/** What PermissionAccepted and PermissionWithdrawn carry as `state`. */
export type PermissionEventState = PermissionState;

export type PermissionDecision = Decision<PermissionAggregate, PermissionEventState>;

/**
 * `stored` is the document targetOf(command) names, or null when it does not exist. A context of
 * the wrong kind is a wiring bug, not a bad command, so it throws rather than answering.
 */
export function decidePermission<C extends PermissionCommand>(
  command: C,
  stored: StoredFor<C> | null,
  context: ContextFor<C>,
  now: Date,
): PermissionDecision {
  const c: PermissionCommand = command;
  const ctx: PermissionContext = context;
  switch (c.type) {
    case 'RegisterEntity': return registerEntity(c, stored as Entity | null, expect(ctx, 'keyOwners', c.type), now);
    case 'DefinePermission': return definePermission(c, stored as PermissionDef | null, expect(ctx, 'none', c.type), now);
    case 'RegisterSource': return registerSource(c, stored as Source | null, expect(ctx, 'none', c.type), now);
    case 'DefineContract': return defineContract(c, stored as Contract | null, expect(ctx, 'none', c.type), now);
    case 'AcceptPermission': return accept(c, stored as Entity | null, expect(ctx, 'rules', c.type), now);
    case 'WithdrawPermission': return withdraw(c, stored as Entity | null, expect(ctx, 'rules', c.type), now);
  }
}

type ContextOfKind = { keyOwners: KeyOwnersContext; none: NoContext; rules: RulesContext };

function expect<K extends keyof ContextOfKind>(context: PermissionContext, kind: K, commandType: string): ContextOfKind[K] {
  if (context.kind !== kind) throw new Error(`${commandType} needs a '${kind}' context, got '${context.kind}'`);
  return context as ContextOfKind[K];
}

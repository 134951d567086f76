// Builders for the permission tables: one valid world (an entity under a contract that allows an
// active permission from an active source), which each row then breaks in one or two places.
import type { Decision } from '../../../src/domain/decision.ts';
import type { CommandEnvelope } from '../../../src/domain/envelope.ts';
import type { AcceptPermission, WithdrawPermission } from '../../../src/domain/permission/commands.ts';
import type { PermissionAggregate, RulesContext } from '../../../src/domain/permission/context.ts';
import type { Entity, PermissionRecord } from '../../../src/domain/permission/entity.ts';
import type { Contract, PermissionDef, Source } from '../../../src/domain/permission/reference.ts';

export const NOW = new Date('2025-03-01T12:00:00.000Z');
export const CREATED = '2025-01-01T00:00:00.000Z';

/** A distinct instant per step of a sequence, so each acceptance and withdrawal can be told apart. */
export function at(step: number): Date {
  return new Date(NOW.getTime() + step * 60_000);
}

export const ENTITY_ID = 'entity-1';
export const PERMISSION_ID = 'perm.marketing';
export const TERMS_ID = 'perm.terms-v2';
export const SOURCE_ID = 'src-web';
export const CONTRACT_ID = 'contract-a';
export const EXT = { extKey: 'cust-42', extType: 'crm' } as const;

export function envelope(commandType: string, payload: Record<string, unknown>, commandId = 'cmd-0001'): CommandEnvelope {
  return { commandId, commandType, issuedAt: NOW.toISOString(), actor: null, correlationId: null, payloadType: commandType, payload };
}

export function entity(overrides: Partial<Entity> = {}): Entity {
  return {
    entityId: ENTITY_ID, version: 3, externalKeys: [EXT], contractId: CONTRACT_ID, permissions: [],
    createdAt: CREATED, updatedAt: CREATED, ...overrides,
  };
}

/** An acceptance made at CREATED, active unless overridden. */
export function record(permissionId: string, overrides: Partial<PermissionRecord> = {}): PermissionRecord {
  return {
    permissionId, isActive: true, isWithdrawn: false,
    acceptance: { timestamp: CREATED, sourceId: SOURCE_ID, termsId: null, data: {} },
    withdrawal: null, history: [], ...overrides,
  };
}

export function withdrawn(permissionId: string): PermissionRecord {
  return record(permissionId, {
    isActive: false, isWithdrawn: true,
    withdrawal: { timestamp: CREATED, sourceId: SOURCE_ID, reason: 'moved away' },
  });
}

export function permissionDef(overrides: Partial<PermissionDef> = {}): PermissionDef {
  return { permissionId: PERMISSION_ID, version: 1, name: 'Marketing e-mails', active: true, createdAt: CREATED, updatedAt: CREATED, ...overrides };
}

export function source(overrides: Partial<Source> = {}): Source {
  return { sourceId: SOURCE_ID, version: 1, name: 'Web shop', active: true, createdAt: CREATED, updatedAt: CREATED, ...overrides };
}

export function contract(overrides: Partial<Contract> = {}): Contract {
  return {
    contractId: CONTRACT_ID, version: 1, allowedPermissionIds: [PERMISSION_ID, TERMS_ID], allowedSourceIds: [SOURCE_ID],
    createdAt: CREATED, updatedAt: CREATED, ...overrides,
  };
}

export function rules(overrides: Partial<Omit<RulesContext, 'kind'>> = {}): RulesContext {
  return { kind: 'rules', permission: permissionDef(), source: source(), contract: contract(), ...overrides };
}

export function acceptCommand(overrides: Partial<AcceptPermission> = {}): AcceptPermission {
  return {
    type: 'AcceptPermission', commandId: 'cmd-accept-1', entity: { entityId: ENTITY_ID },
    permissionId: PERMISSION_ID, sourceId: SOURCE_ID, termsId: null, data: { channel: 'email' }, ...overrides,
  };
}

export function withdrawCommand(overrides: Partial<WithdrawPermission> = {}): WithdrawPermission {
  return {
    type: 'WithdrawPermission', commandId: 'cmd-withdraw-1', entity: { entityId: ENTITY_ID },
    permissionId: PERMISSION_ID, sourceId: SOURCE_ID, reason: null, ...overrides,
  };
}

/** The aggregate a Change writes; a test that expected a write fails here if it got a reply. */
export function written<S extends PermissionAggregate>(decision: Decision<PermissionAggregate, unknown>): S {
  if (decision.kind !== 'change') throw new Error(`expected a change, got reply ${decision.statusCode}`);
  return decision.aggregate as S;
}

/** statusCode and errorCode of any decision, for compact table assertions. */
export function outcome(decision: Decision<PermissionAggregate, unknown>): { statusCode: string; errorCode: string | null; events: string[] } {
  return {
    statusCode: decision.statusCode,
    errorCode: decision.kind === 'reply' ? (decision.rejection?.errorCode ?? null) : null,
    events: decision.kind === 'change' ? decision.events.map((e) => e.eventType) : [],
  };
}

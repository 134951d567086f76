import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/domain/decision.ts';
import type { AcceptPermission } from '../../../src/domain/permission/commands.ts';
import type { PermissionAggregate, RulesContext } from '../../../src/domain/permission/context.ts';
import { decidePermission } from '../../../src/domain/permission/decide.ts';
import { HISTORY_LIMIT, type Entity } from '../../../src/domain/permission/entity.ts';
import { permissionStateOf } from '../../../src/domain/permission/view.ts';
import {
  acceptCommand, at, contract, CREATED, entity, ENTITY_ID, EXT, NOW, outcome, permissionDef, PERMISSION_ID, record, rules,
  source, SOURCE_ID, TERMS_ID, withdrawCommand, withdrawn, written,
} from './fixtures.ts';

interface Row {
  readonly name: string;
  readonly stored?: Entity | null;
  readonly context?: RulesContext;
  readonly command?: Partial<AcceptPermission>;
  readonly statusCode: string;
  readonly errorCode: string | null;
}

const inactivePermission = permissionDef({ active: false });
const inactiveSource = source({ active: false });
const byExternalKey = { entity: EXT };

// One row per branch, and one per pair of faults whose order the contract's code list fixes.
const rows: Row[] = [
  { name: 'answers 404.1 when no entity has the entityId', stored: null, statusCode: '404.1', errorCode: 'ENTITY_NOT_FOUND' },
  { name: 'answers 404.1 when the stored entity is another one', stored: entity({ entityId: 'entity-2' }), statusCode: '404.1', errorCode: 'ENTITY_NOT_FOUND' },
  { name: 'answers 404.2 when no entity has the external key', stored: null, command: byExternalKey, statusCode: '404.2', errorCode: 'EXTERNAL_REF_NOT_FOUND' },
  { name: 'answers 404.2 when the stored entity no longer has the external key', stored: entity({ externalKeys: [] }), command: byExternalKey, statusCode: '404.2', errorCode: 'EXTERNAL_REF_NOT_FOUND' },
  { name: 'answers 404.1 before 404.5 when entity and permission are both missing', stored: null, context: rules({ permission: null }), statusCode: '404.1', errorCode: 'ENTITY_NOT_FOUND' },
  { name: 'answers 404.5 when the permission does not exist', context: rules({ permission: null }), statusCode: '404.5', errorCode: 'PERMISSION_NOT_FOUND' },
  { name: 'answers 404.5 when the context holds another permission', context: rules({ permission: permissionDef({ permissionId: 'perm.other' }) }), statusCode: '404.5', errorCode: 'PERMISSION_NOT_FOUND' },
  { name: 'answers 404.5 before 404.6 when permission and source are both missing', context: rules({ permission: null, source: null }), statusCode: '404.5', errorCode: 'PERMISSION_NOT_FOUND' },
  { name: 'answers 404.6 when the source does not exist', context: rules({ source: null }), statusCode: '404.6', errorCode: 'SOURCE_NOT_FOUND' },
  { name: 'answers 404.6 before 400.2 when the source is missing and the permission inactive', context: rules({ source: null, permission: inactivePermission }), statusCode: '404.6', errorCode: 'SOURCE_NOT_FOUND' },
  { name: 'answers 400.2 when the permission is not active', context: rules({ permission: inactivePermission }), statusCode: '400.2', errorCode: 'PERMISSION_NOT_ACTIVE' },
  { name: 'answers 400.2 before 400.3 when permission and source are both inactive', context: rules({ permission: inactivePermission, source: inactiveSource }), statusCode: '400.2', errorCode: 'PERMISSION_NOT_ACTIVE' },
  { name: 'answers 400.3 when the source is not active', context: rules({ source: inactiveSource }), statusCode: '400.3', errorCode: 'SOURCE_NOT_ACTIVE' },
  { name: 'answers 400.3 before 412.2 when the source is inactive and there is no contract', context: rules({ source: inactiveSource, contract: null }), statusCode: '400.3', errorCode: 'SOURCE_NOT_ACTIVE' },
  { name: 'answers 412.2 when the contract does not list the permission', context: rules({ contract: contract({ allowedPermissionIds: [TERMS_ID] }) }), statusCode: '412.2', errorCode: 'PERMISSION_NOT_ALLOWED' },
  { name: 'answers 412.2 when the entity has no contract', stored: entity({ contractId: null }), statusCode: '412.2', errorCode: 'PERMISSION_NOT_ALLOWED' },
  { name: 'answers 412.2 when the entity\'s contract is not defined', context: rules({ contract: null }), statusCode: '412.2', errorCode: 'PERMISSION_NOT_ALLOWED' },
  { name: 'answers 412.2 when the context holds a contract other than the entity\'s', context: rules({ contract: contract({ contractId: 'contract-b' }) }), statusCode: '412.2', errorCode: 'PERMISSION_NOT_ALLOWED' },
  { name: 'answers 412.2 before 412.3 when the contract allows neither', context: rules({ contract: contract({ allowedPermissionIds: [], allowedSourceIds: [] }) }), statusCode: '412.2', errorCode: 'PERMISSION_NOT_ALLOWED' },
  { name: 'answers 412.3 when the contract does not list the source', context: rules({ contract: contract({ allowedSourceIds: ['src-app'] }) }), statusCode: '412.3', errorCode: 'SOURCE_NOT_ALLOWED' },
  { name: 'answers 412.3 before 412.4 when the source is not allowed and the terms not accepted', context: rules({ contract: contract({ allowedSourceIds: [] }) }), command: { termsId: TERMS_ID }, statusCode: '412.3', errorCode: 'SOURCE_NOT_ALLOWED' },
  { name: 'answers 412.4 when the entity never accepted the terms', command: { termsId: TERMS_ID }, statusCode: '412.4', errorCode: 'TERMS_NOT_ACCEPTED' },
  { name: 'answers 412.4 when the entity withdrew the terms', stored: entity({ permissions: [withdrawn(TERMS_ID)] }), command: { termsId: TERMS_ID }, statusCode: '412.4', errorCode: 'TERMS_NOT_ACCEPTED' },
  { name: 'answers 412.4 before 303 when the permission is held but the terms are not', stored: entity({ permissions: [record(PERMISSION_ID)] }), command: { termsId: TERMS_ID }, statusCode: '412.4', errorCode: 'TERMS_NOT_ACCEPTED' },
  { name: 'answers 303 when the entity already holds the permission', stored: entity({ permissions: [record(PERMISSION_ID)] }), statusCode: '303', errorCode: null },
  { name: 'accepts with 201 when addressed by entityId', statusCode: '201', errorCode: null },
  { name: 'accepts with 201 when addressed by external key', command: byExternalKey, statusCode: '201', errorCode: null },
  { name: 'accepts with 201 when the terms named are held', stored: entity({ permissions: [record(TERMS_ID)] }), command: { termsId: TERMS_ID }, statusCode: '201', errorCode: null },
  { name: 'accepts with 201 again after a withdrawal', stored: entity({ permissions: [withdrawn(PERMISSION_ID)] }), statusCode: '201', errorCode: null },
];

function decideAccept(stored: Entity | null, context: RulesContext, command: AcceptPermission, now = NOW): Decision<PermissionAggregate, unknown> {
  return decidePermission(command, stored, context, now);
}

describe('AcceptPermission', () => {
  it.each(rows)('$name', (row) => {
    const stored = row.stored === undefined ? entity() : row.stored;
    const decision = decideAccept(stored, row.context ?? rules(), acceptCommand(row.command));
    expect(outcome(decision)).toEqual({
      statusCode: row.statusCode,
      errorCode: row.errorCode,
      events: row.statusCode === '201' ? ['PermissionAccepted'] : [],
    });
  });

  it('writes version + 1 with the acceptance and publishes PermissionAccepted with a stable eventId', () => {
    const other = record('perm.newsletter');
    const decision = decideAccept(entity({ permissions: [other] }), rules(), acceptCommand({ termsId: null }));
    const state = {
      entityId: ENTITY_ID, permissionId: PERMISSION_ID, isActive: true, isWithdrawn: false,
      acceptance: { timestamp: NOW.toISOString(), sourceId: SOURCE_ID }, withdrawal: null,
    };
    expect(decision).toEqual({
      kind: 'change',
      statusCode: '201',
      aggregate: entity({
        version: 4,
        updatedAt: NOW.toISOString(),
        permissions: [other, {
          permissionId: PERMISSION_ID, isActive: true, isWithdrawn: false,
          acceptance: { timestamp: NOW.toISOString(), sourceId: SOURCE_ID, termsId: null, data: { channel: 'email' } },
          withdrawal: null, history: [],
        }],
      }),
      view: state,
      events: [{
        eventId: `${ENTITY_ID}:4:PermissionAccepted`, eventType: 'PermissionAccepted', aggregateId: ENTITY_ID,
        version: 4, occurredAt: NOW.toISOString(), causationId: 'cmd-accept-1', state,
      }],
    });
  });

  it('answers 303 with the held permission state and writes nothing', () => {
    const held = entity({ permissions: [record(PERMISSION_ID)] });
    expect(decideAccept(held, rules(), acceptCommand())).toEqual({
      kind: 'reply',
      statusCode: '303',
      view: {
        entityId: ENTITY_ID, permissionId: PERMISSION_ID, isActive: true, isWithdrawn: false,
        acceptance: { timestamp: CREATED, sourceId: SOURCE_ID }, withdrawal: null,
      },
    });
  });

  it('keeps the withdrawn cycle in history when the permission is accepted again', () => {
    const first = written<Entity>(decideAccept(entity(), rules(), acceptCommand({ sourceId: SOURCE_ID }), at(1)));
    const out = written<Entity>(decidePermission(withdrawCommand({ reason: 'too many mails' }), first, rules(), at(2)));
    const again = decideAccept(out, rules(), acceptCommand({ commandId: 'cmd-accept-2', data: {} }), at(3));

    expect(outcome(again)).toEqual({ statusCode: '201', errorCode: null, events: ['PermissionAccepted'] });
    const next = written<Entity>(again);
    expect(next.version).toBe(6);
    expect(next.permissions).toEqual([{
      permissionId: PERMISSION_ID, isActive: true, isWithdrawn: false,
      acceptance: { timestamp: at(3).toISOString(), sourceId: SOURCE_ID, termsId: null, data: {} },
      withdrawal: null,
      history: [{
        acceptance: { timestamp: at(1).toISOString(), sourceId: SOURCE_ID, termsId: null, data: { channel: 'email' } },
        withdrawal: { timestamp: at(2).toISOString(), sourceId: SOURCE_ID, reason: 'too many mails' },
      }],
    }]);
    expect(again.kind === 'change' && again.events[0]?.eventId).toBe(`${ENTITY_ID}:6:PermissionAccepted`);
  });

  it(`keeps only the most recent ${HISTORY_LIMIT} cycles in history`, () => {
    let current = entity();
    const cycles = HISTORY_LIMIT + 5;
    for (let i = 0; i < cycles; i += 1) {
      current = written<Entity>(decideAccept(current, rules(), acceptCommand(), at(2 * i)));
      current = written<Entity>(decidePermission(withdrawCommand(), current, rules(), at(2 * i + 1)));
    }
    current = written<Entity>(decideAccept(current, rules(), acceptCommand(), at(2 * cycles)));

    const history = current.permissions[0]?.history ?? [];
    expect(current.version).toBe(3 + 2 * cycles + 1);
    expect(history).toHaveLength(HISTORY_LIMIT);
    // Cycles 0–4 dropped out; the oldest kept is cycle 5, the newest the last withdrawn one.
    expect(history[0]?.acceptance.timestamp).toBe(at(10).toISOString());
    expect(history[HISTORY_LIMIT - 1]?.withdrawal?.timestamp).toBe(at(2 * cycles - 1).toISOString());
  });

  it('reports no permission state for a permission never accepted', () => {
    expect(permissionStateOf(entity(), PERMISSION_ID)).toBeNull();
  });
});

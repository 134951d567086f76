import { describe, expect, it } from 'vitest';
import type { WithdrawPermission } from '../../../src/domain/permission/commands.ts';
import type { RulesContext } from '../../../src/domain/permission/context.ts';
import { decidePermission } from '../../../src/domain/permission/decide.ts';
import type { Entity } from '../../../src/domain/permission/entity.ts';
import {
  at, CREATED, entity, ENTITY_ID, EXT, NOW, outcome, permissionDef, PERMISSION_ID, record, rules, source, SOURCE_ID,
  withdrawCommand, withdrawn, written,
} from './fixtures.ts';

interface Row {
  readonly name: string;
  readonly stored?: Entity | null;
  readonly context?: RulesContext;
  readonly command?: Partial<WithdrawPermission>;
  readonly statusCode: string;
  readonly errorCode: string | null;
}

const holding = entity({ permissions: [record(PERMISSION_ID)] });

const rows: Row[] = [
  { name: 'answers 404.1 when no entity has the entityId', stored: null, statusCode: '404.1', errorCode: 'ENTITY_NOT_FOUND' },
  { name: 'answers 404.2 when no entity has the external key', stored: null, command: { entity: EXT }, statusCode: '404.2', errorCode: 'EXTERNAL_REF_NOT_FOUND' },
  { name: 'answers 404.5 when the permission does not exist', context: rules({ permission: null }), statusCode: '404.5', errorCode: 'PERMISSION_NOT_FOUND' },
  { name: 'answers 404.5 before 404.6 when permission and source are both missing', context: rules({ permission: null, source: null }), statusCode: '404.5', errorCode: 'PERMISSION_NOT_FOUND' },
  { name: 'answers 404.6 when the source does not exist', context: rules({ source: null }), statusCode: '404.6', errorCode: 'SOURCE_NOT_FOUND' },
  { name: 'answers 404.6 before 409 when the source is missing and nothing was accepted', stored: entity(), context: rules({ source: null }), statusCode: '404.6', errorCode: 'SOURCE_NOT_FOUND' },
  { name: 'answers 409 when the permission was never accepted', stored: entity(), statusCode: '409', errorCode: 'NOT_ACCEPTED' },
  { name: 'answers 409 when the permission is already withdrawn', stored: entity({ permissions: [withdrawn(PERMISSION_ID)] }), statusCode: '409', errorCode: 'ALREADY_WITHDRAWN' },
  { name: 'withdraws with 200 when addressed by external key', command: { entity: EXT }, statusCode: '200', errorCode: null },
  // Withdrawing must stay possible after the reference data changed, or consent could not be taken back.
  { name: 'withdraws with 200 even when permission and source are inactive and the contract is gone', context: rules({ permission: permissionDef({ active: false }), source: source({ active: false }), contract: null }), statusCode: '200', errorCode: null },
];

describe('WithdrawPermission', () => {
  it.each(rows)('$name', (row) => {
    const stored = row.stored === undefined ? holding : row.stored;
    const decision = decidePermission(withdrawCommand(row.command), stored, row.context ?? rules(), NOW);
    expect(outcome(decision)).toEqual({
      statusCode: row.statusCode,
      errorCode: row.errorCode,
      events: row.statusCode === '200' ? ['PermissionWithdrawn'] : [],
    });
  });

  it('records the withdrawal, keeps the acceptance and publishes PermissionWithdrawn', () => {
    const decision = decidePermission(withdrawCommand({ sourceId: 'src-app', reason: 'asked by phone' }), holding,
      rules({ source: source({ sourceId: 'src-app' }) }), NOW);
    const withdrawal = { timestamp: NOW.toISOString(), sourceId: 'src-app', reason: 'asked by phone' };
    const state = {
      entityId: ENTITY_ID, permissionId: PERMISSION_ID, isActive: false, isWithdrawn: true,
      acceptance: { timestamp: CREATED, sourceId: SOURCE_ID }, withdrawal,
    };
    expect(decision).toEqual({
      kind: 'change',
      statusCode: '200',
      aggregate: entity({
        version: 4, updatedAt: NOW.toISOString(),
        permissions: [record(PERMISSION_ID, { isActive: false, isWithdrawn: true, withdrawal })],
      }),
      view: state,
      events: [{
        eventId: `${ENTITY_ID}:4:PermissionWithdrawn`, eventType: 'PermissionWithdrawn', aggregateId: ENTITY_ID,
        version: 4, occurredAt: NOW.toISOString(), causationId: 'cmd-withdraw-1', state,
      }],
    });
  });

  it('answers 409 ALREADY_WITHDRAWN to a second withdrawal, showing the first', () => {
    const once = written<Entity>(decidePermission(withdrawCommand({ reason: 'first' }), holding, rules(), at(1)));
    const twice = decidePermission(withdrawCommand({ commandId: 'cmd-withdraw-2', reason: 'second' }), once, rules(), at(2));
    expect(outcome(twice)).toEqual({ statusCode: '409', errorCode: 'ALREADY_WITHDRAWN', events: [] });
    expect(twice.view).toMatchObject({ isWithdrawn: true, withdrawal: { timestamp: at(1).toISOString(), reason: 'first' } });
  });
});

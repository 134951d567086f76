// SetServicePolicy, pure: each 400 names its field, 401 without an actor, 403 without the
// service_admin role, 201 for a new policy, 200 for a changed one (next version, ServicePolicySet)
// and 200 without a write for the same policy sent again.
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/domain/envelope.ts';
import { durationMs } from '../../../src/domain/policy/duration.ts';
import type { ServicePolicy } from '../../../src/domain/policy/service-policy.ts';
import { decideSetServicePolicy, parseSetServicePolicyCommand, type SetServicePolicy } from '../../../src/domain/policy/set-service-policy.ts';
import { isRejection } from '../../../src/domain/status.ts';
import { envelope, NOW } from '../consent/fixtures.ts';

const ADMIN: Actor = { userId: 'ops-01', orgId: null, roles: ['service_admin'] };
const DAY = 86_400_000;

function parse(payload: Record<string, unknown>, actor: Actor | null = ADMIN) {
  return parseSetServicePolicyCommand(envelope('SetServicePolicy', { serviceId: 'svc-billing', ...payload }, { actor }));
}

function command(payload: Record<string, unknown>, actor: Actor | null = ADMIN): SetServicePolicy {
  const c = parse(payload, actor);
  if (isRejection(c)) throw new Error(`expected a valid command, got ${c.message}`);
  return c;
}

const stored: ServicePolicy = {
  serviceId: 'svc-billing', version: 2, defaultLifetimeMs: 90 * DAY, reminderLeadMs: 7 * DAY,
  createdAt: '2029-01-01T00:00:00.000Z', updatedAt: '2029-06-01T00:00:00.000Z',
};

describe('durations', () => {
  it.each([
    ['P90D', 90 * DAY], ['P1W', 7 * DAY], ['PT12H', 12 * 3_600_000], ['P1DT6H', 30 * 3_600_000],
    ['PT1M30S', 90_000], ['PT0.5S', 500], ['2500', 2_500],
  ])('reads %s as %d ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each(['P', 'PT', 'P1Y', 'P2M', '90 days', '-5', 'P1.5D', ''])('refuses %j', (text) => {
    expect(durationMs(text)).toBeNull();
  });
});

describe('parsing SetServicePolicy', () => {
  it('takes the lifetime in days or as a duration, and the lead as a duration', () => {
    expect(command({ defaultExpiryDays: 30, reminderLeadTime: 'P7D' })).toMatchObject({ defaultLifetimeMs: 30 * DAY, reminderLeadMs: 7 * DAY });
    expect(command({ defaultLifetime: 'PT1H', reminderLeadTime: '60000' })).toMatchObject({ defaultLifetimeMs: 3_600_000, reminderLeadMs: 60_000 });
    expect(command({})).toMatchObject({ defaultLifetimeMs: null, reminderLeadMs: null });
  });

  it.each([
    [{ serviceId: 'x' }, 'serviceId'],
    [{ defaultExpiryDays: 30, defaultLifetime: 'P30D' }, 'defaultLifetime'],
    [{ defaultExpiryDays: 0 }, 'defaultExpiryDays'],
    [{ defaultExpiryDays: 1.5 }, 'defaultExpiryDays'],
    [{ defaultExpiryDays: 36_501 }, 'defaultExpiryDays'],
    [{ defaultLifetime: 'P1Y' }, 'defaultLifetime'],
    [{ defaultLifetime: '999' }, 'defaultLifetime'],
    [{ reminderLeadTime: 'soon' }, 'reminderLeadTime'],
  ])('refuses %j with 400 naming %s', (payload, field) => {
    const c = parse(payload);
    expect(isRejection(c) && { statusCode: c.statusCode, field: c.field }).toEqual({ statusCode: '400', field });
  });
});

describe('deciding SetServicePolicy', () => {
  it('refuses a command without an actor with 401', () => {
    expect(decideSetServicePolicy(command({ defaultExpiryDays: 30 }, null), null, NOW)).toMatchObject({ kind: 'reply', statusCode: '401' });
  });

  it('refuses an actor without the service_admin role with 403', () => {
    const decision = decideSetServicePolicy(command({ defaultExpiryDays: 30 }, { userId: 'dev-01', orgId: 'org-acme', roles: ['service', 'org_owner'] }), stored, NOW);
    expect(decision).toMatchObject({ kind: 'reply', statusCode: '403', rejection: { errorCode: 'FORBIDDEN' } });
  });

  it('creates a policy at version 1 with 201 and ServicePolicySet', () => {
    const decision = decideSetServicePolicy(command({ defaultExpiryDays: 30, reminderLeadTime: 'P3D' }), null, NOW);
    expect(decision).toMatchObject({
      kind: 'change', statusCode: '201',
      aggregate: { serviceId: 'svc-billing', version: 1, defaultLifetimeMs: 30 * DAY, reminderLeadMs: 3 * DAY, createdAt: NOW.toISOString() },
    });
    expect(decision.kind === 'change' && decision.events.map((e) => e.eventId)).toEqual(['svc-billing:1:ServicePolicySet']);
  });

  it('changes a stored policy at the next version with 200, keeping createdAt', () => {
    const decision = decideSetServicePolicy(command({ defaultExpiryDays: 30 }), stored, NOW);
    expect(decision).toMatchObject({
      kind: 'change', statusCode: '200',
      aggregate: { version: 3, defaultLifetimeMs: 30 * DAY, reminderLeadMs: null, createdAt: stored.createdAt, updatedAt: NOW.toISOString() },
    });
  });

  it('answers 200 without a write when the same policy is sent again', () => {
    const decision = decideSetServicePolicy(command({ defaultLifetime: 'P90D', reminderLeadTime: 'P1W' }), stored, NOW);
    expect(decision).toEqual({ kind: 'reply', statusCode: '200', view: stored });
  });
});

// Property-based (fast-check): random command sequences against one consent, each parsed and
// decided as the pipeline does, at increasing times. Whatever the sequence, the consent never
// reaches a state the contract forbids, and decide is deterministic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConsentCommand, type ConsentCommand } from '../../../src/domain/consent/commands.ts';
import type { Consent, ConsentStatus } from '../../../src/domain/consent/consent.ts';
import { decideConsent, type ConsentContext } from '../../../src/domain/consent/decide.ts';
import type { CommandEnvelope } from '../../../src/domain/envelope.ts';
import { isRejection, type Rejection, type StatusCode } from '../../../src/domain/status.ts';

const T0 = new Date('2030-01-01T00:00:00.000Z').getTime();
const ID = 'consent-p1';
const ORG = 'org-acme';
const OWNER = { userId: 'owner-01', orgId: ORG, roles: ['org_owner'] };
const CONTRACT_CODES: ReadonlySet<string> = new Set<StatusCode>([
  '200', '201', '303', '400', '401', '403', '404', '409', '429', '413',
]);
const ALLOWED: Record<Consent['kind'], ReadonlySet<ConsentStatus>> = {
  USER: new Set(['ACTIVE', 'REVOKED', 'EXPIRED']),
  ORG: new Set(['REQUESTED', 'ACTIVE', 'REJECTED', 'EXPIRED']),
};
// Status moves each kind may make in one change (from → to).
const MOVES: Record<Consent['kind'], ReadonlySet<string>> = {
  USER: new Set(['ACTIVE>ACTIVE', 'ACTIVE>REVOKED', 'ACTIVE>EXPIRED', 'REVOKED>REVOKED', 'REVOKED>ACTIVE', 'EXPIRED>ACTIVE', 'EXPIRED>REVOKED', 'EXPIRED>EXPIRED']),
  ORG: new Set(['REQUESTED>ACTIVE', 'REQUESTED>REJECTED', 'ACTIVE>EXPIRED']),
};

/** A step: a command to send and how many minutes pass before it. */
type Step = { readonly minutes: number; readonly make: (version: number, now: Date) => CommandEnvelope | { type: 'ExpireConsent' } };

const iso = (now: Date, minutes: number | null): string | null => (minutes === null ? null : new Date(now.getTime() + minutes * 60_000).toISOString());
const env = (commandType: string, payload: Record<string, unknown>, n: number, actor: CommandEnvelope['actor'] = null): CommandEnvelope => ({
  commandId: `cmd-${n}`, commandType, payloadType: commandType, issuedAt: new Date(T0).toISOString(), actor, correlationId: null, payload,
});

let counter = 0;
const expiryMinutes = fc.option(fc.integer({ min: -30, max: 600 }), { nil: null });
const step: fc.Arbitrary<Step> = fc.record({
  minutes: fc.integer({ min: 0, max: 240 }),
  kind: fc.constantFrom('create', 'update', 'request', 'decide', 'expire'),
  status: fc.constantFrom('ACTIVE', 'REVOKED', null),
  expiry: expiryMinutes,
  versionDelta: fc.constantFrom(0, 0, 0, 1, -1, 5),
  action: fc.constantFrom('APPROVE', 'REJECT'),
  actorOk: fc.boolean(),
  data: fc.option(fc.dictionary(fc.constantFrom('a', 'b', 'constructor'), fc.constantFrom('1', '2')), { nil: null }),
}).map((s) => ({
  minutes: s.minutes,
  make: (version: number, now: Date) => {
    const n = counter++;
    switch (s.kind) {
      case 'create':
        return env('CreateConsent', { consentId: ID, serviceId: 'svc-1', userId: 'user-1', status: s.status ?? 'ACTIVE', consentData: s.data, expiryTime: iso(now, s.expiry) }, n);
      case 'update':
        return env('UpdateConsent', { consentId: ID, serviceId: 'svc-1', userId: 'user-1', consentVersion: version + 1 + s.versionDelta, status: s.status, consentData: s.data, expiryTime: iso(now, s.expiry) }, n);
      case 'request':
        return env('RequestOrgConsent', { consentId: ID, sourceUserId: 'user-1', targetOrgId: ORG, targetOrgOwnerEmail: 'owner@example.org' }, n);
      case 'decide':
        return env('DecideOrgConsent', { consentId: ID, orgId: ORG, action: s.action, expiry: iso(now, s.expiry) }, n, s.actorOk ? OWNER : { userId: 'someone', orgId: 'org-x', roles: [] });
      default:
        return { type: 'ExpireConsent' as const };
    }
  },
}));

/** A seed whose 300 sequences make every move below (checked when it was chosen). */
const WALK_SEED = 20261203;

const context: ConsentContext = { orgDecisionsInWindow: 0, orgDecisionLimit: 100 };

function commandOf(made: CommandEnvelope | { type: 'ExpireConsent' }, now: Date): ConsentCommand | Rejection {
  if ('type' in made) return { type: 'ExpireConsent', commandId: `expire-${now.getTime()}`, consentId: ID };
  return parseConsentCommand(made, now);
}

describe('the consent state machine under random command sequences', () => {
  it('never reaches a state the contract forbids', () => {
    const reached = new Set<string>();
    const walk = fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
      let stored: Consent | null = null;
      let now = T0;
      for (const s of steps) {
        now += s.minutes * 60_000;
        const at = new Date(now);
        const command = commandOf(s.make(stored?.version ?? 0, at), at);
        if (isRejection(command)) {
          expect(CONTRACT_CODES.has(command.statusCode.split('.')[0] as string)).toBe(true);
          continue;
        }
        const decision = decideConsent(command, stored, context, at);
        expect(CONTRACT_CODES.has(decision.statusCode)).toBe(true);
        if (decision.kind === 'reply') continue; // a reply writes nothing: stored stays as it was
        const next = decision.aggregate;
        // One change: version + 1, exactly one event carrying that version, the same id.
        expect(next.version).toBe((stored?.version ?? 0) + 1);
        expect(decision.events).toHaveLength(1);
        expect(decision.events[0]).toMatchObject({ aggregateId: ID, version: next.version });
        expect(next.consentId).toBe(ID);
        // The kind is fixed at creation; each kind stays within its statuses and moves.
        if (stored) {
          expect(next.kind).toBe(stored.kind);
          expect(MOVES[next.kind].has(`${stored.status}>${next.status}`)).toBe(true);
        } else {
          expect(decision.statusCode).toBe('201');
        }
        expect(ALLOWED[next.kind].has(next.status)).toBe(true);
        // EXPIRED only by the expiry sweep, and only once due.
        if (next.status === 'EXPIRED' && stored?.status !== 'EXPIRED') {
          expect(command.type).toBe('ExpireConsent');
          expect(new Date((stored?.expiryTime ?? stored?.expiry) as string).getTime()).toBeLessThanOrEqual(now);
        }
        // (Re)entering ACTIVE from elsewhere only with an expiry in the future (or none, for an org approval).
        if (next.status === 'ACTIVE' && stored && stored.status !== 'ACTIVE') {
          const due = next.expiryTime ?? next.expiry;
          if (due !== null) expect(new Date(due).getTime()).toBeGreaterThan(now);
          if (stored.kind === 'USER') expect(due).not.toBeNull();
        }
        // Echoed times keep the contract's 4-digit-year form.
        for (const t of [next.expiryTime, next.expiry, next.createdAt, next.updatedAt]) if (t !== null) expect(t).toMatch(/^\d{4}-/);
        expect(Object.getPrototypeOf(next.consentData) === Object.prototype || Object.getPrototypeOf(next.consentData) === null).toBe(true);
        reached.add(`${next.kind}:${stored?.status ?? 'new'}>${next.status}`);
        stored = next;
      }
    });
    // New sequences on every run, and a fixed set besides: the random ones go on exploring, and
    // the fixed ones make the walk check below deterministic (a random run of 300 missed the
    // rarest move, REVOKED>ACTIVE, about once in a few hundred runs).
    fc.assert(walk, { numRuns: 300 });
    fc.assert(walk, { numRuns: 300, seed: WALK_SEED });
    // The sequences did walk the machine (a generator that only produced refusals proves nothing).
    for (const move of ['USER:new>ACTIVE', 'USER:ACTIVE>REVOKED', 'USER:REVOKED>ACTIVE', 'USER:ACTIVE>EXPIRED', 'ORG:new>REQUESTED',
      'ORG:REQUESTED>ACTIVE', 'ORG:REQUESTED>REJECTED', 'ORG:ACTIVE>EXPIRED']) expect(reached).toContain(move);
  });

  it('decides the same command on the same state and time identically', () => {
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 15 }), (steps) => {
      let stored: Consent | null = null;
      let now = T0;
      for (const s of steps) {
        now += s.minutes * 60_000;
        const at = new Date(now);
        const made = s.make(stored?.version ?? 0, at);
        const command = commandOf(made, at);
        if (isRejection(command)) {
          expect(JSON.stringify(commandOf(made, at))).toBe(JSON.stringify(command));
          continue;
        }
        const first = decideConsent(command as ConsentCommand, stored, context, at);
        const second = decideConsent(command as ConsentCommand, stored === null ? null : structuredClone(stored), context, new Date(now));
        expect(JSON.stringify(second)).toBe(JSON.stringify(first));
        if (first.kind === 'change') stored = first.aggregate;
      }
    }), { numRuns: 200 });
  });
});

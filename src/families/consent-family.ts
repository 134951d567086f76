// The consent family on the shared pipeline: its domain functions, its one collection, the
// per-org decision counter, and the expiry schedule fed after every write.
import { CONSENT_REVISIONS, CONSENTS } from '../catalogue/collections.ts';
import { CONSENT_COMMAND_TYPES, parseConsentCommand, type ConsentCommand } from '../domain/consent/commands.ts';
import { dueAt, type Consent } from '../domain/consent/consent.ts';
import { readKeysOf } from '../domain/consent/read-keys.ts';
import { decideConsent, mayDecideFor, NO_RATE_CONTEXT, type ConsentContext } from '../domain/consent/decide.ts';
import { CorruptAggregateError } from '../pipeline/errors.ts';
import type { CommandFamily, TaggedState } from '../pipeline/family.ts';
import type { ExpirySchedule, RateCounter } from '../pipeline/ports.ts';

const STATUSES = new Set(['ACTIVE', 'REQUESTED', 'REJECTED', 'REVOKED', 'EXPIRED']);

export interface ConsentFamilyDeps {
  readonly rates: RateCounter;
  readonly schedule: ExpirySchedule;
  readonly orgDecisionLimit: number;
  readonly orgDecisionWindowMs: number;
}

function revive(raw: unknown): Consent {
  const c = raw as Partial<Consent> | null;
  if (!c || typeof c.consentId !== 'string' || typeof c.version !== 'number' || !STATUSES.has(c.status as string)
      || (c.kind !== 'USER' && c.kind !== 'ORG')) {
    throw new CorruptAggregateError('stored consent does not have the shape of a consent');
  }
  return c as Consent;
}

const consentState = (value: unknown): TaggedState => ({ type: 'ConsentState', value });

/** The org's decision count in the current window, this command included; null when not counted. */
export type DecisionCount = number | null;

export function consentFamily(deps: ConsentFamilyDeps): CommandFamily<ConsentCommand, Consent, ConsentContext, DecisionCount> {
  return {
    name: 'consent',
    revisionCollection: CONSENT_REVISIONS,
    parse: (envelope, now) => parseConsentCommand(envelope, now),
    target: async (command) => ({ collection: CONSENTS, id: command.consentId }),
    revive: (raw) => revive(raw),
    // Counted once per command (prepare runs before the lock and is not repeated when a version
    // race makes the pipeline decide again). Decisions refused as 401 or 403 are not counted.
    async prepare(command, now) {
      if (command.type !== 'DecideOrgConsent' || !mayDecideFor(command.actor, command.orgId)) return null;
      return deps.rates.hit(`org-decisions:${command.orgId}`, deps.orgDecisionWindowMs, now);
    },
    loadContext: async (_command, _stored, _now, count) =>
      count === null ? NO_RATE_CONTEXT : { orgDecisionsInWindow: count, orgDecisionLimit: deps.orgDecisionLimit },
    decide: (command, stored, context, now) => decideConsent(command, stored, context, now),
    // Only ACTIVE consents with an expiry carry dueAt, so the index holds exactly what may fall due.
    // ownerKey, accessKey, orgKey: the keys the read API queries by (domain/consent/read-keys.ts).
    indexFields: (state) => ({ dueAt: dueAt(state), ...readKeysOf(state) }),
    eventState: consentState,
    resultState: (view) => consentState(view),
    // One schedule write per round: every written consent's due time (or none), together.
    afterWrites: (changes) => deps.schedule.reschedule(changes.map(({ state }) => ({ consentId: state.consentId, dueAt: dueAt(state) }))),
  };
}

export { CONSENT_COMMAND_TYPES };

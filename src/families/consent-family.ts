// The consent family on the shared pipeline: its domain functions, its collections (consents, and
// the service policies their defaults come from), the per-org decision counter, and the expiry
// schedule fed after every write.
import { CONSENT_REVISIONS, CONSENTS, SERVICE_POLICIES } from '../catalogue/collections.ts';
import { CONSENT_COMMAND_TYPES, parseConsentCommand, type ConsentCommand } from '../domain/consent/commands.ts';
import { dueAt, type Consent } from '../domain/consent/consent.ts';
import { readKeysOf } from '../domain/consent/read-keys.ts';
import { decideConsent, mayDecideFor, NO_RATE_CONTEXT, type ConsentContext } from '../domain/consent/decide.ts';
import type { ServicePolicy } from '../domain/policy/service-policy.ts';
import {
  decideSetServicePolicy, parseSetServicePolicyCommand, SET_SERVICE_POLICY, type SetServicePolicy,
} from '../domain/policy/set-service-policy.ts';
import { CorruptAggregateError } from '../pipeline/errors.ts';
import type { CommandFamily, TaggedState, Target } from '../pipeline/family.ts';
import type { ExpirySchedule, RateCounter } from '../pipeline/ports.ts';
import type { ServicePolicyLookup } from './service-policies.ts';

const STATUSES = new Set(['ACTIVE', 'REQUESTED', 'REJECTED', 'REVOKED', 'EXPIRED']);

export interface ConsentFamilyDeps {
  readonly rates: RateCounter;
  readonly schedule: ExpirySchedule;
  /** The service policies the decisions of creates and renewals read (families/service-policies.ts). */
  readonly policies: ServicePolicyLookup;
  readonly orgDecisionLimit: number;
  readonly orgDecisionWindowMs: number;
}

/** What the consent commands topic carries: consent commands, and the service policy command. */
export type ConsentFamilyCommand = ConsentCommand | SetServicePolicy;
/** The family's aggregates: a consent (CONSENTS) or a service's policy (SERVICE_POLICIES). */
export type ConsentFamilyAggregate = Consent | ServicePolicy;

function reviveConsent(raw: unknown): Consent {
  const c = raw as Partial<Consent> | null;
  if (!c || typeof c.consentId !== 'string' || typeof c.version !== 'number' || !STATUSES.has(c.status as string)
      || (c.kind !== 'USER' && c.kind !== 'ORG')) {
    throw new CorruptAggregateError('stored consent does not have the shape of a consent');
  }
  return c as Consent;
}

function revivePolicy(raw: unknown): ServicePolicy {
  const p = raw as Partial<ServicePolicy> | null;
  if (!p || typeof p.serviceId !== 'string' || typeof p.version !== 'number') {
    throw new CorruptAggregateError('stored service policy does not have the shape of a policy');
  }
  return p as ServicePolicy;
}

const isPolicy = (state: unknown): state is ServicePolicy => typeof (state as ServicePolicy).serviceId === 'string'
  && (state as Partial<Consent>).consentId === undefined;

/**
 * A policy's event goes to the policy events topic, whose `state` is a ServicePolicyState (the
 * worker's otherEvents route); its result travels in the results' `servicePolicy` field, `state`
 * (a consent's) null.
 */
function eventState(state: unknown): TaggedState {
  return { type: isPolicy(state) ? 'ServicePolicyState' : 'ConsentState', value: state };
}

function resultState(view: unknown): TaggedState {
  return isPolicy(view) ? { type: 'ServicePolicyState', value: view, field: 'servicePolicy' } : { type: 'ConsentState', value: view };
}

/** The org's decision count in the current window, this command included; null when not counted. */
export type DecisionCount = number | null;

export function consentFamily(deps: ConsentFamilyDeps): CommandFamily<ConsentFamilyCommand, ConsentFamilyAggregate, ConsentContext, DecisionCount> {
  return {
    name: 'consent',
    // Only consents have revisions: a policy's decision carries none (its history is its events).
    revisionCollection: CONSENT_REVISIONS,
    parse: (envelope, now) => envelope.commandType === SET_SERVICE_POLICY
      ? parseSetServicePolicyCommand(envelope)
      : parseConsentCommand(envelope, now),
    target: async (command) => command.type === SET_SERVICE_POLICY
      ? { collection: SERVICE_POLICIES, id: command.serviceId }
      : { collection: CONSENTS, id: command.consentId },
    revive: (raw, target: Target) => (target.collection === SERVICE_POLICIES ? revivePolicy(raw) : reviveConsent(raw)),
    // Counted once per command (prepare runs before the lock and is not repeated when a version
    // race makes the pipeline decide again). Decisions refused as 401 or 403 are not counted.
    async prepare(command, now) {
      if (command.type !== 'DecideOrgConsent' || !mayDecideFor(command.actor, command.orgId)) return null;
      return deps.rates.hit(`org-decisions:${command.orgId}`, deps.orgDecisionWindowMs, now);
    },
    // Only a create or a renewal (an update with a new expiryTime) uses the service's policy.
    async loadContext(command, _stored, _now, count) {
      const rate = count === null ? NO_RATE_CONTEXT : { orgDecisionsInWindow: count, orgDecisionLimit: deps.orgDecisionLimit };
      const usesPolicy = command.type === 'CreateConsent' || (command.type === 'UpdateConsent' && command.expiryTime !== null);
      return usesPolicy ? { ...rate, servicePolicy: await deps.policies.of(command.serviceId) } : rate;
    },
    decide: (command, stored, context, now) => command.type === SET_SERVICE_POLICY
      ? decideSetServicePolicy(command, stored as ServicePolicy | null, now)
      : decideConsent(command, stored as Consent | null, context, now),
    // Only consents due for something (ACTIVE, with an expiry or a reminder) carry dueAt, so the
    // index holds exactly what may fall due. ownerKey, accessKey, orgKey: the keys the read API
    // queries by (domain/consent/read-keys.ts). A policy has no index fields.
    indexFields: (state) => (isPolicy(state) ? {} : { dueAt: dueAt(state), ...readKeysOf(state) }),
    eventState,
    resultState: (view) => resultState(view),
    // One schedule write per round: every written consent's next due time (or none), together.
    afterWrites: async (changes) => {
      for (const { state } of changes) if (isPolicy(state)) deps.policies.remember(state);
      const consents = changes.flatMap(({ state }) => (isPolicy(state) ? [] : [state]));
      if (consents.length > 0) await deps.schedule.reschedule(consents.map((state) => ({ consentId: state.consentId, dueAt: dueAt(state) })));
    },
  };
}

export { CONSENT_COMMAND_TYPES };

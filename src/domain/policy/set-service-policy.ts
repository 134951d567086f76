// SetServicePolicy: parsed (each 400 names its field) and decided (401, 403, 201 new, 200 changed
// or unchanged). Pure: the time is an argument. The ServicePolicySet event carries the new policy.
import { answer, refuse, type Decision } from '../decision.ts';
import { envelopeRejection, payloadRecordRejection, type Actor, type CommandEnvelope } from '../envelope.ts';
import { makeEvent } from '../event.ts';
import { invalid, isRejection, reject, type Rejection } from '../status.ts';
import { identifier, IDENTIFIER } from '../validation.ts';
import { DAY_MS, MAX_DURATION_MS, optionalDuration } from './duration.ts';
import type { ServicePolicy } from './service-policy.ts';

export interface SetServicePolicy {
  readonly type: 'SetServicePolicy';
  readonly commandId: string;
  readonly serviceId: string;
  readonly defaultLifetimeMs: number | null;
  readonly reminderLeadMs: number | null;
  readonly actor: Actor | null;
}

/**
 * The role a policy needs. Reference data has been unguarded so far (any producer on the topic may
 * define a permission); a policy changes every later consent's expiry, so it is guarded like an
 * org decision: by a role the producer's identity provider grants, checked on the command's actor.
 */
export const POLICY_ADMIN_ROLE = 'service_admin';

export const SET_SERVICE_POLICY = 'SetServicePolicy';

/** The whole command: the envelope's rules, then the payload as a SetServicePolicy record. */
export function parseSetServicePolicyCommand(envelope: CommandEnvelope): SetServicePolicy | Rejection {
  return envelopeRejection(envelope) ?? payloadRecordRejection(envelope, parseSetServicePolicy(envelope));
}

/** The payload fields as sent: days or a duration for the lifetime (not both), a duration for the lead. */
export function parseSetServicePolicy(envelope: CommandEnvelope): SetServicePolicy | Rejection {
  const p = envelope.payload;
  const days = p['defaultExpiryDays'];
  const lifetime = optionalDuration('defaultLifetime', p['defaultLifetime']);
  const checked = {
    serviceId: identifier('serviceId', p['serviceId']),
    defaultLifetimeMs: days != null && p['defaultLifetime'] != null
      ? invalid('defaultLifetime', 'give defaultExpiryDays or defaultLifetime, not both')
      : days != null ? expiryDays(days) : lifetime,
    reminderLeadMs: optionalDuration('reminderLeadTime', p['reminderLeadTime']),
  };
  const refused = Object.values(checked).find(isRejection);
  if (refused) return refused;
  return { type: 'SetServicePolicy', commandId: envelope.commandId, actor: envelope.actor, ...checked } as SetServicePolicy;
}

function expiryDays(days: unknown): number | Rejection {
  if (!Number.isInteger(days) || (days as number) < 1 || (days as number) * DAY_MS > MAX_DURATION_MS) {
    return invalid('defaultExpiryDays', 'must be a whole number of days from 1 to 36500');
  }
  return (days as number) * DAY_MS;
}

export function decideSetServicePolicy(c: SetServicePolicy, stored: ServicePolicy | null, now: Date): Decision<ServicePolicy> {
  if (c.actor === null || !IDENTIFIER.test(c.actor.userId)) {
    return refuse(reject('401', 'UNAUTHENTICATED', 'SetServicePolicy needs an actor with a valid userId'));
  }
  if (!c.actor.roles.includes(POLICY_ADMIN_ROLE)) {
    return refuse(reject('403', 'FORBIDDEN', `actor needs the ${POLICY_ADMIN_ROLE} role to set a service policy`));
  }
  // Re-sending the same policy changes nothing: 200 with the stored policy, no new version, no event.
  if (stored && stored.defaultLifetimeMs === c.defaultLifetimeMs && stored.reminderLeadMs === c.reminderLeadMs) {
    return answer('200', stored);
  }
  const at = now.toISOString();
  const next: ServicePolicy = {
    serviceId: c.serviceId,
    version: (stored?.version ?? 0) + 1,
    defaultLifetimeMs: c.defaultLifetimeMs,
    reminderLeadMs: c.reminderLeadMs,
    createdAt: stored?.createdAt ?? at,
    updatedAt: at,
  };
  return {
    kind: 'change',
    statusCode: stored ? '200' : '201',
    aggregate: next,
    view: next,
    events: [makeEvent('ServicePolicySet', next.serviceId, next.version, now, c.commandId, next)],
  };
}

// decide(command, stored consent, context, now) for the consent family. Pure: every status code
// of the consent half of the contract is one branch here.
import { answer, refuse, type Decision } from '../decision.ts';
import type { Actor } from '../envelope.ts';
import { makeEvent } from '../event.ts';
import { reject } from '../status.ts';
import { IDENTIFIER } from '../validation.ts';
import type { ConsentCommand, CreateConsent, DecideOrgConsent, ExpireConsent, RequestOrgConsent, UpdateConsent } from './commands.ts';
import { expiresAt, reminderDueAt, type Consent } from './consent.ts';
import type { ConsentProof } from './proof.ts';
import { revisionOf, type ConsentRevision } from './revision.ts';
import { defaultExpiry, reminderTime, type ServicePolicy } from '../policy/service-policy.ts';

export interface ConsentContext {
  /** Decisions this org has sent in the current rate window, this one included. */
  readonly orgDecisionsInWindow: number;
  readonly orgDecisionLimit: number;
  /** The service's policy, for a user consent's create or update; null or absent when it has none. */
  readonly servicePolicy?: ServicePolicy | null;
}

export const NO_RATE_CONTEXT: ConsentContext = { orgDecisionsInWindow: 0, orgDecisionLimit: Number.POSITIVE_INFINITY };

export type ConsentDecision = Decision<Consent>;

/** What caused a change, as its revision records it. */
interface Cause {
  readonly commandId: string;
  readonly actor?: Actor | null;
  readonly proof?: ConsentProof | null;
}

const DECIDER_ROLES = ['org_owner', 'org_admin'];

function authenticated(actor: Actor | null): actor is Actor {
  return actor !== null && IDENTIFIER.test(actor.userId);
}

function authorised(actor: Actor, orgId: string): boolean {
  return actor.orgId === orgId && actor.roles.some((role) => DECIDER_ROLES.includes(role));
}

/**
 * Whether the actor may decide for the org at all (neither 401 nor 403). Only such decisions
 * count against the org's rate: a refused one was not sent by the org, and must not use it up.
 */
export function mayDecideFor(actor: Actor | null, orgId: string): boolean {
  return authenticated(actor) && authorised(actor, orgId);
}

export function decideConsent(command: ConsentCommand, stored: Consent | null, context: ConsentContext, now: Date): ConsentDecision {
  switch (command.type) {
    case 'CreateConsent': return create(command, stored, context.servicePolicy ?? null, now);
    case 'UpdateConsent': return update(command, stored, context.servicePolicy ?? null, now);
    case 'RequestOrgConsent': return request(command, stored, now);
    case 'DecideOrgConsent': return decideOrg(command, stored, context, now);
    case 'ExpireConsent': return expire(command, stored, now);
  }
}

/**
 * A change: the new state chained to the stored one's last revision, its revision (the ledger's
 * record of it) and its event, which carries the revision's hash and the proof.
 */
function change(statusCode: '200' | '201', eventType: string, previous: Consent | null, next: Consent, cause: Cause, now: Date): ConsentDecision {
  const proof = cause.proof ?? null;
  const revision: ConsentRevision = revisionOf(previous, next, { changeType: eventType, causationId: cause.commandId, actor: cause.actor ?? null, proof, now });
  const aggregate: Consent = { ...next, lastRevisionHash: revision.hash };
  const event = { ...makeEvent(eventType, next.consentId, next.version, now, cause.commandId, aggregate), revisionHash: revision.hash, proof };
  return { kind: 'change', statusCode, aggregate, view: aggregate, events: [event], revision };
}

function taken(consentId: string): ConsentDecision {
  return refuse(reject('409', 'CONSENT_ID_TAKEN', `consent ${consentId} already exists`));
}

/** The reminder owed for an expiry under the policy, as stored (only an ACTIVE consent is reminded). */
function reminderFor(status: Consent['status'], expiry: Date | null, policy: ServicePolicy | null): string | null {
  return status === 'ACTIVE' ? reminderTime(policy, expiry)?.toISOString() ?? null : null;
}

/**
 * The consent with its reminder field. Left out when no reminder is owed and none was, so the
 * consents of services that send no reminders keep the shape (and size) they always had.
 */
function withReminder(next: Consent, at: string | null): Consent {
  return at !== null || next.reminderDueAt != null ? { ...next, reminderDueAt: at } : next;
}

function create(c: CreateConsent, stored: Consent | null, policy: ServicePolicy | null, now: Date): ConsentDecision {
  if (stored) return taken(c.consentId);
  const at = now.toISOString();
  // The service's default lifetime applies to an ACTIVE consent sent without its own expiry.
  const expiry = c.expiryTime ?? (c.status === 'ACTIVE' ? defaultExpiry(policy, now) : null);
  return change('201', 'ConsentCreated', null, withReminder({
    consentId: c.consentId, kind: 'USER', version: 1, status: c.status,
    serviceId: c.serviceId, userId: c.userId, consentType: c.consentType, consentData: c.consentData,
    expiryTime: expiry?.toISOString() ?? null,
    sourceUserId: null, targetOrgId: null, targetOrgOwnerEmail: null, expiry: null, decidedBy: null,
    // A migrated consent keeps the time it was first given; the write itself is updatedAt.
    createdAt: c.createdAt?.toISOString() ?? at, updatedAt: at,
  }, reminderFor(c.status, expiry, policy)), c, now);
}

function update(c: UpdateConsent, stored: Consent | null, policy: ServicePolicy | null, now: Date): ConsentDecision {
  if (!stored || stored.kind !== 'USER' || stored.userId !== c.userId || stored.serviceId !== c.serviceId) {
    return refuse(reject('404', 'CONSENT_NOT_FOUND', `no consent ${c.consentId} for this user and service`));
  }
  if (stored.version !== c.consentVersion - 1) {
    return refuse(reject('409', 'VERSION_CONFLICT',
      `consentVersion ${c.consentVersion} expects stored version ${c.consentVersion - 1}, found ${stored.version}`), stored);
  }
  const status = c.status ?? stored.status;
  // Documented rule: leaving REVOKED or EXPIRED for ACTIVE needs a new (future) expiryTime in
  // the same command, so a lapsed consent is never silently revived with its old terms.
  if (status === 'ACTIVE' && stored.status !== 'ACTIVE' && c.expiryTime === null) {
    return refuse(reject('400', 'VALIDATION_FAILED',
      `expiryTime: reactivating a ${stored.status} consent needs a new expiryTime`, 'expiryTime'), stored);
  }
  // A renewal (a new expiryTime) owes a reminder for the new expiry under today's policy, and the
  // one pending for the old expiry is gone with it; otherwise a pending reminder stays as it was.
  const reminder = c.expiryTime !== null ? reminderFor(status, c.expiryTime, policy) : status === 'ACTIVE' ? stored.reminderDueAt ?? null : null;
  const next: Consent = withReminder({
    ...stored,
    version: stored.version + 1,
    status,
    consentType: c.consentType ?? stored.consentType,
    consentData: c.consentData ?? stored.consentData,
    expiryTime: c.expiryTime?.toISOString() ?? stored.expiryTime,
    updatedAt: now.toISOString(),
  }, reminder);
  const eventType = status === 'REVOKED' && stored.status !== 'REVOKED' ? 'ConsentRevoked' : 'ConsentUpdated';
  return change('200', eventType, stored, next, c, now);
}

function request(c: RequestOrgConsent, stored: Consent | null, now: Date): ConsentDecision {
  if (stored) return taken(c.consentId);
  const at = now.toISOString();
  return change('201', 'ConsentRequested', null, {
    consentId: c.consentId, kind: 'ORG', version: 1, status: 'REQUESTED',
    serviceId: null, userId: null, consentType: null, consentData: {}, expiryTime: null,
    sourceUserId: c.sourceUserId, targetOrgId: c.targetOrgId, targetOrgOwnerEmail: c.targetOrgOwnerEmail,
    expiry: null, decidedBy: null, createdAt: at, updatedAt: at,
  }, c, now);
}

function decideOrg(c: DecideOrgConsent, stored: Consent | null, context: ConsentContext, now: Date): ConsentDecision {
  if (!authenticated(c.actor)) return refuse(reject('401', 'UNAUTHENTICATED', 'DecideOrgConsent needs an actor with a valid userId'));
  if (!authorised(c.actor, c.orgId)) {
    return refuse(reject('403', 'FORBIDDEN', `actor needs org_owner or org_admin in org ${c.orgId}`));
  }
  if (context.orgDecisionsInWindow > context.orgDecisionLimit) {
    return refuse(reject('429', 'RATE_LIMITED', `org ${c.orgId} sent more than ${context.orgDecisionLimit} decisions in the window`));
  }
  if (!stored || stored.kind !== 'ORG' || stored.targetOrgId !== c.orgId) {
    return refuse(reject('404', 'CONSENT_NOT_FOUND', `no consent ${c.consentId} in org ${c.orgId}`));
  }
  if (stored.status !== 'REQUESTED') {
    return refuse(reject('409', 'NOT_REQUESTED', `consent ${c.consentId} is ${stored.status}, not REQUESTED`), stored);
  }
  const approved = c.action === 'APPROVE';
  const next: Consent = {
    ...stored,
    version: stored.version + 1,
    status: approved ? 'ACTIVE' : 'REJECTED',
    expiry: approved ? (c.expiry?.toISOString() ?? null) : null,
    decidedBy: c.actor.userId,
    updatedAt: now.toISOString(),
  };
  return change('200', approved ? 'ConsentApproved' : 'ConsentRejected', stored, next, c, now);
}

function expire(c: ExpireConsent, stored: Consent | null, now: Date): ConsentDecision {
  if (!stored) return refuse(reject('404', 'CONSENT_NOT_FOUND', `no consent ${c.consentId}`));
  const expiry = expiresAt(stored);
  if (expiry !== null && expiry.getTime() <= now.getTime()) {
    // An expiry due settles the consent; a reminder still owed is moot by now.
    const next: Consent = withReminder({ ...stored, version: stored.version + 1, status: 'EXPIRED', updatedAt: now.toISOString() }, null);
    return change('200', 'ConsentExpired', stored, next, c, now);
  }
  const reminder = reminderDueAt(stored);
  // Moved (a renewal), revoked, rejected or already expired or reminded: nothing is due, nothing is written.
  if (reminder === null || reminder.getTime() > now.getTime()) return answer('200', stored);
  // The reminder is a version of its own: the version check makes it once per expiry term even
  // when two sweepers or a redelivery race for it, and its event id is stable. The consent's terms
  // do not change, so updatedAt stays as it was.
  const next: Consent = { ...stored, version: stored.version + 1, reminderDueAt: null };
  return change('200', 'ConsentExpiringSoon', stored, next, c, now);
}

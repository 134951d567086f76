// Shared set-up of the consent unit tests: a fixed clock, envelopes as a producer would send
// them, stored consents, and a one-line summary of a decision that the tables compare against.
// Kept beside the tests (not in test/support/) because it only serves the pure domain.
import type { ConsentCommand } from '../../../src/domain/consent/commands.ts';
import { parseConsentCommand } from '../../../src/domain/consent/commands.ts';
import type { Consent } from '../../../src/domain/consent/consent.ts';
import type { ConsentContext, ConsentDecision } from '../../../src/domain/consent/decide.ts';
import { decideConsent, NO_RATE_CONTEXT } from '../../../src/domain/consent/decide.ts';
import type { Actor, CommandEnvelope } from '../../../src/domain/envelope.ts';
import { refuse } from '../../../src/domain/decision.ts';
import { isRejection } from '../../../src/domain/status.ts';

/** The one instant every test runs at, unless a row says otherwise. */
export const NOW = new Date('2030-01-01T12:00:00.000Z');
export const FUTURE = '2030-06-01T00:00:00.000Z';
export const LATER_FUTURE = '2031-01-01T00:00:00.000Z';
export const PAST = '2029-12-31T12:00:00.000Z';
/** The instant the stored documents were written. */
export const CREATED = '2029-12-01T00:00:00.000Z';

export const SERVICE = 'svc-billing';
export const USER = 'user-0001';
export const ORG = 'org-acme';
export const OTHER_ORG = 'org-globex';

export const ORG_OWNER: Actor = { userId: 'owner-01', orgId: ORG, roles: ['org_owner'] };
export const ORG_ADMIN: Actor = { userId: 'admin-01', orgId: ORG, roles: ['viewer', 'org_admin'] };

export function envelope(
  commandType: string,
  payload: Record<string, unknown>,
  extra: Partial<Omit<CommandEnvelope, 'commandType' | 'payload'>> = {},
): CommandEnvelope {
  return {
    commandId: 'cmd-0001',
    commandType,
    payloadType: commandType,
    issuedAt: NOW.toISOString(),
    actor: null,
    correlationId: null,
    payload,
    ...extra,
  };
}

/** Parses an envelope that the test means to be valid; a rejection fails the test loudly. */
export function parsed(env: CommandEnvelope, now: Date = NOW): ConsentCommand {
  const command = parseConsentCommand(env, now);
  if (isRejection(command)) throw new Error(`expected a valid command, got ${command.statusCode} ${command.message}`);
  return command;
}

/** What the pipeline does with one envelope: parse (its 400s), then decide. */
export function handle(
  env: CommandEnvelope,
  stored: Consent | null,
  context: ConsentContext = NO_RATE_CONTEXT,
  now: Date = NOW,
): ConsentDecision {
  const command = parseConsentCommand(env, now);
  return isRejection(command) ? refuse(command) : decideConsent(command, stored, context, now);
}

export interface Outcome {
  readonly statusCode: string;
  readonly errorCode?: string;
  readonly field?: string;
  readonly eventTypes: readonly string[];
  readonly versions: readonly number[];
  readonly eventIds: readonly string[];
}

export function outcome(decision: ConsentDecision): Outcome {
  if (decision.kind === 'change') {
    return {
      statusCode: decision.statusCode,
      eventTypes: decision.events.map((e) => e.eventType),
      versions: decision.events.map((e) => e.version),
      eventIds: decision.events.map((e) => e.eventId),
    };
  }
  const { rejection } = decision;
  return {
    statusCode: decision.statusCode,
    ...(rejection ? { errorCode: rejection.errorCode } : {}),
    ...(rejection?.field !== undefined ? { field: rejection.field } : {}),
    eventTypes: [],
    versions: [],
    eventIds: [],
  };
}

/** Outcome of a refusal: no events, nothing written. */
export function refused(statusCode: string, errorCode: string, field?: string): Outcome {
  return { statusCode, errorCode, ...(field === undefined ? {} : { field }), eventTypes: [], versions: [], eventIds: [] };
}

/** Outcome of a success that wrote nothing. */
export function unchanged(statusCode = '200'): Outcome {
  return { statusCode, eventTypes: [], versions: [], eventIds: [] };
}

/** Outcome of a change that produced exactly one event. */
export function changed(statusCode: '200' | '201', consentId: string, version: number, eventType: string): Outcome {
  return { statusCode, eventTypes: [eventType], versions: [version], eventIds: [`${consentId}:${version}:${eventType}`] };
}

/** The aggregate a decision wrote; fails the test when it wrote nothing. */
export function written(decision: ConsentDecision): Consent {
  if (decision.kind !== 'change') throw new Error(`expected a change, got a reply ${decision.statusCode}`);
  return decision.aggregate;
}

export function userConsent(overrides: Partial<Consent> = {}): Consent {
  return {
    consentId: 'consent-user-1',
    kind: 'USER',
    version: 3,
    status: 'ACTIVE',
    serviceId: SERVICE,
    userId: USER,
    consentType: 'marketing',
    consentData: { channel: 'email', locale: 'en-GB' },
    expiryTime: FUTURE,
    sourceUserId: null,
    targetOrgId: null,
    targetOrgOwnerEmail: null,
    expiry: null,
    decidedBy: null,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}

export function orgConsent(overrides: Partial<Consent> = {}): Consent {
  return {
    consentId: 'consent-org-1',
    kind: 'ORG',
    version: 1,
    status: 'REQUESTED',
    serviceId: null,
    userId: null,
    consentType: null,
    consentData: {},
    expiryTime: null,
    sourceUserId: USER,
    targetOrgId: ORG,
    targetOrgOwnerEmail: 'owner@acme.example',
    expiry: null,
    decidedBy: null,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}

/** `count` distinct consentData pairs, all valid. */
export function pairs(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, `value${i}`]));
}

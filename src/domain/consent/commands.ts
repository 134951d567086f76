// Consent commands after parsing: every field checked, times as Dates. parseConsentCommand is
// where each 400 of the consent family is decided, naming the field at fault.
import { parseEnvelope, type Unchecked, type Actor, type CommandEnvelope } from '../envelope.ts';
import { invalid, type Rejection } from '../status.ts';
import { dataPairs, firstRejection, identifier, optionalFutureTime, optionalIdentifier, optionalPastTime } from '../validation.ts';
import type { ConsentPayloads } from './payloads.ts';
import { parseProof, type ConsentProof } from './proof.ts';

export interface CreateConsent {
  readonly type: 'CreateConsent';
  readonly commandId: string;
  readonly consentId: string;
  readonly serviceId: string;
  readonly userId: string;
  readonly status: 'ACTIVE' | 'REVOKED';
  readonly consentType: string | null;
  readonly consentData: Record<string, string>;
  readonly expiryTime: Date | null;
  /** Who sent it, recorded on the revision (optional in the contract). */
  readonly actor?: Actor | null;
  readonly proof?: ConsentProof | null;
  /** The original creation time of a migrated consent (consent-worker import); null: now. */
  readonly createdAt: Date | null;
}

export interface UpdateConsent {
  readonly type: 'UpdateConsent';
  readonly commandId: string;
  readonly consentId: string;
  readonly serviceId: string;
  readonly userId: string;
  readonly consentVersion: number;
  readonly status: 'ACTIVE' | 'REVOKED' | null;
  readonly consentType: string | null;
  readonly consentData: Record<string, string> | null;
  readonly expiryTime: Date | null;
  readonly actor?: Actor | null;
  readonly proof?: ConsentProof | null;
}

export interface RequestOrgConsent {
  readonly type: 'RequestOrgConsent';
  readonly commandId: string;
  readonly consentId: string;
  readonly sourceUserId: string;
  readonly targetOrgId: string;
  readonly targetOrgOwnerEmail: string;
  readonly actor?: Actor | null;
}

export interface DecideOrgConsent {
  readonly type: 'DecideOrgConsent';
  readonly commandId: string;
  readonly consentId: string;
  readonly orgId: string;
  readonly action: 'APPROVE' | 'REJECT';
  readonly expiry: Date | null;
  readonly actor: Actor | null;
  readonly proof?: ConsentProof | null;
}

/**
 * Not a Kafka command: what the sweep asks of one consent it found due. It expires the consent
 * when its expiry has passed, or else publishes its renewal reminder when that is owed.
 */
export interface ExpireConsent {
  readonly type: 'ExpireConsent';
  readonly commandId: string;
  readonly consentId: string;
}

export type ConsentCommand = CreateConsent | UpdateConsent | RequestOrgConsent | DecideOrgConsent | ExpireConsent;

export const CONSENT_COMMAND_TYPES = ['CreateConsent', 'UpdateConsent', 'RequestOrgConsent', 'DecideOrgConsent'] as const;

// Deliberately plain: one @, no spaces, a dot in the domain; full RFC 5322 is not the point.
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/;

export function parseConsentCommand(envelope: CommandEnvelope, now: Date): ConsentCommand | Rejection {
  return parseEnvelope(envelope, now, parsePayloadAsConsentType);
}

/** The payload checked field by field as the record commandType names (whichever record it is). */
function parsePayloadAsConsentType(envelope: CommandEnvelope, now: Date): ConsentCommand | Rejection {
  const { commandId } = envelope;
  const payload = <T extends keyof ConsentPayloads>(_type: T): Unchecked<ConsentPayloads[T]> => envelope.payload as Unchecked<ConsentPayloads[T]>;

  switch (envelope.commandType) {
    case 'CreateConsent': {
      const p = payload('CreateConsent');
      const c = {
        consentId: p['consentId'] == null ? commandId : identifier('consentId', p['consentId']),
        serviceId: identifier('serviceId', p['serviceId']),
        userId: identifier('userId', p['userId']),
        status: p['status'] === 'ACTIVE' || p['status'] === 'REVOKED' ? p['status'] : invalid('status', 'must be ACTIVE or REVOKED'),
        consentType: optionalIdentifier('consentType', p['consentType']),
        consentData: dataPairs('consentData', p['consentData']),
        // Documented choice: an expiry already past when the consent is written is a 400.
        expiryTime: optionalFutureTime('expiryTime', p['expiryTime'], now),
        proof: parseProof(p['proof']),
        createdAt: optionalPastTime('createdAt', p['createdAt'], now),
      };
      return firstRejection(c) ?? ({ type: 'CreateConsent', commandId, actor: envelope.actor, ...c } as CreateConsent);
    }
    case 'UpdateConsent': {
      const p = payload('UpdateConsent');
      const version = p['consentVersion'];
      const c = {
        consentId: identifier('consentId', p['consentId']),
        serviceId: identifier('serviceId', p['serviceId']),
        userId: identifier('userId', p['userId']),
        // Only the form is checked here: whether the version follows the stored one is the
        // decision's (409 VERSION_CONFLICT with the current state, as for any stale version).
        consentVersion: Number.isInteger(version) && (version as number) >= 1
          ? (version as number) : invalid('consentVersion', 'must be an integer of at least 1 (the version this update creates)'),
        status: p['status'] == null || p['status'] === 'ACTIVE' || p['status'] === 'REVOKED'
          ? (p['status'] ?? null) : invalid('status', 'must be ACTIVE or REVOKED (EXPIRED is set only by the scheduler)'),
        consentType: optionalIdentifier('consentType', p['consentType']),
        consentData: p['consentData'] == null ? null : dataPairs('consentData', p['consentData']),
        expiryTime: optionalFutureTime('expiryTime', p['expiryTime'], now),
        proof: parseProof(p['proof']),
      };
      return firstRejection(c) ?? ({ type: 'UpdateConsent', commandId, actor: envelope.actor, ...c } as UpdateConsent);
    }
    case 'RequestOrgConsent': {
      const p = payload('RequestOrgConsent');
      const email = p['targetOrgOwnerEmail'];
      const c = {
        consentId: p['consentId'] == null ? commandId : identifier('consentId', p['consentId']),
        sourceUserId: identifier('sourceUserId', p['sourceUserId']),
        targetOrgId: identifier('targetOrgId', p['targetOrgId']),
        targetOrgOwnerEmail: typeof email === 'string' && EMAIL.test(email) ? email : invalid('targetOrgOwnerEmail', 'must be an email address'),
      };
      return firstRejection(c) ?? ({ type: 'RequestOrgConsent', commandId, actor: envelope.actor, ...c } as RequestOrgConsent);
    }
    case 'DecideOrgConsent': {
      const p = payload('DecideOrgConsent');
      const c = {
        orgId: identifier('orgId', p['orgId']),
        consentId: identifier('consentId', p['consentId']),
        action: p['action'] === 'APPROVE' || p['action'] === 'REJECT' ? p['action'] : invalid('action', 'must be APPROVE or REJECT'),
        expiry: optionalFutureTime('expiry', p['expiry'], now),
        proof: parseProof(p['proof']),
      };
      return firstRejection(c) ?? ({ type: 'DecideOrgConsent', commandId, actor: envelope.actor, ...c } as DecideOrgConsent);
    }
    default:
      return invalid('commandType', `unknown consent command ${JSON.stringify(envelope.commandType)}`);
  }
}

// A consent's revisions: every change of a consent (create, update, org request and decision,
// expiry) is one immutable revision, numbered by the version the change produced, and chained to
// the one before by its hash (domain/ledger/hash-chain.ts). Pure: the time and the previous hash
// are arguments; the pipeline only stores what this returns.
import type { Actor } from '../envelope.ts';
import { chainHash, GENESIS_HASH } from '../ledger/hash-chain.ts';
import type { Consent } from './consent.ts';
import type { ConsentProof } from './proof.ts';

/** Who made the change: ids and roles only, never an email or other contact data. */
export interface RevisionActor {
  readonly userId: string;
  readonly orgId: string | null;
  readonly roles: string[];
}

/** The consent as a revision records it: every field of the state except the chain's own bookkeeping. */
export type ConsentSnapshot = Omit<Consent, 'lastRevisionHash'>;

export interface ConsentRevision {
  /** `${consentId}:${revision}`: the same change always has the same id, so storing it twice is a no-op. */
  readonly revisionId: string;
  readonly consentId: string;
  /** The consent's version after the change (1 for the change that created it). */
  readonly revision: number;
  /** When the change was decided (ISO 8601, UTC). */
  readonly at: string;
  /** The change event's type: ConsentCreated, ConsentUpdated, ConsentExpired, ... */
  readonly changeType: string;
  /** The commandId, or the expiry sweep's id (`expiry-sweep:<sweeperId>`). */
  readonly causationId: string;
  /** null for the expiry sweep and for commands sent without an actor. */
  readonly actor: RevisionActor | null;
  /** Names of the state's fields this change set or changed, sorted (every set field for a creation). */
  readonly changedFields: string[];
  readonly state: ConsentSnapshot;
  readonly proof: ConsentProof | null;
  /** The previous revision's hash; 64 zeros for the first revision of the chain. */
  readonly previousHash: string;
  readonly hash: string;
}

/** What the hash covers: the revision without its two chain fields. */
export type RevisionContent = Omit<ConsentRevision, 'previousHash' | 'hash'>;

// Bookkeeping that changes with every revision and says nothing about what was agreed.
const NOT_A_CHANGE = new Set(['version', 'updatedAt']);

const SNAPSHOT_FIELDS = [
  'consentId', 'kind', 'version', 'status', 'serviceId', 'userId', 'consentType', 'consentData', 'expiryTime',
  'sourceUserId', 'targetOrgId', 'targetOrgOwnerEmail', 'expiry', 'decidedBy', 'createdAt', 'updatedAt',
] as const satisfies readonly (keyof ConsentSnapshot)[];

/** The state's fields, in a fixed set: a stored field this code does not know is not recorded. */
export function snapshotOf(consent: Consent): ConsentSnapshot {
  const snapshot: Record<string, unknown> = {};
  for (const field of SNAPSHOT_FIELDS) snapshot[field] = consent[field] ?? null;
  snapshot['consentData'] = { ...consent.consentData };
  return snapshot as unknown as ConsentSnapshot;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const isSet = (value: unknown): boolean =>
  value !== null && value !== undefined && !(typeof value === 'object' && Object.keys(value).length === 0);

export function changedFields(previous: ConsentSnapshot | null, next: ConsentSnapshot): string[] {
  return SNAPSHOT_FIELDS
    .filter((field) => !NOT_A_CHANGE.has(field))
    .filter((field) => (previous === null ? isSet(next[field]) : !same(previous[field], next[field])))
    .sort();
}

export interface RevisionCause {
  readonly changeType: string;
  readonly causationId: string;
  readonly actor: Actor | null;
  readonly proof: ConsentProof | null;
  readonly now: Date;
}

/** The revision of the change from `previous` to `next`, chained to previous.lastRevisionHash. */
export function revisionOf(previous: Consent | null, next: Consent, cause: RevisionCause): ConsentRevision {
  const state = snapshotOf(next);
  const content: RevisionContent = {
    revisionId: revisionIdOf(next.consentId, next.version),
    consentId: next.consentId,
    revision: next.version,
    at: cause.now.toISOString(),
    changeType: cause.changeType,
    causationId: cause.causationId,
    // Copied field by field: whatever else an actor object carried stays out of the record.
    actor: cause.actor ? { userId: cause.actor.userId, orgId: cause.actor.orgId, roles: [...cause.actor.roles] } : null,
    changedFields: changedFields(previous ? snapshotOf(previous) : null, state),
    state,
    proof: cause.proof,
  };
  // A consent stored before the ledger existed has no hash yet: its chain starts here.
  const previousHash = previous?.lastRevisionHash ?? GENESIS_HASH;
  return { ...content, previousHash, hash: chainHash(previousHash, content) };
}

export function revisionIdOf(consentId: string, revision: number): string {
  return `${consentId}:${revision}`;
}

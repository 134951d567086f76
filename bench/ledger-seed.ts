// Consents with a long history, stored as the worker stores them, for the ledger's benchmarks
// (bench:verify, and the revisions route of bench:read). Each consent is created and then updated
// by the worker's own decider (decideConsent: the same revisionOf, hash chain and aggregate the
// worker writes), and what it returns is stored as the worker's Mongo adapter stores it: the
// consent document with its outbox cleared (stored-consents.ts) and each revision under its
// revisionId (appendRevisions). Going through Kafka instead would cost a minute per 50,000
// updates on this machine and measure nothing the benchmarks are about.
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { CONSENT_REVISIONS, CONSENTS } from '../src/catalogue/collections.ts';
import type { CreateConsent, UpdateConsent } from '../src/domain/consent/commands.ts';
import type { Consent } from '../src/domain/consent/consent.ts';
import { decideConsent, NO_RATE_CONTEXT } from '../src/domain/consent/decide.ts';
import type { ConsentRevision } from '../src/domain/consent/revision.ts';
import { consentDocument } from '../test/support/stored-consents.ts';

export interface LedgerSeed {
  /** Consents to store, and how many revisions each (1 = created only). */
  readonly consents: number;
  readonly revisionsEach: number;
  /** The consent's id, service and user, by its index. */
  readonly consentIdOf: (i: number) => string;
  readonly serviceOf: (i: number) => string;
  readonly userOf: (i: number) => string;
  /** Called after each insert with the revisions stored so far. */
  readonly progress?: (revisions: number) => void;
}

const ACTOR = { userId: 'bench-actor', orgId: null, roles: ['service'] };
const PROOF = {
  noticeId: 'notice-bench', noticeVersion: '2026-12', textSha256: 'a'.repeat(64), method: 'WEB_FORM' as const,
  locale: 'en-GB', collectedAt: '2026-12-01T10:00:00Z', artifactUri: null,
};

function applied(command: CreateConsent | UpdateConsent, stored: Consent | null, now: Date): { aggregate: Consent; revision: ConsentRevision } {
  const decision = decideConsent(command, stored, NO_RATE_CONTEXT, now);
  if (decision.kind !== 'change' || !decision.revision) throw new Error(`${command.type} of ${command.consentId} was refused: ${JSON.stringify(decision)}`);
  return { aggregate: decision.aggregate, revision: decision.revision as ConsentRevision };
}

/** One consent's history: a create, then updates that flip its channel (every other one revokes and renews). */
function historyOf(seed: LedgerSeed, i: number, start: number): { document: Record<string, unknown>; revisions: Record<string, unknown>[] } {
  const base = { consentId: seed.consentIdOf(i), serviceId: seed.serviceOf(i), userId: seed.userOf(i) };
  const expiry = new Date(start + 365 * 86_400_000);
  let { aggregate, revision } = applied({
    type: 'CreateConsent', commandId: randomUUID(), ...base, status: 'ACTIVE', consentType: 'marketing',
    consentData: { channel: 'email' }, expiryTime: expiry, actor: ACTOR, proof: PROOF, createdAt: null,
  }, null, new Date(start));
  const revisions = [{ ...revision, _id: revision.revisionId }];
  for (let n = 2; n <= seed.revisionsEach; n += 1) {
    ({ aggregate, revision } = applied({
      type: 'UpdateConsent', commandId: randomUUID(), ...base, consentVersion: n, status: null, consentType: null,
      consentData: { channel: n % 2 === 0 ? 'sms' : 'email' }, expiryTime: null, actor: ACTOR, proof: n % 5 === 0 ? PROOF : null,
    }, aggregate, new Date(start + n * 1_000)));
    revisions.push({ ...revision, _id: revision.revisionId });
  }
  return { document: consentDocument(aggregate), revisions };
}

/** Stores the consents and their revisions; resolves with the revisions stored. */
export async function seedLedger(db: Db, seed: LedgerSeed): Promise<number> {
  const consents = db.collection(CONSENTS) as unknown as Collection<Record<string, unknown>>;
  const revisions = db.collection(CONSENT_REVISIONS) as unknown as Collection<Record<string, unknown>>;
  const start = Date.now() - 86_400_000;
  let stored = 0;
  // About 5,000 revisions an insert: big enough to be quick, small enough for FerretDB's batches.
  const perInsert = Math.max(1, Math.floor(5_000 / seed.revisionsEach));
  for (let from = 0; from < seed.consents; from += perInsert) {
    const histories = [];
    for (let i = from; i < Math.min(seed.consents, from + perInsert); i += 1) histories.push(historyOf(seed, i, start));
    await revisions.insertMany(histories.flatMap((h) => h.revisions), { ordered: false });
    await consents.insertMany(histories.map((h) => h.document), { ordered: false });
    stored += histories.reduce((sum, h) => sum + h.revisions.length, 0);
    seed.progress?.(stored);
  }
  return stored;
}

// The consent ledger seen from outside: every change of a consent through Kafka (create, update,
// org request and decision, expiry by the sweep) leaves exactly one revision in
// consent_revisions, chained by hash to the one before and to the consent document, with the
// proof it was given; the change event carries the revision's hash. A redelivery adds none, and
// a revision a crash left owed in an outbox is stored by the next start-up's recovery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/adapters/redis/redis-services.ts';
import { decideConsent, NO_RATE_CONTEXT } from '../../src/domain/consent/decide.ts';
import type { ConsentRevision } from '../../src/domain/consent/revision.ts';
import { GENESIS_HASH } from '../../src/domain/ledger/hash-chain.ts';
import { verifyChain } from '../../src/domain/ledger/verify-chain.ts';
import { userConsentState } from '../support/stored-consents.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const PROOF = {
  noticeId: 'notice-marketing', noticeVersion: '2026-11', textSha256: 'b'.repeat(64), method: 'WEB_FORM',
  locale: 'en-GB', collectedAt: '2026-12-06T10:00:00+01:00', artifactUri: null,
};
const OWNER = { userId: 'owner-rev', orgId: 'org-rev', roles: ['org_owner'] };

const revisionsCollection = () => h.mongo.db(h.config.mongodbDatabase).collection<Record<string, unknown>>('consent_revisions');
const consentsCollection = () => h.mongo.db(h.config.mongodbDatabase).collection<Record<string, unknown>>('consents');

async function revisionsOf(consentId: string): Promise<Record<string, unknown>[]> {
  return revisionsCollection().find({ consentId }).sort({ revision: 1 }).toArray();
}

/** The revisions once `count` are stored (they are stored before the event is published). */
async function awaitRevisions(consentId: string, count: number): Promise<Record<string, unknown>[]> {
  for (let waited = 0; waited < 20_000; waited += 100) {
    const found = await revisionsOf(consentId);
    if (found.length >= count) return found;
    await sleep(100);
  }
  return revisionsOf(consentId);
}

async function verdictOf(consentId: string) {
  const doc = await consentsCollection().findOne({ _id: consentId } as never);
  const state = doc?.['state'] as { version: number; lastRevisionHash?: string } | undefined;
  return verifyChain(consentId, await revisionsOf(consentId), state ? { version: state.version, lastRevisionHash: state.lastRevisionHash ?? null } : null);
}

describe('the revisions of a consent', () => {
  it('records create, update and revoke as revisions 1–3, chained, with proof, and their hashes in the events', async () => {
    const consentId = 'rev-user-1';
    const base = { consentId, serviceId: 'svc-rev', userId: 'user-rev-1' };
    const created = await h.consent('CreateConsent', { ...base, status: 'ACTIVE', consentData: { channel: 'email' }, proof: PROOF }, { actor: { userId: 'user-rev-1' } });
    expect((await h.result(created))['statusCode']).toBe('201');
    const updated = await h.consent('UpdateConsent', { ...base, consentVersion: 2, consentData: { channel: 'sms' } });
    expect((await h.result(updated))['statusCode']).toBe('200');
    const revoked = await h.consent('UpdateConsent', { ...base, consentVersion: 3, status: 'REVOKED' });
    expect((await h.result(revoked))['statusCode']).toBe('200');

    const revisions = await awaitRevisions(consentId, 3);
    expect(revisions.map((r) => [r['_id'], r['revision'], r['causationId'], r['changeType'], r['changedFields']])).toEqual([
      [`${consentId}:1`, 1, created, 'ConsentCreated', ['consentData', 'consentId', 'createdAt', 'kind', 'serviceId', 'status', 'userId']],
      [`${consentId}:2`, 2, updated, 'ConsentUpdated', ['consentData']],
      [`${consentId}:3`, 3, revoked, 'ConsentRevoked', ['status']],
    ]);
    expect(revisions[0]).toMatchObject({ proof: PROOF, actor: { userId: 'user-rev-1', orgId: null, roles: [] }, previousHash: GENESIS_HASH, state: { status: 'ACTIVE', version: 1 } });
    expect(revisions[1]).toMatchObject({ proof: null, actor: null, previousHash: revisions[0]?.['hash'] });
    expect((await verdictOf(consentId)).firstBreak).toBeNull();

    const event = await h.waitForEvent(consentId, 'ConsentCreated');
    expect(event).toMatchObject({ revisionHash: revisions[0]?.['hash'], proof: PROOF });
    expect((await h.waitForEvent(consentId, 'ConsentRevoked'))['revisionHash']).toBe(revisions[2]?.['hash']);
  });

  it('records an org request and its decision, with the deciding actor and never an email', async () => {
    const consentId = 'rev-org-1';
    const requested = await h.consent('RequestOrgConsent', { consentId, sourceUserId: 'user-rev-2', targetOrgId: 'org-rev', targetOrgOwnerEmail: 'owner@rev.example' });
    expect((await h.result(requested))['statusCode']).toBe('201');
    const decided = await h.consent('DecideOrgConsent', { orgId: 'org-rev', consentId, action: 'APPROVE', proof: { ...PROOF, method: 'API' } }, { actor: OWNER });
    expect((await h.result(decided))['statusCode']).toBe('200');

    const revisions = await awaitRevisions(consentId, 2);
    expect(revisions[1]).toMatchObject({ revision: 2, changeType: 'ConsentApproved', actor: OWNER, proof: { method: 'API' }, changedFields: ['decidedBy', 'status'] });
    expect(JSON.stringify(revisions.map((r) => r['actor']))).not.toContain('@');
    expect((await verdictOf(consentId)).firstBreak).toBeNull();
  });

  it('records the sweep\'s expiry as a revision caused by the sweep, with no actor', async () => {
    const consentId = 'rev-expiry-1';
    const created = await h.consent('CreateConsent', { consentId, serviceId: 'svc-rev', userId: 'user-rev-3', status: 'ACTIVE', expiryTime: inMs(1_500) });
    expect((await h.result(created))['statusCode']).toBe('201');
    await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000);
    const revisions = await awaitRevisions(consentId, 2);
    expect(revisions[1]).toMatchObject({ revision: 2, changeType: 'ConsentExpired', actor: null, changedFields: ['status'] });
    expect(String(revisions[1]?.['causationId'])).toMatch(/^expiry-sweep:/);
    expect((await verdictOf(consentId)).firstBreak).toBeNull();
  });

  it('adds no revision for a refused command or a redelivered one', async () => {
    const consentId = 'rev-redelivered-1';
    const base = { consentId, serviceId: 'svc-rev', userId: 'user-rev-4' };
    const created = await h.consent('CreateConsent', { ...base, status: 'ACTIVE' });
    await h.result(created);
    await h.consent('CreateConsent', { ...base, status: 'ACTIVE' }, { commandId: created }); // the same command again
    const stale = await h.consent('UpdateConsent', { ...base, consentVersion: 5, status: 'REVOKED' });
    expect((await h.result(stale))['statusCode']).toBe('409');
    await sleep(1_000);
    expect((await revisionsOf(consentId)).map((r) => r['revision'])).toEqual([1]);
  });

  it('refuses a malformed proof with 400 naming the field, and stores nothing', async () => {
    const consentId = 'rev-bad-proof';
    const sent = await h.consent('CreateConsent', { consentId, serviceId: 'svc-rev', userId: 'user-rev-5', status: 'ACTIVE', proof: { ...PROOF, textSha256: 'XYZ' } });
    expect(await h.result(sent)).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'proof.textSha256' });
    expect(await revisionsOf(consentId)).toEqual([]);
  });

  it('stores the revision a crash left owed in an outbox when a replica starts', async () => {
    const consentId = 'rev-crashed-1';
    const stored = { ...userConsentState(consentId, new Date(Date.now() - 5_000), { serviceId: 'svc-rev', userId: 'user-rev-6' }), lastRevisionHash: 'c'.repeat(64) };
    const decision = decideConsent({ type: 'ExpireConsent', commandId: 'expiry-sweep:crashed', consentId }, stored, NO_RATE_CONTEXT, new Date());
    if (decision.kind !== 'change' || !decision.revision) throw new Error('expected an expiry');
    const revision = decision.revision as ConsentRevision;
    const event = decision.events[0]!;
    await consentsCollection().insertOne({
      _id: consentId, version: 2, state: decision.aggregate, owes: true, appliedCommandIds: [], dueAt: null,
      outbox: [{ id: event.eventId, kind: 'event', key: consentId, body: JSON.stringify({ ...event, state: { type: 'ConsentState', value: event.state } }),
        revision: JSON.stringify({ id: revision.revisionId, body: revision }) }],
    } as never);
    const redis = connectRedis(h.config.redisUrl, h.config.redisKeyPrefix);
    try {
      await redis.owing.mark([`consents:${consentId}`]);
    } finally {
      await redis.close();
    }

    await h.startReplica();

    expect(await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000)).toMatchObject({ revisionHash: revision.hash });
    expect(await awaitRevisions(consentId, 1)).toEqual([{ _id: revision.revisionId, ...revision }]);
  });
});

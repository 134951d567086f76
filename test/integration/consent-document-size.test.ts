// The ledger keeps a consent's history out of its document (issue 17's target): a consent changed
// 200 times through Kafka is stored, at rest (outbox cleared), in a document of the same size as
// after 2 changes, while all 201 revisions are in the ledger. The one part of the document that
// grows with the number of commands is the bounded window of applied command ids (redelivery
// detection, at most APPLIED_COMMANDS_KEPT): it is compared apart, full once the window is full.
import { BSON } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLIED_COMMANDS_KEPT } from '../../src/pipeline/apply-round.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
// Outboxes cleared right after their publish, so "at rest" comes within a second.
beforeAll(async () => { h = await startHarness({ OUTBOX_CLEAR_DELAY_MS: '0' }); });
afterAll(async () => { await h?.stop(); });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const consents = () => h.mongo.db(h.config.mongodbDatabase).collection<Record<string, unknown>>('consents');
const revisions = () => h.mongo.db(h.config.mongodbDatabase).collection<Record<string, unknown>>('consent_revisions');

const consentId = 'doc-size-1';
const base = { consentId, serviceId: 'svc-doc-size', userId: 'user-doc-size-1' };

/** Sends the updates that take the consent to `version` (same-length values, so only history could grow), awaiting each answer. */
async function updateTo(from: number, version: number): Promise<void> {
  const sent: string[] = [];
  for (let v = from; v <= version; v += 1) {
    sent.push(await h.consent('UpdateConsent', { ...base, consentVersion: v, consentData: { channel: v % 2 === 0 ? 'sms1' : 'mail' } }));
  }
  for (const commandId of sent) expect((await h.result(commandId, 60_000))['statusCode'], commandId).toBe('200');
}

/** The stored document once it is at `version` with its outbox cleared, as read back. */
async function atRest(version: number): Promise<Record<string, unknown>> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const doc = await consents().findOne({ _id: consentId } as never);
    if (doc?.['version'] === version && doc['owes'] === false && (doc['outbox'] as unknown[]).length === 0) return doc;
    await sleep(100);
  }
  throw new Error(`${consentId} not at rest at version ${version} within 30 s`);
}

const bsonSize = (doc: Record<string, unknown>): number => BSON.calculateObjectSize(doc);
const withoutAppliedIds = ({ appliedCommandIds: _ids, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;

describe('the consent document as its history grows', () => {
  it('stays the size it is after 2 changes when changed 200 times, its history all in the ledger', async () => {
    expect((await h.result(await h.consent('CreateConsent', { ...base, status: 'ACTIVE', consentData: { channel: 'mail' } })))['statusCode']).toBe('201');
    await updateTo(2, 3);
    const afterTwo = await atRest(3);
    await updateTo(4, 101);
    const afterHundred = await atRest(101);
    await updateTo(102, 201);
    const afterTwoHundred = await atRest(201);

    expect(await revisions().countDocuments({ consentId })).toBe(201);
    expect(bsonSize(withoutAppliedIds(afterTwoHundred))).toBe(bsonSize(withoutAppliedIds(afterTwo)));
    // The applied-ids window is full from the 64th command on: the whole document is flat too.
    expect((afterHundred['appliedCommandIds'] as unknown[]).length).toBe(APPLIED_COMMANDS_KEPT);
    expect(bsonSize(afterTwoHundred)).toBe(bsonSize(afterHundred));
  }, 180_000);
});

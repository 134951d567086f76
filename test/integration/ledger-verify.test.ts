// `consent-worker verify` against the real servers: chains written by the worker verify intact;
// an edited revision, a deleted one (in the middle, and the last), and two swapped are each
// caught, by `verify consent <id>` and by `verify --all`, which names the first broken link of
// each broken chain, leaves the intact ones alone and exits 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
// Outboxes cleared right after their publish: a revision still owed in an outbox counts as
// written (verify reads it from there), and these tests tamper with the stored ones only.
beforeAll(async () => { h = await startHarness({ OUTBOX_CLEAR_DELAY_MS: '0' }); });
afterAll(async () => { await h?.stop(); });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const revisions = () => h.mongo.db(h.config.mongodbDatabase).collection<Record<string, unknown>>('consent_revisions');
const consents = () => h.mongo.db(h.config.mongodbDatabase).collection<Record<string, unknown>>('consents');

/** A consent with four revisions (created, three updates), stored and its outbox cleared. */
async function consentWithFourRevisions(consentId: string): Promise<void> {
  const base = { consentId, serviceId: 'svc-verify', userId: `user-${consentId}` };
  expect((await h.result(await h.consent('CreateConsent', { ...base, status: 'ACTIVE', consentData: { n: '1' } })))['statusCode']).toBe('201');
  for (const version of [2, 3, 4]) {
    expect((await h.result(await h.consent('UpdateConsent', { ...base, consentVersion: version, consentData: { n: String(version) } })))['statusCode']).toBe('200');
  }
  for (let waited = 0; waited < 20_000; waited += 100) {
    const doc = await consents().findOne({ _id: consentId } as never);
    if (doc?.['owes'] === false && (await revisions().countDocuments({ consentId })) === 4) return;
    await sleep(100);
  }
  throw new Error(`${consentId}: four revisions not stored with the outbox cleared within 20 s`);
}

const ids = {
  intact: 'verify-intact', edited: 'verify-edited', middle: 'verify-middle-gone', last: 'verify-last-gone', swapped: 'verify-swapped',
  document: 'verify-document-edited',
};

describe('consent-worker verify', () => {
  beforeAll(async () => {
    await Promise.all(Object.values(ids).map(consentWithFourRevisions));
  });

  it('finds the chains the worker wrote intact', async () => {
    const one = await runCli(h.config, ['verify', 'consent', ids.intact]);
    expect(one).toMatchObject({ code: 0 });
    expect(one.stdout).toContain(`OK ${ids.intact}: 4 revisions`);
    const all = await runCli(h.config, ['verify', '--all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('OK: 6 consents, 24 revisions verified, 0 broken chains');
    expect(all.stderr).toMatch(/verify .*24.* revisions, 6 consents, [\d,]+ revisions\/s/);
  });

  it('catches an edited, a deleted middle, a deleted last and two swapped revisions, naming each first broken link', async () => {
    await revisions().updateOne({ _id: `${ids.edited}:2` } as never, { $set: { 'state.consentData': { n: 'forged' } } });
    await revisions().deleteOne({ _id: `${ids.middle}:2` } as never);
    await revisions().deleteOne({ _id: `${ids.last}:4` } as never);
    // Swapped: revision 2's record now claims to be revision 3, and 3's to be 2.
    await revisions().updateOne({ _id: `${ids.swapped}:2` } as never, { $set: { revision: 3, revisionId: `${ids.swapped}:3` } });
    await revisions().updateOne({ _id: `${ids.swapped}:3` } as never, { $set: { revision: 2, revisionId: `${ids.swapped}:2` } });
    // The live document altered, its version and lastRevisionHash left as they were.
    await consents().updateOne({ _id: ids.document } as never, { $set: { 'state.consentData': { n: 'forged' } } });

    const expected: Record<string, RegExp> = {
      [ids.edited]: new RegExp(`^BROKEN ${ids.edited} at revision 2: revision 2 was altered`, 'm'),
      [ids.middle]: new RegExp(`^BROKEN ${ids.middle} at revision 2: revision 2 is missing`, 'm'),
      [ids.last]: new RegExp(`^BROKEN ${ids.last} at revision 4: revision 4 is missing .*consent is at version 4`, 'm'),
      [ids.swapped]: new RegExp(`^BROKEN ${ids.swapped} at revision 2: `, 'm'),
      [ids.document]: new RegExp(`^BROKEN ${ids.document} at revision 4: the consent document's state differs from the state revision 4 recorded`, 'm'),
    };
    for (const [consentId, line] of Object.entries(expected)) {
      const one = await runCli(h.config, ['verify', 'consent', consentId]);
      expect(one.code, `${consentId}: ${one.stdout}${one.stderr}`).toBe(1);
      expect(one.stdout).toMatch(line);
    }
    const all = await runCli(h.config, ['verify', '--all']);
    expect(all.code).toBe(1);
    for (const line of Object.values(expected)) expect(all.stdout).toMatch(line);
    expect(all.stdout).not.toContain(ids.intact);
    expect(all.stdout).toContain('BROKEN: 6 consents');
    expect(all.stdout).toContain('5 broken chains');
  });
});

// consent-worker import and export against the real servers, run as an operator runs them (the
// CLI as a process): an import goes through the commands topic like any producer, so its
// consents are written by the worker with their events; it is idempotent, resumable after a
// kill -9, and reports its refused lines; an export's lines import again.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envOf, jsonLines, runCli } from '../support/cli.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/consent-worker.mjs');
const CREATED = '2019-05-06T07:08:09.000Z';

interface Refused { line: number; statusCode: string; errorCode: string | null; field: string | null }

const line = (fields: Record<string, unknown>): string => JSON.stringify(fields);
const consentLine = (serviceId: string, n: number, more: Record<string, unknown> = {}): string => line({
  consentId: `${serviceId}-c${n}`, serviceId, userId: `user-${n % 7}`, status: 'ACTIVE', consentType: 'marketing',
  consentData: { channel: 'email' }, createdAt: CREATED, ...more,
});

async function stored(harness: Harness, consentId: string): Promise<Record<string, unknown> | null> {
  const doc = await harness.mongo.db(harness.config.mongodbDatabase).collection<{ _id: string; state: Record<string, unknown> }>('consents')
    .findOne({ _id: consentId });
  return doc?.state ?? null;
}

async function revisionCount(harness: Harness, consentIds: readonly string[]): Promise<Map<string, number>> {
  const docs = await harness.mongo.db(harness.config.mongodbDatabase).collection<{ consentId: string }>('consent_revisions')
    .find({ consentId: { $in: [...consentIds] } }, { projection: { consentId: 1 } }).toArray();
  const counts = new Map<string, number>(consentIds.map((id) => [id, 0]));
  for (const doc of docs) counts.set(doc.consentId, (counts.get(doc.consentId) ?? 0) + 1);
  return counts;
}

const created = (harness: Harness, consentId: string): number =>
  harness.events(consentId).filter((e) => e['eventType'] === 'ConsentCreated').length;

let harness: Harness;
let dir: string;

beforeAll(async () => {
  harness = await startHarness();
  dir = await mkdtemp(path.join(tmpdir(), 'cw-import-'));
}, 60_000);

afterAll(async () => {
  await harness?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('consent-worker import', () => {
  const service = 'svc-import-a';
  const good = [1, 2, 3, 4, 5].map((n) => `${service}-c${n}`);

  it('applies the good lines through the worker with their events, and reports each refused line by number, status and field', async () => {
    const file = path.join(dir, 'mixed.ndjson');
    await writeFile(file, [
      consentLine(service, 1),
      consentLine(service, 2, { status: 'REVOKED', expiryTime: inMs(86_400_000) }),
      '{"consentId": not json',
      consentLine(service, 3, { userId: 'u!' }),
      consentLine(service, 4),
      '',
      consentLine(service, 9, { expiryTime: '2020-01-01T00:00:00Z' }),
      consentLine(service, 5, { createdAt: null }),
      consentLine(service, 1, { consentData: { channel: 'sms' } }),
      consentLine(service, 10, { createdAt: inMs(86_400_000) }),
    ].join('\n'));

    const run = await runCli(harness.config, ['import', file, '--json']);

    expect(run.code).toBe(1);
    const refused = jsonLines<Refused>(run.stdout).map(({ line: n, statusCode, errorCode, field }) => ({ line: n, statusCode, errorCode, field }));
    expect(refused).toEqual([
      { line: 3, statusCode: '400', errorCode: 'INVALID_LINE', field: null },
      { line: 4, statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'userId' },
      { line: 7, statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'expiryTime' },
      { line: 9, statusCode: '409', errorCode: 'CONSENT_ID_TAKEN', field: null },
      { line: 10, statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'createdAt' },
    ]);
    for (const consentId of [`${service}-c1`, `${service}-c2`, `${service}-c4`, `${service}-c5`]) {
      await harness.waitForEvent(consentId, 'ConsentCreated');
      expect(await stored(harness, consentId)).toMatchObject({ version: 1 });
    }
    expect(await stored(harness, `${service}-c1`)).toMatchObject({ createdAt: CREATED, consentData: { channel: 'email' } });
    expect(await stored(harness, `${service}-c2`)).toMatchObject({ status: 'REVOKED' });
    expect((await stored(harness, `${service}-c5`))?.['createdAt']).not.toBe(CREATED); // no createdAt: the time of the write
    expect(await stored(harness, `${service}-c3`)).toBeNull();
    expect(existsSync(`${file}.import-state.json`)).toBe(false); // a finished run leaves no checkpoint
  }, 90_000);

  it('changes nothing when the same file is imported again: the same refusals, no new version and no new event', async () => {
    const file = path.join(dir, 'mixed.ndjson');
    const run = await runCli(harness.config, ['import', file]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/0 applied, 4 already applied .*, 5 refused/);
    expect(run.stdout).toMatch(/^line\tstatus\terrorCode\tfield/);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // an event a re-run wrongly caused would be here by now
    for (const consentId of good.filter((id) => !id.endsWith('c3'))) {
      expect(created(harness, consentId)).toBe(1);
      expect(harness.events(consentId)).toHaveLength(1);
      expect(await stored(harness, consentId)).toMatchObject({ version: 1 });
    }
    const applied = good.filter((id) => !id.endsWith('c3'));
    expect([...(await revisionCount(harness, applied)).values()]).toEqual(applied.map(() => 1)); // the ledger: one revision each
  }, 90_000);

  it('resumes after a kill -9 from its checkpoint and applies every consent exactly once', async () => {
    const resumeService = 'svc-import-resume';
    const count = 3_000;
    const file = path.join(dir, 'resume.ndjson');
    await writeFile(file, Array.from({ length: count }, (_, i) => consentLine(resumeService, i + 1)).join('\n'));
    const state = path.join(dir, 'resume.state.json');

    // Paced so the kill lands mid-way: killed once the checkpoint has moved past the start.
    const child = spawn(process.execPath, [BIN, 'import', file, '--state', state, '--rate', '600'], {
      env: { ...process.env, ...envOf(harness.config) }, stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let checkpointed = 0;
    while (checkpointed < 300) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (existsSync(state)) checkpointed = (JSON.parse(await readFile(state, 'utf8')) as { line: number }).line;
    }
    child.kill('SIGKILL');
    await exited;
    expect(checkpointed).toBeLessThan(count);
    // Nothing goes on in the background once the CLI is killed (a launcher that started a second
    // node left it importing and checkpointing beside the resumed run).
    const atKill = await readFile(state, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // past the once-a-second checkpoint save
    expect(await readFile(state, 'utf8')).toBe(atKill);

    const resumed = await runCli(harness.config, ['import', file, '--state', state]);

    expect(resumed.code, `${resumed.stderr}\n${resumed.stdout.slice(0, 2_000)}`).toBe(0);
    expect(resumed.stderr).toContain(`${count}/${count} lines answered`);
    const consents = harness.mongo.db(harness.config.mongodbDatabase).collection('consents');
    expect(await consents.countDocuments({ ownerKey: { $gt: `${resumeService}/`, $lt: `${resumeService}0` } })).toBe(count);
    await harness.waitForEvent(`${resumeService}-c${count}`, 'ConsentCreated');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const doubled = Array.from({ length: count }, (_, i) => `${resumeService}-c${i + 1}`).filter((id) => created(harness, id) !== 1);
    expect(doubled).toEqual([]);
    const ids = Array.from({ length: count }, (_, i) => `${resumeService}-c${i + 1}`);
    const revisions = await revisionCount(harness, ids);
    expect(ids.filter((id) => revisions.get(id) !== 1)).toEqual([]);
  }, 120_000);
});

describe('consent-worker export', () => {
  it('streams the service\'s consents with read-time expiry, and its lines import again as the same consents', async () => {
    const service = 'svc-export-a';
    const file = path.join(dir, 'export-source.ndjson');
    const expiresAt = Date.now() + 15_000; // after the import's own start-up (joining the results topics)
    await writeFile(file, [
      consentLine(service, 1),
      consentLine(service, 2, { status: 'REVOKED' }),
      consentLine(service, 3, { expiryTime: new Date(expiresAt).toISOString() }),
      consentLine(service, 4, { consentData: { channel: 'post', lang: 'pt' }, proof: null }),
    ].join('\n'));
    const imported = await runCli(harness.config, ['import', file]);
    expect(imported.stdout).toBe('');
    expect(imported.code).toBe(0);
    // c3's expiry passes (swept or not yet, it reads EXPIRED)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 500));

    const exported = await runCli(harness.config, ['export', '--service', service]);

    expect(exported.code).toBe(0);
    const lines = jsonLines<Record<string, unknown>>(exported.stdout);
    expect(lines.map((l) => [l['consentId'], l['status']])).toEqual([
      [`${service}-c1`, 'ACTIVE'], [`${service}-c2`, 'REVOKED'], [`${service}-c3`, 'EXPIRED'], [`${service}-c4`, 'ACTIVE'],
    ]);
    expect(lines[0]).toMatchObject({ serviceId: service, userId: 'user-1', createdAt: CREATED, consentData: { channel: 'email' }, consentVersion: 1 });

    // Into a second worker with its own database: the ACTIVE and REVOKED ones come back the same;
    // an EXPIRED consent cannot be created (no command makes one), and the report says so.
    const target = await startHarness();
    try {
      const exportFile = path.join(dir, 'exported.ndjson');
      await writeFile(exportFile, exported.stdout);
      const reimported = await runCli(target.config, ['import', exportFile, '--json']);
      expect(jsonLines<Refused>(reimported.stdout).map((r) => [r.line, r.statusCode, r.field])).toEqual([[3, '400', 'status']]);
      const again = jsonLines<Record<string, unknown>>((await runCli(target.config, ['export', '--service', service])).stdout);
      const comparable = ({ updatedAt: _u, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;
      expect(again.map(comparable)).toEqual(lines.filter((l) => l['status'] !== 'EXPIRED').map(comparable));
    } finally {
      await target.stop();
    }
  }, 120_000);

  it('with --revisions, writes each consent\'s stored revisions in revision order, and the latest proof given', async () => {
    const service = 'svc-export-rev';
    const file = path.join(dir, 'export-rev.ndjson');
    await writeFile(file, [consentLine(service, 1), consentLine(service, 2)].join('\n'));
    expect((await runCli(harness.config, ['import', file])).code).toBe(0);
    // Revisions numbered past any the worker writes in this test, stored out of order, as the
    // ledger stores them (docs/ledger.md): whatever the worker wrote for c1 comes first. The
    // consent is moved to version 8 so they are its chain; a revision past its version (one
    // stored after the export read the consent) is not part of what the export shows.
    const proof = { noticeId: 'notice-1', noticeVersion: '2', textSha256: 'a'.repeat(64), method: 'PAPER', locale: 'en', collectedAt: CREATED, artifactUri: null };
    const consentId = `${service}-c1`;
    const revisions = harness.mongo.db(harness.config.mongodbDatabase).collection<{ _id: string; consentId: string; revision: number; changeType: string; proof: unknown }>('consent_revisions');
    await revisions.insertMany([
      { _id: `${consentId}:8`, consentId, revision: 8, changeType: 'ConsentUpdated', proof: null },
      { _id: `${consentId}:7`, consentId, revision: 7, changeType: 'ConsentUpdated', proof },
    ]);
    const stored = (await revisions.find({ consentId }, { projection: { _id: 0 } }).toArray()).sort((a, b) => a.revision - b.revision);
    await revisions.insertOne({ _id: `${consentId}:9`, consentId, revision: 9, changeType: 'ConsentUpdated', proof: null });
    await harness.mongo.db(harness.config.mongodbDatabase).collection<{ _id: string }>('consents').updateOne({ _id: consentId }, { $set: { 'state.version': 8 } });

    const withHistory = jsonLines<Record<string, unknown>>((await runCli(harness.config, ['export', '--service', service, '--revisions'])).stdout);
    const without = jsonLines<Record<string, unknown>>((await runCli(harness.config, ['export', '--service', service])).stdout);

    const first = withHistory.find((l) => l['consentId'] === consentId)!;
    expect((first['revisions'] as { revision: number }[]).map((r) => r.revision)).toEqual([1, 7, 8]);
    expect(first['revisions']).toEqual(stored);
    expect(first['proof']).toEqual(proof); // revision 8 gave none: 7's is the latest
    expect(without.find((l) => l['consentId'] === consentId)).not.toHaveProperty('revisions');
    expect(without.find((l) => l['consentId'] === consentId)).not.toHaveProperty('proof'); // the ledger is read only with --revisions
  }, 90_000);
});

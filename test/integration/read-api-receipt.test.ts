// The receipt for a data subject against the real servers: GET /v1/users/{userId}/receipt holds
// every consent about the user across services (USER consents of two services, an ORG consent the
// user asked for) and nobody else's, with each chain, read-time expiry on the current state; only
// the user may read it; `consent-worker receipt` writes the same JSON; `consent-worker
// verify-receipt` checks it with no server settings at all, and names what an edit broke; and the
// stand-alone Python check of docs/examples/python/verify_receipt.py agrees (skipped without python3).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongoReadStore } from '../../src/adapters/mongodb/consent-reads.ts';
import { receiptDigest } from '../../src/domain/ledger/receipt.ts';
import { verifyReceipt } from '../../src/domain/ledger/verify-receipt.ts';
import { envOf, runCli } from '../support/cli.ts';
import { orgToken, serviceToken, startReadApiOverWorker, tokenFor, userToken, type ReadApiUnderTest } from '../support/read-api.ts';
import { uid } from '../support/ids.ts';
import { inMs, type Harness } from '../support/worker-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/consent-worker.mjs');
const PYTHON_CHECK = path.join(ROOT, 'docs/examples/python/verify_receipt.py');
const BACKFILL = path.join(ROOT, 'src/tools/backfill-read-keys.ts');
const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython) console.warn('SKIPPED the Python receipt check: python3 is not on PATH');

let h: Harness;
let api: ReadApiUnderTest;
let stop: (() => Promise<void>) | undefined;
let dir: string;
beforeAll(async () => {
  ({ h, api, stop } = await startReadApiOverWorker());
  dir = await mkdtemp(path.join(tmpdir(), 'receipt-'));
});
afterAll(async () => { await stop?.(); });

const PROOF = {
  noticeId: 'notice-terms', noticeVersion: '7', textSha256: 'c'.repeat(64), method: 'MOBILE_APP',
  locale: 'pt-BR', collectedAt: '2026-12-01T10:00:00-03:00', artifactUri: null,
};

async function ok(commandId: string, status: string): Promise<void> {
  expect(await h.result(commandId)).toMatchObject({ statusCode: status });
}

/** The user's consents: two services (one lapsing in a second), an org request; and a stranger's. */
async function world(userId: string): Promise<{ ids: string[]; lapsing: string; foreign: string }> {
  const [a, b, lapsing, org, foreign] = [uid('c'), uid('c'), uid('c'), uid('oc'), uid('c')];
  const [svc1, svc2, orgId] = [uid('svc'), uid('svc'), uid('org')];
  await ok(await h.consent('CreateConsent', { consentId: a, serviceId: svc1, userId, status: 'ACTIVE', consentData: { k: '1' }, proof: PROOF }), '201');
  await ok(await h.consent('UpdateConsent', { consentId: a, serviceId: svc1, userId, consentVersion: 2, status: 'REVOKED' }), '200');
  await ok(await h.consent('CreateConsent', { consentId: b, serviceId: svc2, userId, status: 'ACTIVE', consentData: {} }), '201');
  await ok(await h.consent('CreateConsent', { consentId: lapsing, serviceId: svc2, userId, status: 'ACTIVE', consentData: {}, expiryTime: inMs(1_000) }), '201');
  await ok(await h.consent('RequestOrgConsent', { consentId: org, sourceUserId: userId, targetOrgId: orgId, targetOrgOwnerEmail: 'owner@example.org' }), '201');
  await ok(await h.consent('CreateConsent', { consentId: foreign, serviceId: svc1, userId: uid('usr'), status: 'ACTIVE', consentData: {} }), '201');
  await new Promise((resolve) => setTimeout(resolve, 1_200)); // the lapsing one's expiry passes (the sweep is off)
  return { ids: [a, b, lapsing, org].sort(), lapsing, foreign };
}

interface ReceiptBody { consents: { consentId: string; expiredAtRead: boolean; current: { status: string }; revisions: { revision: number }[] }[]; totals: unknown; digest: { value: string } }

describe('the receipt for a data subject', () => {
  let userId = '';
  let receipt: ReceiptBody;
  let seen: Awaited<ReturnType<typeof world>>;
  let file = '';

  beforeAll(async () => {
    userId = uid('usr');
    seen = await world(userId);
    const answer = await api.get(`/v1/users/${userId}/receipt`, await userToken(userId));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    receipt = answer.body as unknown as ReceiptBody;
    file = path.join(dir, `${userId}.json`);
    await writeFile(file, JSON.stringify(receipt));
  });

  it('holds every consent about the user across services, with its chain, and verifies as served', () => {
    expect(receipt.consents.map((c) => c.consentId)).toEqual(seen.ids);
    expect(JSON.stringify(receipt)).not.toContain(seen.foreign);
    expect(receipt.consents.find((c) => c.consentId === seen.lapsing)).toMatchObject({ expiredAtRead: true, current: { status: 'EXPIRED' } });
    expect(receipt.totals).toEqual({ consents: 4, revisions: 5 });
    expect(receipt.consents.map((c) => c.revisions.map((r) => r.revision))).toContainEqual([1, 2]);
    expect(verifyReceipt(receipt)).toMatchObject({ consents: 4, revisions: 5, problems: [] });
  });

  it('is the user\'s only: every other caller is refused as a CspErrorResponse', async () => {
    const cases: [string | null, number][] = [
      [null, 401],
      [await userToken(uid('usr')), 403],
      [await serviceToken(uid('svc')), 403],
      [await orgToken(uid('org'), 'org_owner'), 403],
      [await tokenFor({ sub: 'svc-x', roles: ['service'], userId }), 403], // the userId claim alone is not the user role
    ];
    for (const [token, status] of cases) {
      const answer = await api.get(`/v1/users/${userId}/receipt`, token);
      expect(answer.status).toBe(status);
      expect(Object.keys(answer.body).sort()).toEqual(['cspErrorCode', 'errorCode', 'message', 'moduleCode', 'requestId', 'statusCode']);
    }
    expect((await api.get('/v1/users/x/receipt', await userToken('x'))).body).toMatchObject({ statusCode: 400, errorCode: 'VALIDATION_FAILED' });
  });

  it('is the same JSON from consent-worker receipt, but for its id and time', async () => {
    const out = path.join(dir, `${userId}-cli.json`);
    const run = await runCli(h.config, ['receipt', '--user', userId, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const fromCli = JSON.parse(await readFile(out, 'utf8')) as ReceiptBody & Record<string, unknown>;
    const strip = ({ receiptId: _i, generatedAt: _g, digest: _d, ...rest }: Record<string, unknown>): unknown => rest;
    expect(strip(fromCli)).toEqual(strip(receipt as never));
    expect(verifyReceipt(fromCli).problems).toEqual([]);
  });

  it('is verified by consent-worker verify-receipt with no server settings at all, which names each edit', async () => {
    // The worker's settings removed, and its servers pointed at closed ports: the defaults would
    // reach the development stack, so a verify that connected anywhere would fail here.
    const bare = {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(MONGODB|KAFKA|REDIS|SCHEMA_REGISTRY|CONSENT_|PERMISSION_)/.test(name))),
      MONGODB_URI: 'mongodb://127.0.0.1:1/', KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1',
    };
    const verify = async (target: string): Promise<{ code: number; stdout: string }> => {
      try {
        const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'verify-receipt', target], { env: bare, timeout: 30_000 });
        return { code: 0, stdout };
      } catch (error) {
        return { code: (error as { code: number }).code, stdout: (error as { stdout: string }).stdout };
      }
    };
    expect(await verify(file)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^OK: 4 consents, 5 revisions verified, 0 problems/m) });

    const revoked = receipt.consents.find((c) => c.revisions.length === 2)!;
    const tampered = structuredClone(receipt);
    const entry = tampered.consents.find((c) => c.consentId === revoked.consentId)!;
    ((entry.revisions[1] as unknown as { state: Record<string, unknown> }).state)['status'] = 'ACTIVE'; // the withdrawal undone in history
    tampered.digest.value = receiptDigest(tampered as never);
    const edited = path.join(dir, `${userId}-edited.json`);
    await writeFile(edited, JSON.stringify(tampered));
    const broken = await verify(edited);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`BROKEN ${revoked.consentId} at revision 2: revision 2 was altered`);
  });

  it.skipIf(!hasPython)('is verified by the stand-alone Python check of the documented procedure, which catches a dropped revision', async () => {
    const python = async (target: string): Promise<{ code: number; stdout: string }> => {
      try {
        return { code: 0, stdout: (await promisify(execFile)('python3', [PYTHON_CHECK, target], { timeout: 30_000 })).stdout };
      } catch (error) {
        return { code: (error as { code: number }).code, stdout: (error as { stdout: string }).stdout };
      }
    };
    expect(await python(file)).toEqual({ code: 0, stdout: 'OK\n' });
    const dropped = structuredClone(receipt);
    const entry = dropped.consents.find((c) => c.revisions.length === 2)!;
    entry.revisions.pop();
    const edited = path.join(dir, `${userId}-dropped.json`);
    await writeFile(edited, JSON.stringify(dropped));
    const result = await python(edited);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${entry.consentId} at revision 2: the chain does not end at the consent's head`);
  });
});

describe('consents stored before the receipt existed', () => {
  it('join the receipt once npm run api:backfill-keys has given them their subjectKey', async () => {
    const userId = uid('usr');
    const consentId = uid('c');
    await ok(await h.consent('CreateConsent', { consentId, serviceId: uid('svc'), userId, status: 'ACTIVE', consentData: {} }), '201');
    const consents = h.mongo.db(h.config.mongodbDatabase).collection<{ _id: string }>('consents');
    await consents.updateOne({ _id: consentId }, { $unset: { subjectKey: '' } }); // as written by a version before it
    const token = await userToken(userId);
    expect((await api.get(`/v1/users/${userId}/receipt`, token)).body).toMatchObject({ totals: { consents: 0, revisions: 0 } });
    await promisify(execFile)(process.execPath, [BACKFILL], { env: { ...process.env, ...envOf(h.config) }, timeout: 60_000 });
    const after = (await api.get(`/v1/users/${userId}/receipt`, token)).body as unknown as ReceiptBody;
    expect(after.consents.map((c) => c.consentId)).toEqual([consentId]);
    expect(verifyReceipt(after).problems).toEqual([]);
  });
});

describe('the receipt read\'s bounds', () => {
  it('reads nothing more once a user holds more consents, or more versions in all, than the bounds', async () => {
    const userId = uid('usr');
    const serviceId = uid('svc');
    const [a, b] = [uid('c'), uid('c')];
    await ok(await h.consent('CreateConsent', { consentId: a, serviceId, userId, status: 'ACTIVE', consentData: {} }), '201');
    await ok(await h.consent('CreateConsent', { consentId: b, serviceId, userId, status: 'ACTIVE', consentData: {} }), '201');
    await ok(await h.consent('UpdateConsent', { consentId: b, serviceId, userId, consentVersion: 2, status: 'REVOKED' }), '200');
    const store = mongoReadStore(h.mongo.db(h.config.mongodbDatabase));
    expect(await store.subjectLedger(userId, { consents: 1, revisions: 100 })).toBeNull();
    expect(await store.subjectLedger(userId, { consents: 2, revisions: 2 })).toBeNull();
    const held = await store.subjectLedger(userId, { consents: 2, revisions: 3 });
    expect(held?.map((c) => [c.consent.consentId, c.revisions.map((r) => r.revision)])).toEqual([[a, [1]], [b, [1, 2]]].sort());
  });
});

// The Python producer example of docs/producers.md (confluent-kafka + fastavro, from PyPI into a
// cached venv) against a running worker: the very file the docs show sends a CreateConsent and
// reads its 201. Two mistakes the docs warn about are sent through the same code and answered
// with the 400 that names what to fix. Skipped, saying why, where python3 is absent.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonVenv } from '../support/python-venv.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLE = path.join(ROOT, 'docs/examples/python/produce_consent.py');
const TRIP_UPS = path.join(ROOT, 'test/integration/python/trip_ups.py');

const venv = pythonVenv(path.join(ROOT, 'docs/examples/python/requirements.txt'));
if (!venv.ok) console.warn(`SKIPPED the Python producer example: ${venv.reason}`);

let h: Harness;
beforeAll(async () => { if (venv.ok) h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

/** Runs a Python script with the worker's settings and returns the JSON it printed last. */
async function runPython(script: string, ...args: string[]): Promise<Record<string, unknown>> {
  if (!venv.ok) throw new Error(venv.reason);
  const { stdout } = await promisify(execFile)(venv.python, [script, ...args], {
    timeout: 50_000,
    env: {
      ...process.env,
      KAFKA_BROKERS: h.config.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: h.config.schemaRegistryUrl,
      CONSENT_COMMANDS_TOPIC: h.topics.consentCommands,
      CONSENT_RESULTS_TOPIC: h.topics.consentResults,
    },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
}

describe.skipIf(!venv.ok)(`the Python producer example${venv.ok ? '' : ` (skipped: ${venv.reason})`}`, () => {
  let consentId = '';

  it('creates a consent with 201 and reads the result it published', async () => {
    const result = await runPython(EXAMPLE);
    expect(result).toMatchObject({ commandType: 'CreateConsent', statusCode: '201', errorCode: null, state: { version: 1, status: 'ACTIVE' } });
    consentId = String((result['state'] as { consentId: string }).consentId);
    // The worker's own result, read by the test's collector, is the one the script printed.
    expect(await h.result(String(result['commandId']))).toMatchObject({ statusCode: '201', state: { consentId } });
  });

  it('answers a plain-dict UpdateConsent without consentVersion with 400 naming consentVersion', async () => {
    expect(consentId).not.toBe('');
    const result = await runPython(TRIP_UPS, 'plain-dict-update', consentId);
    expect(result).toMatchObject({ commandType: 'UpdateConsent', statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'consentVersion' });
  });

  it('answers an issuedAt without offset (datetime.utcnow().isoformat()) with 400 naming issuedAt', async () => {
    const result = await runPython(TRIP_UPS, 'naive-issued-at');
    expect(result).toMatchObject({ commandType: 'CreateConsent', statusCode: '400', field: 'issuedAt' });
  });
});

// The JVM producer example of docs/producers.md (Apache Kafka's client + Apache Avro from Maven
// Central, the Confluent wire format written by hand) against a running worker: the very file
// the docs show is compiled and sends a CreateConsent, and its 201 comes back. Skipped, saying
// why, where java or mvn is absent.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/worker-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLE_DIR = path.join(ROOT, 'docs/examples/jvm');
const run = promisify(execFile);

const missing = ['java', 'mvn'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0);
const skipReason = missing.length > 0 ? `${missing.join(' and ')} not on PATH` : null;
if (skipReason) console.warn(`SKIPPED the JVM producer example: ${skipReason}`);

let h: Harness;
let classpath = '';
const scratch = mkdtempSync(path.join(tmpdir(), 'cw-jvm-'));
beforeAll(async () => {
  if (skipReason) return;
  // Maven only resolves the two libraries (cached in ~/.m2 after the first run); java compiles
  // and runs the example's single source file.
  await run('mvn', ['-q', '-B', '-f', path.join(EXAMPLE_DIR, 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${path.join(scratch, 'cp.txt')}`],
    { timeout: 300_000 });
  classpath = readFileSync(path.join(scratch, 'cp.txt'), 'utf8').trim();
  h = await startHarness();
}, 360_000);
afterAll(async () => {
  await h?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(skipReason !== null)(`the JVM producer example${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('creates a consent with 201 and reads the result it published', async () => {
    const { stdout } = await run('java', ['-cp', classpath, path.join(EXAMPLE_DIR, 'src/main/java/example/ProduceConsent.java'), path.join(ROOT, 'schemas/bundled')], {
      timeout: 90_000,
      env: {
        ...process.env,
        KAFKA_BROKERS: h.config.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: h.config.schemaRegistryUrl,
        CONSENT_COMMANDS_TOPIC: h.topics.consentCommands,
        CONSENT_RESULTS_TOPIC: h.topics.consentResults,
      },
    });
    // Avro's GenericData prints a record as JSON.
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
    expect(result).toMatchObject({ commandType: 'CreateConsent', statusCode: '201', errorCode: null, state: { version: 1, status: 'ACTIVE' } });
    expect(await h.result(String(result['commandId']))).toMatchObject({ statusCode: '201' });
  }, 120_000);
});

// The acceptance subset on the secure stack, every connection TLS + credentials: the worker runs
// as an operator runs it (`node src/main.ts`, read API beside it), a producer service sends
// through the typed client as the `producer` principal, an event consumer reads as `events`.
// Last, the logs of the whole run (the worker's and every server's) are searched for each
// password, token secret and private key the run used.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsentWorkerClient } from '../../src/client/index.ts';
import { TOPIC_ROLES } from '../../src/catalogue/topics.ts';
import { uid } from '../support/ids.ts';
import { tokenFor } from '../support/read-api.ts';
import { secretsFoundIn } from '../support/refusals.ts';
import { deleteSecureTopics, grantTestAcls, kafkaAs, registryAs, secureStack, secureWorkerEnv, type SecureStack } from '../support/secure-stack.ts';
import { TopicCollector } from '../support/topic-collector.ts';
import { inMs } from '../support/worker-harness.ts';

const SKIPPED = process.env['SECURE_STACK'] === '0'; // scripts/test.sh: no secure stack asked for
import { pollUrlUntil, startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const CLI = path.resolve(import.meta.dirname, '../../bin/consent-worker.mjs');
const JWT_SECRET = `jwt-${randomUUID()}-${randomUUID()}`;
const PAGE_SECRET = `page-${randomUUID()}-${randomUUID()}`;

let s: SecureStack;
let env: Record<string, string>;
let worker: WorkerProcess;
let apiUrl: string;
let client: ConsentWorkerClient;
let events: TopicCollector;

beforeAll(async () => {
  if (SKIPPED) return;
  s = secureStack();
  const suffix = randomUUID().slice(0, 8);
  env = {
    ...secureWorkerEnv(s, suffix),
    // Debug: the scan at the end reads the most a run can log.
    LOG_LEVEL: 'debug',
    READ_API_ENABLED: 'true', API_PORT: '0', API_HOST: '127.0.0.1', API_JWT_SECRET: JWT_SECRET, API_PAGE_TOKEN_SECRET: PAGE_SECRET,
  };
  await grantTestAcls(s, env, { producerGroupPrefix: `cwtest-${suffix}-client-results-`, eventsGroupPrefix: `cwtest-${suffix}-events` });
  worker = startWorkerProcess(env);
  await worker.waitForLog((l) => l.msg === 'worker started', 'the worker started', 90_000);
  apiUrl = String((await worker.waitForLog((l) => l.msg === 'read API listening', 'the read API'))['url']);

  client = await ConsentWorkerClient.connect({
    brokers: [env['KAFKA_BROKERS'] as string], clientId: `cwtest-${suffix}-client`, timeoutMs: 30_000,
    ssl: { ca: readFileSync(s.tls('ca.pem'), 'utf8') },
    sasl: { mechanism: 'scram-sha-512', username: 'producer', password: s.password('producer') },
    registryUrl: env['SCHEMA_REGISTRY_URL'] as string,
    registryAuth: { username: 'producer', password: s.password('producer') },
    registryCa: readFileSync(s.tls('ca.pem'), 'utf8'),
    topics: {
      consentCommands: env['CONSENT_COMMANDS_TOPIC'] as string, consentResults: env['CONSENT_RESULTS_TOPIC'] as string,
      permissionCommands: env['PERMISSION_COMMANDS_TOPIC'] as string, permissionResults: env['PERMISSION_RESULTS_TOPIC'] as string,
    },
  });
  const eventTopics = [env['CONSENT_EVENTS_TOPIC'] as string, env['PERMISSION_EVENTS_TOPIC'] as string];
  events = new TopicCollector(kafkaAs(s, 'events', { retry: { retries: 5 } }), registryAs(s, 'events'), eventTopics);
  await events.start(eventTopics, `cwtest-${suffix}-events-1`);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await events?.stop();
  await worker?.stop();
  if (env) await deleteSecureTopics(s, env);
});

const eventOf = (aggregateId: string, eventType: string, timeoutMs?: number): Promise<Record<string, unknown>> => events.waitFor(
  (all) => all.find((r) => r.key === aggregateId && r.value?.['eventType'] === eventType)?.value ?? undefined,
  `${eventType} of ${aggregateId}`, timeoutMs);

describe.skipIf(SKIPPED)('on the secure stack (TLS and credentials on every connection)', () => {
  it('applies a consent command end to end: producer client in, result back, change event out', async () => {
    const consentId = uid('sec');
    const created = await client.send({
      commandType: 'CreateConsent',
      payload: { consentId, serviceId: 'svc-secure', userId: 'user-secure', status: 'ACTIVE', consentData: { channel: 'email' } },
    });
    expect(created).toMatchObject({ statusCode: '201', state: { consentId, version: 1, status: 'ACTIVE' } });
    expect(await eventOf(consentId, 'ConsentCreated')).toMatchObject({ aggregateId: consentId, version: 1 });
  });

  it('expires a consent through the sweep (Redis schedule, MongoDB, Kafka)', async () => {
    const consentId = uid('sec-exp');
    const created = await client.send({
      commandType: 'CreateConsent',
      payload: { consentId, serviceId: 'svc-secure', userId: 'user-exp', status: 'ACTIVE', expiryTime: inMs(2_000) },
    });
    expect(created.statusCode).toBe('201');
    expect(await eventOf(consentId, 'ConsentExpired', 30_000)).toMatchObject({ aggregateId: consentId, version: 2 });
  });

  it('serves the consent from the read API (MongoDB over TLS with SCRAM, Redis over TLS as its ACL user)', async () => {
    const [consentId, serviceId, userId] = [uid('sec-read'), uid('svc'), uid('usr')];
    expect((await client.send({ commandType: 'CreateConsent', payload: { consentId, serviceId, userId, status: 'ACTIVE' } })).statusCode).toBe('201');
    const token = await tokenFor({ sub: `svc:${serviceId}`, roles: ['service'], serviceId }, JWT_SECRET);
    const response = await fetch(`${apiUrl}/v1/services/${serviceId}/users/${userId}/consents/${consentId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { consentId, status: 'ACTIVE' } });
  });

  it('runs the operator CLI over the same secured connections (registry, Kafka)', async () => {
    const cli = (args: string[]): { code: number; stdout: string; stderr: string } => {
      const run = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 60_000 });
      return { code: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
    };
    const schemas = cli(['schemas', 'register']);
    expect(schemas, schemas.stderr).toMatchObject({ code: 0 });
    expect(schemas.stdout.trim().split('\n')).toHaveLength(TOPIC_ROLES.length); // one line a topic schema of the catalogue
    const dlq = cli(['dlq', 'list', '--json']);
    expect(dlq, dlq.stderr).toMatchObject({ code: 0 });
  });

  it('is ready on /readyz with every check green over the secured connections', async () => {
    const { body } = await pollUrlUntil(`${await worker.opsUrl()}/readyz`, (status) => status === 200, 'ready');
    expect(JSON.parse(body)).toMatchObject({ ready: true, checks: { kafka: 'ok', registry: 'ok', mongodb: 'ok', redis: 'ok' } });
  });

  it('leaves no password, token secret or private key in the logs of the run (worker and servers)', async () => {
    await worker.stop();
    const keyBodies = ['ca.key', 'server.key', 'client.key'].map((file) =>
      readFileSync(s.tls(file), 'utf8').split('\n').filter((line) => line && !line.startsWith('-----')).join(''));
    const secrets: Record<string, string> = {
      ...Object.fromEntries((['admin', 'worker', 'producer', 'events'] as const).map((p) => [`${p} password`, s.password(p)])),
      'API_JWT_SECRET': JWT_SECRET, 'API_PAGE_TOKEN_SECRET': PAGE_SECRET,
      ...Object.fromEntries(keyBodies.map((body, i) => [`private key ${i}`, body.slice(0, 40)])),
    };
    const logs: Record<string, string> = {
      'worker stdout': worker.logs.map((line) => JSON.stringify(line)).join('\n'),
      'worker stderr': worker.stderr(),
      ...Object.fromEntries(['kafka', 'redis', 'mongo', 'registry'].map((server) => [server, readFileSync(path.join(s.runDir, server, 'server.log'), 'utf8')])),
    };
    // The scan reads something: the run logged at debug, and the servers wrote their logs.
    expect(worker.logs.map((line) => line.msg)).toEqual(expect.arrayContaining(['worker started', 'read API listening']));
    expect(logs['kafka']?.length).toBeGreaterThan(0);
    expect(secretsFoundIn(logs, secrets)).toEqual([]);
  });
});

// The metrics table of docs/observing.md against the /metrics of a worker and a read API after a
// run over the real servers: every series the docs list is on the /metrics of the process they
// name (a renamed series fails here), every series of the project's own on a /metrics is listed,
// and the series this run exercised hold samples.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadApi, type ReadApi } from '../../src/api/start-api.ts';
import { loadApiConfig } from '../../src/config/api-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startOpsServer, type OpsServer } from '../../src/ops/ops-server.ts';
import { createPrometheusObserver } from '../../src/ops/prometheus-observer.ts';
import { Readiness } from '../../src/ops/readiness.ts';
import { uid } from '../support/ids.ts';
import { JWT_SECRET, PAGE_SECRET, serviceToken } from '../support/read-api.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

type Process = 'worker' | 'read API';

interface DocumentedSeries {
  readonly name: string;
  readonly process: Process;
}

/** The rows of the metrics table in docs/observing.md: | `series` | process | type | labels | what |. */
function documentedSeries(): DocumentedSeries[] {
  const doc = readFileSync(path.join(import.meta.dirname, '../../docs/observing.md'), 'utf8');
  return [...doc.matchAll(/^\| `(consent_\w+)` \| (worker|read API) \|/gm)].map((m) => ({ name: m[1] as string, process: m[2] as Process }));
}

/** The series a /metrics text declares (its # TYPE lines), without prom-client's default process metrics. */
function declaredSeries(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1] as string).filter((name) => !/^consent_(worker|read_api)_(process|nodejs)_/.test(name));
}

/** The sum of the samples of `name` whose labels include `labels`. */
function total(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text.split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && wanted.every((w) => l.includes(w)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

let h: Harness;
let api: ReadApi;
const ops: OpsServer[] = [];
const observer = createPrometheusObserver();
const apiRegistry = new Registry();
const metrics: Record<Process, string> = { worker: '', 'read API': '' };
const logger = createLogger(process.env['TEST_LOG_LEVEL'] ?? 'warn', 'metrics-parity-test');

beforeAll(async () => {
  h = await startHarness({}, { observer });
  api = await startReadApi(h.config, loadApiConfig({ API_PORT: '0', API_JWT_SECRET: JWT_SECRET, API_PAGE_TOKEN_SECRET: PAGE_SECRET, API_RATE_LIMIT: '2' }), logger, { metrics: apiRegistry });
  for (const registry of [observer.registry, apiRegistry]) {
    ops.push(await startOpsServer({ host: '127.0.0.1', port: 0, readiness: new Readiness(), metrics: registry, logger }));
  }

  // The run: commands answered 201 and 409, one dead-lettered, one consent expired by the sweep,
  // and reads through the API, one of them past its budget.
  const [serviceId, userId] = [uid('svc-parity'), uid('usr')];
  const consentId = uid('c-parity');
  const created = await h.consent('CreateConsent', { consentId, serviceId, userId, status: 'ACTIVE', expiryTime: inMs(1_000) });
  expect(await h.result(created)).toMatchObject({ statusCode: '201' });
  const stale = await h.consent('UpdateConsent', { consentId, serviceId, userId, consentVersion: 1 });
  expect(await h.result(stale)).toMatchObject({ statusCode: '409' });
  await h.producer.sendRaw(h.topics.consentCommands, consentId, Buffer.from('not avro'));
  await h.dlq(h.topics.consentCommands);
  await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000);
  const token = await serviceToken(serviceId);
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    statuses.push((await fetch(`${api.url}/v1/services/${serviceId}/users/${userId}/consents/${consentId}`, { headers: { authorization: `Bearer ${token}` } })).status);
  }
  expect(statuses).toEqual([200, 200, 429]);

  const [worker, readApi] = ops as [OpsServer, OpsServer];
  metrics.worker = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
  metrics['read API'] = await (await fetch(`http://127.0.0.1:${readApi.port}/metrics`)).text();
}, 60_000);

afterAll(async () => {
  await Promise.all(ops.map((o) => o.close()));
  await api?.stop();
  await h?.stop();
});

describe('the metrics of docs/observing.md', () => {
  const documented = documentedSeries();

  it('lists the series the operators ask for: commands, round sizes, lag, DLQ, parked, sweep lag, API requests', () => {
    expect(documented.length).toBeGreaterThanOrEqual(15);
    expect(documented.map((s) => s.name)).toEqual(expect.arrayContaining([
      'consent_worker_commands_total', 'consent_worker_round_commands', 'consent_worker_consumer_lag', 'consent_worker_dlq_messages_total',
      'consent_worker_parked_total', 'consent_worker_expiry_lag_seconds', 'consent_read_api_request_duration_seconds',
    ]));
  });

  it('finds every documented series on the /metrics of the process the docs name', () => {
    const missing = documented.filter((s) => !declaredSeries(metrics[s.process]).includes(s.name)).map((s) => `${s.process}: ${s.name}`);
    expect(missing).toEqual([]);
  });

  it('finds no series of the project on a /metrics that the docs do not list', () => {
    const unlisted = (['worker', 'read API'] as const).flatMap((process) => declaredSeries(metrics[process])
      .filter((name) => !documented.some((s) => s.name === name && s.process === process)).map((name) => `${process}: ${name}`));
    expect(unlisted).toEqual([]);
  });

  it('holds samples of what the run did', () => {
    const { worker, 'read API': readApi } = metrics;
    expect(total(worker, 'consent_worker_commands_total', { command_type: 'CreateConsent', status_code: '201' })).toBeGreaterThanOrEqual(1);
    expect(total(worker, 'consent_worker_commands_total', { command_type: 'UpdateConsent', status_code: '409' })).toBeGreaterThanOrEqual(1);
    expect(total(worker, 'consent_worker_round_commands_count', { origin: 'consumed' })).toBeGreaterThanOrEqual(2);
    expect(total(worker, 'consent_worker_round_commands_count', { origin: 'sweep' })).toBeGreaterThanOrEqual(1);
    expect(worker).toMatch(/^consent_worker_consumer_lag\{/m);
    expect(total(worker, 'consent_worker_dlq_messages_total')).toBe(1);
    expect(total(worker, 'consent_worker_expired_total')).toBeGreaterThanOrEqual(1);
    expect(total(worker, 'consent_worker_expiry_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    const route = '/v1/services/:serviceId/users/:userId/consents/:consentId';
    expect(total(readApi, 'consent_read_api_request_duration_seconds_count', { route, status_code: '200' })).toBe(2);
    expect(total(readApi, 'consent_read_api_request_duration_seconds_count', { route, status_code: '429' })).toBe(1);
    expect(total(readApi, 'consent_read_api_rate_limited_total', { budget: 'caller' })).toBe(1);
    expect(total(readApi, 'consent_read_api_token_cache_total', { outcome: 'hit' })).toBe(2);
  });
});

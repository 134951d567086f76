// /metrics after a few commands: the worker's PipelineObserver as Prometheus series, served by the
// ops listener, with Node's default process metrics beside them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';
import { startOpsServer, type OpsServer } from '../../src/ops/ops-server.ts';
import { createPrometheusObserver } from '../../src/ops/prometheus-observer.ts';
import { Readiness } from '../../src/ops/readiness.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
let ops: OpsServer;
const observer = createPrometheusObserver();
beforeAll(async () => {
  h = await startHarness({}, { observer });
  ops = await startOpsServer({ host: '127.0.0.1', port: 0, readiness: new Readiness(), metrics: observer.registry, logger: createLogger('silent') });
});
afterAll(async () => {
  await ops?.close();
  await h?.stop();
});

/** The value of one sample line, e.g. `consent_worker_commands_total{family="consent",...}`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)
    ? wanted.every((w) => l.includes(w)) : false);
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics', () => {
  it('counts commands by family, type and status, times them, and shows lag, DLQ and every series of the observer', async () => {
    const consentId = uid('consent-metrics');
    const base = { serviceId: 'svc-metrics', userId: uid('user') };
    const created = await h.consent('CreateConsent', { consentId, ...base, status: 'ACTIVE', expiryTime: inMs(3_600_000) });
    expect(await h.result(created)).toMatchObject({ statusCode: '201' });
    const stale = await h.consent('UpdateConsent', { consentId, ...base, consentVersion: 1 });
    expect(await h.result(stale)).toMatchObject({ statusCode: '409', errorCode: 'VERSION_CONFLICT' });
    const updated = await h.consent('UpdateConsent', { consentId, ...base, consentVersion: 2, status: 'REVOKED' });
    expect(await h.result(updated)).toMatchObject({ statusCode: '200' });
    const invalid = await h.consent('CreateConsent', { consentId: 'x', ...base, status: 'ACTIVE' });
    expect(await h.result(invalid)).toMatchObject({ statusCode: '400' });
    await h.producer.sendRaw(h.topics.consentCommands, consentId, Buffer.from('not avro'));
    await h.dlq(h.topics.consentCommands);

    const response = await fetch(`http://127.0.0.1:${ops.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();

    const commands = (commandType: string, statusCode: string): number | undefined =>
      sample(text, 'consent_worker_commands_total', { family: 'consent', command_type: commandType, status_code: statusCode });
    expect(commands('CreateConsent', '201')).toBe(1);
    expect(commands('CreateConsent', '400')).toBe(1);
    expect(commands('UpdateConsent', '409')).toBe(1);
    expect(commands('UpdateConsent', '200')).toBe(1);
    expect(sample(text, 'consent_worker_command_duration_seconds_count', { family: 'consent', command_type: 'UpdateConsent' })).toBe(2);
    expect(sample(text, 'consent_worker_dlq_messages_total', { topic: h.topics.consentCommands })).toBe(1);
    expect(sample(text, 'consent_worker_consumer_lag', { topic: h.topics.consentCommands })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'consent_worker_consumer_session_timeout_seconds')).toBe(3); // the default 3 s: the stack's broker allows it

    // Every series of the observer is declared (HELP/TYPE) even before its first event.
    for (const name of ['commands_total', 'command_duration_seconds', 'consumer_lag', 'version_conflicts_total', 'lock_waits_total',
      'lock_wait_seconds', 'retries_total', 'dlq_messages_total', 'parked_total', 'outbox_owed', 'outbox_clears_pending', 'expiry_due',
      'expired_total', 'expiry_lag_seconds', 'consumer_session_timeout_seconds']) {
      expect(text).toContain(`# TYPE consent_worker_${name} `);
    }
    // Node's default process metrics.
    expect(sample(text, 'consent_worker_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).toContain('consent_worker_nodejs_eventloop_lag_seconds');
  });
});

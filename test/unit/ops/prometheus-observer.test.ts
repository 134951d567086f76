// Each PipelineObserver event lands in its Prometheus series (no servers: the registry's text).
import { describe, expect, it } from 'vitest';
import { createPrometheusObserver } from '../../../src/ops/prometheus-observer.ts';

interface Row {
  readonly event: string;
  readonly emit: (o: ReturnType<typeof createPrometheusObserver>) => void;
  /** Sample lines the metrics text must then hold. */
  readonly lines: readonly string[];
}

const rows: Row[] = [
  { event: 'commandAnswered', emit: (o) => { o.commandAnswered('consent', 'CreateConsent', '201', 0.02); o.commandAnswered('consent', 'CreateConsent', '201', 0.3); },
    lines: ['consent_worker_commands_total{family="consent",command_type="CreateConsent",status_code="201"} 2',
      'consent_worker_command_duration_seconds_bucket{le="0.025",family="consent",command_type="CreateConsent"} 1',
      'consent_worker_command_duration_seconds_count{family="consent",command_type="CreateConsent"} 2'] },
  { event: 'roundApplied', emit: (o) => { o.roundApplied('consent', 'consumed', 3); o.roundApplied('consent', 'sweep', 200); },
    lines: ['consent_worker_round_commands_bucket{le="4",family="consent",origin="consumed"} 1', 'consent_worker_round_commands_sum{family="consent",origin="sweep"} 200'] },
  { event: 'versionConflict', emit: (o) => o.versionConflict('permission'),
    lines: ['consent_worker_version_conflicts_total{family="permission"} 1'] },
  { event: 'lockWait', emit: (o) => { o.lockWait('acquired', 0.001); o.lockWait('timeout', 5); },
    lines: ['consent_worker_lock_waits_total{outcome="acquired"} 1', 'consent_worker_lock_waits_total{outcome="timeout"} 1',
      'consent_worker_lock_wait_seconds_count{outcome="timeout"} 1'] },
  { event: 'retry', emit: (o) => { o.retry('mongodb'); o.retry('mongodb'); },
    lines: ['consent_worker_retries_total{reason="mongodb"} 2'] },
  { event: 'deadLettered', emit: (o) => o.deadLettered('consent.commands.v1', 'MALFORMED_AVRO'),
    lines: ['consent_worker_dlq_messages_total{topic="consent.commands.v1",reason="MALFORMED_AVRO"} 1'] },
  { event: 'parked', emit: (o) => o.parked('consent-expiry', 'corrupt'),
    lines: ['consent_worker_parked_total{kind="consent-expiry",reason="corrupt"} 1'] },
  { event: 'consumerLag', emit: (o) => { o.consumerLag('consent.commands.v1', 2, 40); o.consumerLag('consent.commands.v1', 2, 7); },
    lines: ['consent_worker_consumer_lag{topic="consent.commands.v1",partition="2"} 7'] },
  { event: 'outboxOwed / outboxClearsPending', emit: (o) => { o.outboxOwed(3); o.outboxClearsPending(250); },
    lines: ['consent_worker_outbox_owed 3', 'consent_worker_outbox_clears_pending 250'] },
  { event: 'expiryDue / expired', emit: (o) => { o.expiryDue(12); o.expired(0.2); o.expired(1.5); },
    lines: ['consent_worker_expiry_due 12', 'consent_worker_expired_total 2', 'consent_worker_expiry_lag_seconds_bucket{le="0.25"} 1',
      'consent_worker_expiry_lag_seconds_count 2'] },
];

describe('the Prometheus observer', () => {
  it.each(rows)('shows $event in its series', async ({ emit, lines }) => {
    const observer = createPrometheusObserver();
    emit(observer);
    const text = (await observer.registry.metrics()).split('\n');
    for (const line of lines) expect(text).toContain(line);
  });

  it('keeps each observer\'s series apart (one registry per worker)', async () => {
    const a = createPrometheusObserver();
    const b = createPrometheusObserver();
    a.retry('redis');
    expect(await b.registry.metrics()).not.toContain('consent_worker_retries_total{reason="redis"}');
  });
});

// Tracing end to end, against the real servers, with the in-memory span exporter: one trace from
// the client's send through the worker's command span to the result's and the event's headers;
// the sweep's events in a trace of their own; and with tracing off nothing recorded and no
// `traceparent` written, whatever the command carried.
import { randomUUID } from 'node:crypto';
import { SpanKind, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsentWorkerClient } from '../../src/client/index.ts';
import { ATTRIBUTE } from '../../src/pipeline/command-tracing.ts';
import { startTracing, type Tracing } from '../../src/tracing/start-tracing.ts';
import { loadTracingConfig } from '../../src/tracing/tracing-config.ts';
import { serviceToken, startReadApiUnderTest } from '../support/read-api.ts';
import type { Received } from '../support/topic-collector.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let h: Harness;
let client: ConsentWorkerClient;

beforeAll(async () => {
  const config = loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' });
  if (!config) throw new Error('tracing config expected');
  tracing = startTracing(config, 'tracing-test', exporter);
  h = await startHarness();
  client = await ConsentWorkerClient.connect({ brokers: h.config.kafkaBrokers, registryUrl: h.config.schemaRegistryUrl, topics: h.topics, timeoutMs: 30_000 });
});
afterAll(async () => {
  await client?.close();
  await h?.stop();
  await tracing?.shutdown();
});

/** `00-<trace id>-<span id>-<flags>` */
function parse(traceparent: string | undefined): { traceId: string; spanId: string } {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(traceparent ?? '');
  if (!m) throw new Error(`not a traceparent: ${traceparent}`);
  return { traceId: m[1] as string, spanId: m[2] as string };
}

async function spanWhere(what: string, pick: (span: ReadableSpan) => boolean, timeoutMs = 15_000): Promise<ReadableSpan> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = exporter.getFinishedSpans().find(pick);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no span ${what}; spans: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function received(topic: string, key: string, pick: (r: Received) => boolean = () => true): Promise<Received> {
  return h.collector.waitFor((all) => all.find((r) => r.topic === topic && r.key === key && pick(r)), `${key} on ${topic}`);
}

describe('tracing on', () => {
  it('carries one trace from client.send through the command span to the result and the event', async () => {
    const consentId = `trace-${randomUUID().slice(0, 8)}`;
    const result = await client.send({
      commandType: 'CreateConsent',
      payload: { consentId, serviceId: 'svc-trace', userId: 'user-trace', status: 'ACTIVE', consentData: { channel: 'email' } },
    });
    expect(result.statusCode).toBe('201');

    const send = await spanWhere('send', (s) => s.name === `send ${h.topics.consentCommands}` && s.attributes[ATTRIBUTE.commandId] === result.commandId);
    const resultRecord = await received(h.topics.consentResults, result.commandId);
    const eventRecord = await received(h.topics.consentEvents, consentId);
    const fromResult = parse(resultRecord.headers['traceparent']);
    const fromEvent = parse(eventRecord.headers['traceparent']);
    expect(fromResult.traceId).toBe(send.spanContext().traceId);
    expect(fromEvent).toEqual(fromResult);

    // The worker's span of the command: the producer's child, the one the result and event name.
    const command = await spanWhere('process', (s) => s.spanContext().spanId === fromResult.spanId);
    expect(command.name).toBe(`process ${h.topics.consentCommands}`);
    expect(command.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(command.attributes).toMatchObject({
      [ATTRIBUTE.commandId]: result.commandId, [ATTRIBUTE.commandType]: 'CreateConsent', [ATTRIBUTE.statusCode]: '201',
      'messaging.destination.name': h.topics.consentCommands,
    });
    expect(command.attributes['messaging.destination.partition.id']).toMatch(/^\d+$/);
    expect(typeof command.attributes['messaging.kafka.offset']).toBe('number');
    // Its steps happen once per round: they are the round's events; nothing befell this command alone.
    expect(command.events).toEqual([]);
    // No personal data: nothing of the payload (userId, consentData) in any attribute or event.
    expect(JSON.stringify([command.attributes, command.events])).not.toMatch(/user-trace|email/);

    // The round is a trace of its own, linked from the command, never its parent.
    expect(command.links).toHaveLength(1);
    const link = command.links[0]?.context;
    const round = await spanWhere('round', (s) => s.spanContext().spanId === link?.spanId);
    expect(round.name).toBe('consent round');
    expect(round.parentSpanContext).toBeUndefined();
    expect(round.spanContext().traceId).not.toBe(fromResult.traceId);
    expect(round.attributes[ATTRIBUTE.roundSize]).toBeGreaterThanOrEqual(1);
    expect(round.events.map((e) => e.name)).toEqual(['leased', 'written', 'published']);
    expect(round.events[1]?.attributes).toMatchObject({ written: 1, failed: 0 });
  });

  it('continues the trace of whatever traceparent the command carries, and answers a refusal in it', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const { commandId, value } = await h.producer.encode(h.topics.consentCommands, 'UpdateConsent', {
      consentId: `trace-missing-${traceId.slice(0, 8)}`, serviceId: 'svc-trace', userId: 'user-trace', consentVersion: 2,
    });
    await h.producer.sendRaw(h.topics.consentCommands, commandId, value, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    const record = await received(h.topics.consentResults, commandId);
    expect(record.value?.['statusCode']).toBe('404');
    expect(parse(record.headers['traceparent']).traceId).toBe(traceId);
    const command = await spanWhere('process', (s) => s.attributes[ATTRIBUTE.commandId] === commandId);
    expect(command.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(command.attributes[ATTRIBUTE.statusCode]).toBe('404');
  });

  it('starts a trace per expiry round of the sweep, which its events carry', async () => {
    const consentId = `trace-exp-${randomUUID().slice(0, 8)}`;
    const created = await client.send({
      commandType: 'CreateConsent',
      payload: { consentId, serviceId: 'svc-trace', userId: 'user-trace-exp', status: 'ACTIVE', expiryTime: inMs(1_500) },
    });
    expect(created.statusCode).toBe('201');
    const expired = await received(h.topics.consentEvents, consentId, (r) => r.value?.['eventType'] === 'ConsentExpired');
    const { traceId, spanId } = parse(expired.headers['traceparent']);
    const sweep = await spanWhere('sweep', (s) => s.spanContext().spanId === spanId);
    expect(sweep.name).toBe('consent expiry sweep');
    expect(sweep.parentSpanContext).toBeUndefined();
    // Its own trace, not the trace of the command that created the consent.
    const created1 = await received(h.topics.consentEvents, consentId, (r) => r.value?.['eventType'] !== 'ConsentExpired');
    expect(parse(created1.headers['traceparent']).traceId).not.toBe(traceId);
    const round = await spanWhere('sweep round', (s) => s.parentSpanContext?.spanId === spanId);
    expect(round).toMatchObject({ name: 'consent round' });
    expect(round.spanContext().traceId).toBe(traceId);
  });
});

describe('tracing on, the read API', () => {
  it('joins the traceparent of a read made in answer to an event: the read is a span of the command\'s trace', async () => {
    const consentId = `trace-read-${randomUUID().slice(0, 8)}`;
    const created = await client.send({
      commandType: 'CreateConsent', payload: { consentId, serviceId: 'svc-trace', userId: 'user-trace-read', status: 'ACTIVE' },
    });
    const event = await received(h.topics.consentEvents, consentId);
    const { traceId, spanId } = parse(event.headers['traceparent']);
    const api = await startReadApiUnderTest(h.config, h.mongo.db(h.config.mongodbDatabase));
    try {
      // A consumer of the event reads the consent in the event's trace.
      const response = await api.app.inject({
        method: 'GET', url: `/v1/services/svc-trace/users/user-trace-read/consents/${consentId}`,
        headers: { authorization: `Bearer ${await serviceToken('svc-trace')}`, traceparent: event.headers['traceparent'] as string },
      });
      expect(response.statusCode).toBe(200);
      const read = await spanWhere('read', (s) => s.kind === SpanKind.SERVER && s.spanContext().traceId === traceId);
      expect(read.name).toBe('GET /v1/services/:serviceId/users/:userId/consents/:consentId');
      expect(read.parentSpanContext?.spanId).toBe(spanId);
      expect(read.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.route': '/v1/services/:serviceId/users/:userId/consents/:consentId' });
      // Named by its route: the ids in the URL are in no attribute.
      expect(JSON.stringify([read.name, read.attributes])).not.toContain('user-trace-read');
      expect(created.statusCode).toBe('201');
    } finally {
      await api.close();
    }
  });
});

describe('tracing off', () => {
  it('records nothing and writes no traceparent, even for a command that carries one', async () => {
    // As a process without OTEL_* variables: no provider and no propagator registered.
    trace.disable();
    propagation.disable();
    exporter.reset();
    const consentId = `trace-off-${randomUUID().slice(0, 8)}`;
    const { commandId, value } = await h.producer.encode(h.topics.consentCommands, 'CreateConsent', {
      consentId, serviceId: 'svc-trace', userId: 'user-trace-off', status: 'ACTIVE',
    });
    await h.producer.sendRaw(h.topics.consentCommands, consentId, value, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const result = await received(h.topics.consentResults, commandId);
    const event = await received(h.topics.consentEvents, consentId);
    expect(result.value?.['statusCode']).toBe('201');
    expect(result.headers).not.toHaveProperty('traceparent');
    expect(event.headers).not.toHaveProperty('traceparent');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

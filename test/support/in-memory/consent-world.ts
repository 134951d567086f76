// The consent family on the real pipeline (src/pipeline) over the in-memory ports: what the
// worker wires in src/worker.ts, with the servers replaced by this folder's implementations of
// the pipeline's own ports and the wall clock by `world.clock`. A fast test reads as its scenario:
// send a chunk as the consumer would hand it over, then look at the topics and the store.
import { CONSENTS } from '../../../src/catalogue/collections.ts';
import { consentFamily } from '../../../src/families/consent-family.ts';
import type { ConsumerHandle } from '../../../src/pipeline/ports.ts';
import type { CommandEnvelope } from '../../../src/domain/envelope.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { PipelineDeps } from '../../../src/pipeline/apply-round.ts';
import { handleCommandChunk } from '../../../src/pipeline/handle-message.ts';
import { NO_OBSERVER, type PipelineObserver } from '../../../src/pipeline/observer.ts';
import { immediateClears } from '../../../src/pipeline/outbox-clears.ts';
import { batchHandler } from '../../../src/pipeline/partition-batch.ts';
import type { InboundMessage } from '../../../src/pipeline/ports.ts';
import type { ResultBody } from '../../../src/pipeline/result.ts';
import { inMemoryAggregateStore } from './aggregate-store.ts';
import { SERVICE_POLICIES } from '../../../src/catalogue/collections.ts';
import type { ServicePolicy } from '../../../src/domain/policy/service-policy.ts';
import type { ServicePolicyLookup } from '../../../src/families/service-policies.ts';
import type { AggregateStore } from '../../../src/pipeline/ports.ts';

/** The policies read from the in-memory store at each decision (no snapshot to wait for in a fast test). */
function storedPolicies(store: AggregateStore): ServicePolicyLookup {
  return {
    of: async (serviceId) => ((await store.load(SERVICE_POLICIES, serviceId))?.state as ServicePolicy | undefined) ?? null,
    remember: () => undefined,
  };
}
import { decoded, jsonCommandDecoder, jsonEncoder } from './codec.ts';
import { inMemoryExpirySchedule, inMemoryRateCounter } from './expiry-schedule.ts';
import { inMemoryLockService } from './lock-service.ts';
import { inMemoryMessageBus } from './message-bus.ts';
import { inMemoryOwingIndex } from './owing-index.ts';
import { inMemoryPublishedEntries } from './published-entries.ts';
import { inMemoryResultStore } from './result-store.ts';

export const TOPICS = { commands: 'consent.commands', results: 'consent.results', events: 'consent.events' } as const;

/** An event as published on the events topic (the fields the tests look at). */
export interface PublishedEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly aggregateId: string;
  readonly version: number;
}

export type ConsentWorld = ReturnType<typeof consentWorld>;

export function consentWorld(start = new Date('2030-01-01T12:00:00.000Z')) {
  let now = start.getTime();
  const clock = (): Date => new Date(now);
  const store = inMemoryAggregateStore();
  const results = inMemoryResultStore();
  const owing = inMemoryOwingIndex();
  const bus = inMemoryMessageBus();
  const schedule = inMemoryExpirySchedule();
  const published = inMemoryPublishedEntries(() => now);
  const locks = inMemoryLockService(() => now);
  const versionConflicts: string[] = [];
  const observer: PipelineObserver = { ...NO_OBSERVER, versionConflict: (family) => { versionConflicts.push(family); } };
  const runtime = {
    family: consentFamily({ rates: inMemoryRateCounter(), schedule, policies: storedPolicies(store), orgDecisionLimit: 100, orgDecisionWindowMs: 60_000 }),
    commandsTopic: TOPICS.commands, resultsTopic: TOPICS.results, eventsTopic: TOPICS.events,
    decoder: jsonCommandDecoder, resultEncoder: jsonEncoder, eventEncoder: jsonEncoder,
  };
  const deps: PipelineDeps = {
    store, results, locks, bus, published, owing, observer, clock,
    clears: immediateClears(store, owing),
    logger: createLogger('silent'),
    // No lease waits: a key held by another writer is left to the version check, as after lockWaitMs.
    lockTtlMs: 30_000, lockWaitMs: 0, writesInFlight: 4, maxMessageBytes: 1_048_576,
  };
  let offset = 0;

  /** Command messages as the consumer hands them over: keyed by consentId, in offset order. */
  const messagesOf = (envelopes: readonly CommandEnvelope[]): InboundMessage[] => envelopes.map((envelope) => ({
    topic: TOPICS.commands, partition: 0, offset: String(offset++),
    key: String(envelope.payload['consentId'] ?? envelope.commandId),
    value: Buffer.from(JSON.stringify(envelope)), headers: {},
  }));

  return {
    store, results, owing, bus, schedule, locks, deps, runtime, versionConflicts, collection: CONSENTS,
    clock,
    advance(ms: number): void { now += ms; },
    messagesOf,
    /** One chunk through the pipeline (handle-message.ts); resolves with the messages marked done. */
    async send(envelopes: readonly CommandEnvelope[], using: PipelineDeps = deps): Promise<Set<InboundMessage>> {
      const done = new Set<InboundMessage>();
      await handleCommandChunk(using, runtime, messagesOf(envelopes), done);
      return done;
    },
    /** The same messages handed over again, as after a crash before their offsets were committed. */
    async redeliver(messages: readonly InboundMessage[]): Promise<void> {
      await handleCommandChunk(deps, runtime, messages, new Set());
    },
    /** The worker's consumer over the in-memory bus: batches through batchHandler, as src/worker.ts wires it. */
    async consume(): Promise<ConsumerHandle> {
      return bus.consume({
        groupId: 'fast-tests', topics: [TOPICS.commands], partitionsConsumedConcurrently: 1,
        onBatch: batchHandler({ chunkSize: 100, logger: deps.logger, observer }, (messages, done) => handleCommandChunk(deps, runtime, messages, done)),
      });
    },
    resultsPublished(): ResultBody[] {
      return bus.messages(TOPICS.results).map((message) => decoded<ResultBody>(message.value));
    },
    resultFor(commandId: string): ResultBody[] {
      return this.resultsPublished().filter((result) => result.commandId === commandId);
    },
    eventsPublished(aggregateId?: string): PublishedEvent[] {
      return bus.messages(TOPICS.events).map((message) => decoded<PublishedEvent>(message.value))
        .filter((event) => aggregateId === undefined || event.aggregateId === aggregateId);
    },
  };
}

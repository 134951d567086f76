// The composition root: reads nothing itself (config comes in), connects the four servers,
// registers the schemas, wires both command families onto the one pipeline, starts consuming and
// sweeping, and recovers owed outboxes in the background.
import { hostname } from 'node:os';
import { createKafkaBus } from './adapters/kafka/kafka-bus.ts';
import { connectMongo } from './adapters/mongodb/mongo-store.ts';
import { createParkingLot } from './adapters/mongodb/parking-lot.ts';
import { startResultRetention, type ResultRetention } from './adapters/mongodb/result-retention.ts';
import { createCommandDecoder, createEncoder, createRegistry, registerTopicSchema } from './adapters/registry/avro-codec.ts';
import { connectRedis } from './adapters/redis/redis-services.ts';
import { registryPing } from './adapters/registry/registry-ping.ts';
import { CONSENTS, PERMISSION_COLLECTIONS, SERVICE_POLICIES } from './catalogue/collections.ts';
import { policyEventsTopicOf } from './catalogue/topics.ts';
import { readServicePolicies } from './adapters/mongodb/service-policy-reads.ts';
import { policySnapshot, type PolicySnapshot } from './families/service-policies.ts';
import type { Config } from './config/config.ts';
import { startSweeper, type ConsentRuntime, type Sweeper } from './families/consent-expiry/expiry-sweeper.ts';
import { consentFamily } from './families/consent-family.ts';
import { permissionFamily } from './families/permission-family.ts';
import type { Logger } from './logging/logger.ts';
import type { PipelineDeps } from './pipeline/apply-round.ts';
import { dlqTopicOf, parkInDeadLetter } from './pipeline/dead-letter.ts';
import type { DomainCommand, FamilyRuntime, Versioned } from './pipeline/family.ts';
import { handleCommandChunk } from './pipeline/handle-message.ts';
import { NO_OBSERVER, type PipelineObserver } from './pipeline/observer.ts';
import { startOutboxClears, type OutboxClears } from './pipeline/outbox-clears.ts';
import { batchHandler, type ChunkHandler } from './pipeline/partition-batch.ts';
import type { ConsumerHandle } from './pipeline/ports.ts';
import { recoverOwedOutboxes } from './pipeline/recover-outboxes.ts';
import { securityRefusalOf } from './ops/security-refusal.ts';

export interface WorkerOptions {
  /** false runs the expiry sweeper alone (`npm run sweeper`). */
  readonly consume: boolean;
  readonly sweep: boolean;
  readonly clock?: () => Date;
  /** Hears what the pipeline does (metrics); NO_OBSERVER by default. */
  readonly observer?: PipelineObserver;
  /** How often the service policies are re-read (families/service-policies.ts); POLICY_REFRESH_MS by default. */
  readonly policyRefreshMs?: number;
  /** Called with the name of every command the MongoDB driver sends (tests count round trips by it). */
  readonly onStoreCommand?: (commandName: string) => void;
  /** Called with the API name of every request the worker's Kafka producer and consumers send (tests count round trips by it). */
  readonly onKafkaRequest?: (apiName: string) => void;
}

export interface Worker {
  readonly sweeper: Sweeper | null;
  /** What must pass for this worker to be ready (the ops listener's /readyz): each rejects when not. */
  readonly readinessChecks: Readonly<Record<string, () => Promise<unknown>>>;
  stop(): Promise<void>;
}

/** A family's chunk handler, its types kept (each family's runtime has its own). */
function chunkHandlerFor<C extends DomainCommand, S extends Versioned, X, P>(deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>): ChunkHandler {
  return (messages, done) => handleCommandChunk(deps, runtime, messages, done);
}

export async function startWorker(config: Config, logger: Logger, options: WorkerOptions): Promise<Worker> {
  const t = config.topics;
  const clock = options.clock ?? (() => new Date());
  const observer = options.observer ?? NO_OBSERVER;
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDatabase, options.onStoreCommand);
  const redis = connectRedis(config.redisUrl, config.redisKeyPrefix, config.redisTls, config.redisPassword);
  const redisRefusal = logConnectionState(redis.client, logger);
  const bus = createKafkaBus({
    brokers: config.kafkaBrokers, clientId: config.clientId, logger, maxMessageBytes: config.kafkaMaxMessageBytes,
    ...config.kafkaGroupTimeouts, ...config.kafkaSecurity,
    ...(options.onKafkaRequest ? { onRequest: options.onKafkaRequest } : {}),
  });
  let clears: OutboxClears | null = null;
  let retention: ResultRetention | null = null;
  let policies: PolicySnapshot | null = null;
  const stopAll = async (): Promise<void> => {
    policies?.stop();
    await retention?.stop();
    await clears?.stop(); // before the store closes: what waits is cleared now
    await bus.close();
    await redis.close();
    await mongo.close();
  };
  try {
    await mongo.ensureIndexes();
    retention = await startResultRetention(mongo.db, { retentionMs: config.resultRetentionMs, purgeIntervalMs: config.resultPurgeIntervalMs }, logger, clock);
    const policyEvents = policyEventsTopicOf(t.consentEvents);
    await bus.ensureTopics([t.consentCommands, t.consentResults, t.consentEvents, policyEvents, dlqTopicOf(t.consentCommands),
      t.permissionCommands, t.permissionResults, t.permissionEvents, dlqTopicOf(t.permissionCommands)]
      .map((name) => ({ name, partitions: config.topicPartitions })));

    // Registered before anything is consumed: an incompatible schema stops the start here.
    const registry = createRegistry(config.schemaRegistryUrl, config.schemaRegistryAuth, config.schemaRegistryTls);
    const schema = async (topic: string, name: Parameters<typeof registerTopicSchema>[2]) => registerTopicSchema(registry, topic, name);
    const [consentCommands, consentResults, consentEvents, policyEventSchema, permissionCommands, permissionResults, permissionEvents] = await Promise.all([
      schema(t.consentCommands, 'consent-commands'), schema(t.consentResults, 'consent-results'), schema(t.consentEvents, 'consent-events'),
      schema(policyEvents, 'service-policy-events'),
      schema(t.permissionCommands, 'permission-commands'), schema(t.permissionResults, 'permission-results'), schema(t.permissionEvents, 'permission-events'),
    ]);

    const consents: ConsentRuntime = {
      family: consentFamily({ rates: redis.rates, schedule: redis.schedule, policies: policies = policySnapshot(readServicePolicies(mongo.db),
        (error) => logger.warn({ err: error }, 'service policies not re-read; the last ones read stay in use until the next refresh'), options.policyRefreshMs), orgDecisionLimit: config.orgDecisionLimit, orgDecisionWindowMs: config.orgDecisionWindowMs }),
      commandsTopic: t.consentCommands, resultsTopic: t.consentResults, eventsTopic: t.consentEvents,
      decoder: createCommandDecoder(registry, consentCommands),
      resultEncoder: createEncoder(registry, consentResults),
      eventEncoder: createEncoder(registry, consentEvents),
      otherEvents: { ServicePolicyState: { topic: policyEvents, encoder: createEncoder(registry, policyEventSchema) } },
    };
    const permissions = {
      family: permissionFamily({ store: mongo.aggregates, externalKeys: mongo.externalKeys }),
      commandsTopic: t.permissionCommands, resultsTopic: t.permissionResults, eventsTopic: t.permissionEvents,
      decoder: createCommandDecoder(registry, permissionCommands),
      resultEncoder: createEncoder(registry, permissionResults),
      eventEncoder: createEncoder(registry, permissionEvents),
    };

    clears = startOutboxClears(mongo.aggregates, config.outboxClears, logger, { observer, owing: redis.owing });
    const deps: PipelineDeps = {
      store: mongo.aggregates, results: mongo.results, locks: redis.locks, bus, clock, observer, logger,
      published: redis.published, clears, owing: redis.owing,
      lockTtlMs: config.lockTtlMs, lockWaitMs: config.lockWaitMs, writesInFlight: config.keyConcurrency,
      maxMessageBytes: config.kafkaMaxMessageBytes,
    };

    let consumer: ConsumerHandle | null = null;
    if (options.consume) {
      const byTopic = new Map<string, ChunkHandler>([
        [t.consentCommands, chunkHandlerFor(deps, consents)],
        [t.permissionCommands, chunkHandlerFor(deps, permissions)],
      ]);
      consumer = await bus.consume({
        groupId: config.consumerGroup,
        topics: [...byTopic.keys()],
        partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
        // A partition's messages all come from one topic, hence one family.
        onBatch: batchHandler({
          chunkSize: config.commitEvery, logger, observer,
          park: parkInDeadLetter(bus, clock, config.kafkaMaxMessageBytes, observer),
        }, (messages, done) => {
          const handle = byTopic.get(messages[0]?.topic ?? '');
          if (!handle) throw new Error(`no family consumes ${messages[0]?.topic}`);
          return handle(messages, done);
        }),
      });
    }
    // ---- ops: what /readyz asks of this worker (src/ops/readiness.ts) ----
    const joined = consumer;
    const readinessChecks: Worker['readinessChecks'] = {
      ...(joined ? { consumerGroup: async () => { if (!joined.joined()) throw new Error(`not a member of ${config.consumerGroup} (joining or rebalancing)`); } } : {}),
      kafka: () => bus.ping(),
      registry: registryPing(config.schemaRegistryUrl, config.schemaRegistryAuth, config.schemaRegistryTls),
      mongodb: () => mongo.db.command({ ping: 1 }),
      redis: async () => {
        try {
          await redis.ping();
        } catch (error) {
          const refusal = redisRefusal();
          throw refusal === null ? error : new Error(`${(error as Error).message}: ${refusal}`);
        }
      },
    };
    const sweeper = options.sweep
      ? startSweeper({
          pipeline: deps, runtime: consents, schedule: redis.schedule, due: mongo.dueConsents, parking: createParkingLot(mongo.db), logger,
        }, { ...config.sweep, sweeperId: `${hostname()}-${process.pid}` })
      : null;
    logger.info({ consume: options.consume, sweep: options.sweep, groupId: config.consumerGroup }, 'worker started');

    // In the background, page by page until done or stopped: what a crash left owed (see recover-outboxes.ts).
    const stopRecovery = new AbortController();
    const recovery = (async () => {
      const options = { burstPages: config.outboxRecoveryPages, signal: stopRecovery.signal };
      await recoverOwedOutboxes(deps, consents, [CONSENTS, SERVICE_POLICIES], options, logger);
      await recoverOwedOutboxes(deps, permissions, Object.values(PERMISSION_COLLECTIONS), options, logger);
    })().catch((error: unknown) => logger.warn({ err: error }, 'start-up outbox recovery failed; owed outboxes are published when next loaded'));

    // Idempotent: a second stop (a signal during shutdown, a test's teardown) awaits the first.
    let stopped: Promise<void> | null = null;
    return {
      sweeper,
      readinessChecks,
      stop() {
        stopped ??= (async () => {
          await sweeper?.stop();
          await consumer?.stop();
          stopRecovery.abort();
          await recovery;
          await stopAll();
          logger.info('worker stopped');
        })();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/**
 * ioredis emits 'error' on every failed reconnect, and prints "Unhandled error event" to stderr
 * when nobody listens: one warning per outage and one line when it is back, in the JSON log.
 */
/**
 * Logs the Redis connection going down and back, once each. Returns why Redis refuses the worker
 * (wrong password, untrusted certificate), if it does: ioredis connects lazily and reconnects
 * for ever, so a refusal would otherwise read as one long outage.
 */
function logConnectionState(client: { on(event: string, listener: (...args: unknown[]) => void): unknown }, logger: Logger): () => string | null {
  let down = false;
  let refusal: string | null = null;
  client.on('error', (error) => {
    refusal = securityRefusalOf(error);
    if (down) return;
    down = true;
    if (refusal !== null) logger.error({ err: error, refusal }, 'a server refused the worker (credentials, certificate or ACL); fix the configuration. Retrying');
    else logger.warn({ err: error }, 'redis connection lost; reconnecting');
  });
  client.on('ready', () => {
    refusal = null;
    if (!down) return;
    down = false;
    logger.info('redis connection back');
  });
  return () => refusal;
}

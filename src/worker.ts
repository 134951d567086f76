// The composition root: reads nothing itself (config comes in), connects the four servers,
// registers the schemas, wires both command families onto the one pipeline, starts consuming and
// sweeping, and recovers owed outboxes in the background.
import { hostname } from 'node:os';
import { createKafkaBus } from './adapters/kafka/kafka-bus.ts';
import { connectMongo, type MongoStores } from './adapters/mongodb/mongo-store.ts';
import { createParkingLot } from './adapters/mongodb/parking-lot.ts';
import { startResultRetention, type ResultRetention } from './adapters/mongodb/result-retention.ts';
import { createCommandDecoder, createEncoder, createRegistry, registerTopicSchemas, type RegisteredSchema } from './adapters/registry/avro-codec.ts';
import { connectRedis, type RedisServices } from './adapters/redis/redis-services.ts';
import { registryPing } from './adapters/registry/registry-ping.ts';
import { CONSENTS, PERMISSION_COLLECTIONS, SERVICE_POLICIES } from './catalogue/collections.ts';
import { readServicePolicies } from './adapters/mongodb/service-policy-reads.ts';
import { policySnapshot, type ServicePolicyLookup } from './families/service-policies.ts';
import type { Config } from './config/config.ts';
import { startSweeper, type ConsentRuntime, type Sweeper } from './families/consent-expiry/expiry-sweeper.ts';
import { consentFamily } from './families/consent-family.ts';
import { permissionFamily } from './families/permission-family.ts';
import type { Logger } from './logging/logger.ts';
import type { PipelineDeps } from './pipeline/apply-round.ts';
import { parkInDeadLetter } from './pipeline/dead-letter.ts';
import { topicsToCreate, type TopicRole } from './catalogue/topics.ts';
import type { DomainCommand, FamilyRuntime, Versioned } from './pipeline/family.ts';
import { handleCommandChunk } from './pipeline/handle-message.ts';
import { NO_OBSERVER, type PipelineObserver } from './pipeline/observer.ts';
import { startOutboxClears, type OutboxClears } from './pipeline/outbox-clears.ts';
import { batchHandler, type ChunkHandler } from './pipeline/partition-batch.ts';
import type { ConsumerHandle, MessageBus } from './pipeline/ports.ts';
import { recoverOwedOutboxes } from './pipeline/recover-outboxes.ts';
import { securityRefusalOf } from './ops/security-refusal.ts';

export interface WorkerOptions {
  /** false runs the expiry sweeper alone (`npm run sweeper`). */
  readonly consume: boolean;
  readonly sweep: boolean;
  readonly clock?: () => Date;
  /** Hears what the pipeline does (metrics); NO_OBSERVER by default. */
  readonly observer?: PipelineObserver;
  /** Called with the name of every command the MongoDB driver sends (tests count round trips by it). */
  readonly onStoreCommand?: (commandName: string) => void;
  /** How often the service policies are re-read (families/service-policies.ts); POLICY_REFRESH_MS by default. */
  readonly policyRefreshMs?: number;
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

/** Both families on the shared pipeline, each with its topics and codecs. */
function familyRuntimes(
  config: Config, registry: ReturnType<typeof createRegistry>, schemas: Record<TopicRole, RegisteredSchema>, mongo: MongoStores, redis: RedisServices,
  policies: ServicePolicyLookup,
) {
  const t = config.topics;
  const consents: ConsentRuntime = {
    family: consentFamily({ rates: redis.rates, schedule: redis.schedule, policies, orgDecisionLimit: config.orgDecisionLimit, orgDecisionWindowMs: config.orgDecisionWindowMs }),
    commandsTopic: t.consentCommands, resultsTopic: t.consentResults, eventsTopic: t.consentEvents,
    decoder: createCommandDecoder(registry, schemas.consentCommands),
    resultEncoder: createEncoder(registry, schemas.consentResults),
    eventEncoder: createEncoder(registry, schemas.consentEvents),
    otherEvents: { ServicePolicyState: { topic: t.servicePolicyEvents, encoder: createEncoder(registry, schemas.servicePolicyEvents) } },
  };
  const permissions = {
    family: permissionFamily({ store: mongo.aggregates, externalKeys: mongo.externalKeys }),
    commandsTopic: t.permissionCommands, resultsTopic: t.permissionResults, eventsTopic: t.permissionEvents,
    decoder: createCommandDecoder(registry, schemas.permissionCommands),
    resultEncoder: createEncoder(registry, schemas.permissionResults),
    eventEncoder: createEncoder(registry, schemas.permissionEvents),
  };
  return { consents, permissions };
}

type Runtimes = ReturnType<typeof familyRuntimes>;

/** Consumes both commands topics; a partition's messages all come from one topic, hence one family. */
async function startConsuming(config: Config, deps: PipelineDeps, bus: MessageBus, runtimes: Runtimes): Promise<ConsumerHandle> {
  const t = config.topics;
  const { clock, logger, observer } = deps;
  const byTopic = new Map<string, ChunkHandler>([
    [t.consentCommands, chunkHandlerFor(deps, runtimes.consents)],
    [t.permissionCommands, chunkHandlerFor(deps, runtimes.permissions)],
  ]);
  const consumer = await bus.consume({
    groupId: config.consumerGroup,
    topics: [...byTopic.keys()],
    partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
    commitEvery: config.commitEvery,
    commitIntervalMs: config.commitIntervalMs,
    onBatch: batchHandler({
      chunkSize: config.commitEvery, logger, observer,
      park: parkInDeadLetter(bus, clock, config.kafkaMaxMessageBytes, observer),
    }, (messages, done) => {
      const handle = byTopic.get(messages[0]?.topic ?? '');
      if (!handle) throw new Error(`no family consumes ${messages[0]?.topic}`);
      return handle(messages, done);
    }),
  });
  const session = consumer.sessionTimeoutMs();
  if (session !== null) observer.groupSession(session / 1_000);
  return consumer;
}

interface Connected {
  readonly bus: MessageBus;
  readonly mongo: MongoStores;
  readonly redis: RedisServices;
  readonly redisRefusal: () => string | null;
  readonly consumer: ConsumerHandle | null;
}

/** What /readyz asks of this worker (src/ops/readiness.ts): each check rejects when not ready. */
function readinessChecksOf(config: Config, { bus, mongo, redis, redisRefusal, consumer }: Connected): Worker['readinessChecks'] {
  return {
    ...(consumer ? { consumerGroup: async () => { if (!consumer.joined()) throw new Error(`not a member of ${config.consumerGroup} (joining or rebalancing; session ${consumer.sessionTimeoutMs()} ms)`); } } : {}),
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
}

/**
 * In the background, page by page until done or stopped: what a crash left owed (see
 * recover-outboxes.ts). `stop` ends it at the next page and resolves once it has.
 */
function recoverInBackground(config: Config, deps: PipelineDeps, runtimes: Runtimes, logger: Logger): { stop(): Promise<void> } {
  const stopRecovery = new AbortController();
  const recovery = (async () => {
    const options = { burstPages: config.outboxRecoveryPages, signal: stopRecovery.signal };
    await recoverOwedOutboxes(deps, runtimes.consents, [CONSENTS, SERVICE_POLICIES], options, logger);
    await recoverOwedOutboxes(deps, runtimes.permissions, Object.values(PERMISSION_COLLECTIONS), options, logger);
  })().catch((error: unknown) => logger.warn({ err: error }, 'start-up outbox recovery failed; owed outboxes are published when next loaded'));
  return { stop: () => { stopRecovery.abort(); return recovery; } };
}

/**
 * The worker's stop: its steps one after the other, in the order given (the sweeper and the
 * consumer before what they use). Idempotent: a second stop (a signal during shutdown, a test's
 * teardown) awaits the first.
 */
function stopOnce(steps: readonly (() => Promise<unknown> | undefined)[], logger: Logger): () => Promise<void> {
  let stopped: Promise<void> | null = null;
  return () => {
    stopped ??= (async () => {
      for (const step of steps) await step();
      logger.info('worker stopped');
    })();
    return stopped;
  };
}

export async function startWorker(config: Config, logger: Logger, options: WorkerOptions): Promise<Worker> {
  const t = config.topics;
  const clock = options.clock ?? (() => new Date());
  const observer = options.observer ?? NO_OBSERVER;
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDatabase, options.onStoreCommand, {
    onReconnect: (closeMessage, failures) =>
      logger.warn({ closeMessage, failures }, 'mongodb client stuck on a closed connection; reconnecting it (readiness red until it answers)'),
  });
  const redis = connectRedis(config.redisUrl, config.redisKeyPrefix, config.redisTls, config.redisPassword, config.redisCluster);
  const redisRefusal = logConnectionState(redis.client, logger);
  const bus = createKafkaBus({
    brokers: config.kafkaBrokers, clientId: config.clientId, logger, maxMessageBytes: config.kafkaMaxMessageBytes,
    ...config.kafkaGroupTimeouts, ...config.kafkaSecurity,
    ...(options.onKafkaRequest ? { onRequest: options.onKafkaRequest } : {}),
  });
  let clears: OutboxClears | null = null;
  let retention: ResultRetention | null = null;
  const policies = policySnapshot(readServicePolicies(mongo.db),
    (error) => logger.warn({ err: error }, 'service policies not re-read; the last ones read stay in use until the next refresh'), options.policyRefreshMs);
  const stopAll = async (): Promise<void> => {
    policies.stop();
    await retention?.stop();
    await clears?.stop(); // before the store closes: what waits is cleared now
    await bus.close();
    await redis.close();
    await mongo.close();
  };
  try {
    await mongo.ensureIndexes();
    retention = await startResultRetention(mongo.db, { retentionMs: config.resultRetentionMs, purgeIntervalMs: config.resultPurgeIntervalMs }, logger, clock);
    await bus.ensureTopics(topicsToCreate(t).map((name) => ({ name, partitions: config.topicPartitions })));

    // Registered before anything is consumed: an incompatible schema stops the start here.
    const registry = createRegistry(config.schemaRegistryUrl, config.schemaRegistryAuth, config.schemaRegistryTls);
    const schemas = await registerTopicSchemas(registry, t);

    const runtimes = familyRuntimes(config, registry, schemas, mongo, redis, policies);
    clears = startOutboxClears(mongo.aggregates, config.outboxClears, logger, { observer, owing: redis.owing });
    followLedger(redis.client, clears);
    const deps: PipelineDeps = {
      store: mongo.aggregates, results: mongo.results, locks: redis.locks, bus, clock, observer, logger,
      published: redis.published, clears, owing: redis.owing,
      lockTtlMs: config.lockTtlMs, lockWaitMs: config.lockWaitMs, writesInFlight: config.keyConcurrency,
      maxMessageBytes: config.kafkaMaxMessageBytes,
    };

    const consumer = options.consume ? await startConsuming(config, deps, bus, runtimes) : null;
    const readinessChecks = readinessChecksOf(config, { bus, mongo, redis, redisRefusal, consumer });
    const sweeper = options.sweep ? startSweeper({
      pipeline: deps, runtime: runtimes.consents, schedule: redis.schedule, due: mongo.dueConsents, parking: createParkingLot(mongo.db), logger,
    }, { ...config.sweep, sweeperId: `${hostname()}-${process.pid}` }) : null;
    logger.info({ consume: options.consume, sweep: options.sweep, groupId: config.consumerGroup }, 'worker started');
    const recovery = recoverInBackground(config, deps, runtimes, logger);

    return { sweeper, readinessChecks, stop: stopOnce([() => sweeper?.stop(), () => consumer?.stop(), () => recovery.stop(), stopAll], logger) };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/**
 * The deferred clears rely on the published-entries ledger in Redis, which a Redis without
 * persistence loses when it restarts: while the connection is down, they clear at once
 * (outbox-clears.ts). 'close' is the connection ending (a stop, a crash, a network cut), 'ready'
 * its return.
 */
function followLedger(client: { on(event: string, listener: () => void): unknown }, clears: OutboxClears): void {
  client.on('close', () => clears.ledgerLost());
  client.on('ready', () => clears.ledgerBack());
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

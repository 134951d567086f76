// The expiry lag benchmark (`npm run bench:expiry`): how long after its expiry a consent's
// ConsentExpired reaches a consumer of consent.events.v1.
//
// It starts one worker (consumer + sweeper) on fresh topics, database and Redis prefix, measures
// the create throughput on a warm-up, then creates BENCH_CONSENTS consents through Kafka whose
// expiryTime is spread evenly over a BENCH_WINDOW_MS window that opens after all of them should
// be created, and consumes the events. For each ConsentExpired it records
//   received lag  = when this benchmark's consumer received the event − expiryTime
//   occurred lag  = the event's occurredAt − expiryTime (the worker's write)
// and prints p50, p99 and max of both, with the machine, then writes them to
// bench/results/expiry-lag-<date>.json. A run is bounded by BENCH_TIME_LIMIT_S: whatever was
// measured by then is reported, with the shortfall said.
//
// With BENCH_REMINDER_LEAD_MS set, the service gets a policy with that reminder lead first
// (SetServicePolicy), the window moves that much later (so reminders too fall due after the
// creates), and the lag of each ConsentExpiringSoon behind expiry − lead is measured the same way.
//
// Servers: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI, REDIS_URL when all four are set,
// else the native stack's endpoints file (brought up if needed), each overridable by its own
// variable. SWEEP_*, TOPIC_PARTITIONS, PARTITIONS_CONSUMED_CONCURRENTLY, KEY_CONCURRENCY and
// LOCK_* pass through to the worker's configuration.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { createRegistry } from '../src/adapters/registry/avro-codec.ts';
import { loadConfig, type Config } from '../src/config/config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startWorker, type Worker } from '../src/worker.ts';
import { CommandProducer } from '../test/support/command-producer.ts';
import { isolatedEnv } from '../test/support/isolated-env.ts';
import { benchServers, type Servers } from '../test/support/servers.ts';
import { envNumber } from './env-number.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const env = process.env;

const N = Math.floor(envNumber('BENCH_CONSENTS', 10_000));
const WINDOW_MS = envNumber('BENCH_WINDOW_MS', 10_000); // expiries spread evenly over this window
const TIME_LIMIT_MS = envNumber('BENCH_TIME_LIMIT_S', 600) * 1_000; // the whole run, set-up included
const CREATE_SAFETY = envNumber('BENCH_CREATE_SAFETY', 3); // window opens after estimated create time × this
const MARGIN_MS = envNumber('BENCH_MARGIN_MS', 5_000); // ... plus this
const DRAIN_MS = envNumber('BENCH_DRAIN_MS', 180_000); // how long after the window closes to wait for stragglers
const SEND_CHUNK = 500; // messages per produce request
const REMINDER_LEAD_MS = env['BENCH_REMINDER_LEAD_MS'] ? envNumber('BENCH_REMINDER_LEAD_MS', 0) : null; // null: no reminders
const started = Date.now();
const elapsed = (): string => `${((Date.now() - started) / 1_000).toFixed(1).padStart(6)}s`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const timeLeft = (): number => TIME_LIMIT_MS - (Date.now() - started);

function workerEnv(s: Servers, suffix: string): Record<string, string> {
  const passed = Object.fromEntries(Object.entries(env).filter(([name, value]) => value !== undefined
    && /^(SWEEP_|LOCK_|TOPIC_PARTITIONS$|PARTITIONS_CONSUMED_CONCURRENTLY$|KEY_CONCURRENCY$)/.test(name))) as Record<string, string>;
  return {
    ...isolatedEnv(s, 'cwbench', suffix),
    LOG_LEVEL: env['LOG_LEVEL'] ?? 'warn',
    ...passed,
  };
}

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

function summary(values: number[]): { count: number; p50: number | null; p99: number | null; max: number | null; min: number | null; mean: number | null } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : null,
    min: sorted.length ? (sorted[0] as number) : null,
    mean: sorted.length ? Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length) : null,
  };
}

// ---- what the benchmark's consumer sees ------------------------------------------------------
interface Seen {
  created: Map<string, number>; // commandId → when its 201 arrived
  refused: Map<string, string>; // commandId → status code other than 201
  expired: Map<string, { receivedAt: number; occurredAt: number }>; // consentId → first ConsentExpired
  duplicateExpired: number; // ConsentExpired received again for a consent (same or another eventId)
  reminded: Map<string, { receivedAt: number; occurredAt: number }>; // consentId → first ConsentExpiringSoon
  duplicateReminded: number;
}

async function consume(kafka: Kafka, config: Config, suffix: string, seen: Seen): Promise<Consumer> {
  const registry = createRegistry(config.schemaRegistryUrl);
  const t = config.topics;
  const consumer = kafka.consumer({ groupId: `cwbench-reader-${suffix}`, sessionTimeout: 30_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [t.consentResults, t.consentEvents], fromBeginning: true });
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { joined = resolve; });
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      const receivedAt = Date.now(); // one fetch: every message in it arrived now
      for (const message of batch.messages) {
        if (!message.value) continue;
        const value = (await registry.decode(message.value)) as Record<string, unknown>;
        if (batch.topic === t.consentResults) {
          const commandId = String(value['commandId']);
          if (value['statusCode'] === '201') seen.created.set(commandId, receivedAt);
          else seen.refused.set(commandId, `${String(value['statusCode'])} ${String(value['message'] ?? '')}`);
        } else if (value['eventType'] === 'ConsentExpiringSoon') {
          const consentId = String(value['aggregateId']);
          if (seen.reminded.has(consentId)) seen.duplicateReminded++;
          else seen.reminded.set(consentId, { receivedAt, occurredAt: Date.parse(String(value['occurredAt'])) });
        } else if (value['eventType'] === 'ConsentExpired') {
          const consentId = String(value['aggregateId']);
          if (seen.expired.has(consentId)) seen.duplicateExpired++;
          else seen.expired.set(consentId, { receivedAt, occurredAt: Date.parse(String(value['occurredAt'])) });
        }
      }
    },
  });
  await ready;
  return consumer;
}

async function createConsents(producer: Producer, commands: CommandProducer, topic: string, items: readonly { id: string; expiry: number | null }[]): Promise<string[]> {
  const commandIds: string[] = [];
  for (let i = 0; i < items.length; i += SEND_CHUNK) {
    const chunk = items.slice(i, i + SEND_CHUNK);
    const messages = await Promise.all(chunk.map(async ({ id, expiry }) => {
      const { commandId, value } = await commands.encode(topic, 'CreateConsent', {
        consentId: id, serviceId: 'svc-bench', userId: `user-${id}`, status: 'ACTIVE',
        expiryTime: expiry === null ? null : new Date(expiry).toISOString(),
      }, { commandId: `create-${id}` });
      commandIds.push(commandId);
      return { key: id, value };
    }));
    await producer.send({ topic, acks: -1, messages });
  }
  return commandIds;
}

async function waitUntil(done: () => boolean, deadline: number, progress: () => void): Promise<boolean> {
  let lastPrint = 0;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    if (Date.now() - lastPrint >= 2_000) { progress(); lastPrint = Date.now(); }
    await sleep(50);
  }
  return true;
}

async function cleanUp(kafka: Kafka, config: Config, ferretdb: boolean): Promise<void> {
  // FerretDB on SQLite crashed when a database was dropped while its files were still mapped:
  // there the database is left for the native stack to clear when it next starts FerretDB.
  if (!ferretdb) {
    const mongo = await new MongoClient(config.mongodbUri).connect();
    await mongo.db(config.mongodbDatabase).dropDatabase().catch(() => undefined);
    await mongo.close();
  }
  const redis = new Redis(config.redisUrl);
  const keys = await redis.keys(`${config.redisKeyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(config.topics).flatMap((name) => [name, `${name}.dlq`]) }).catch(() => undefined);
  await admin.disconnect();
}

async function main(): Promise<void> {
  const s = benchServers(env);
  const suffix = randomUUID().slice(0, 8);
  const config = loadConfig(workerEnv(s, suffix));
  const logger = createLogger(config.logLevel, `bench-worker-${suffix}`);
  console.log(`${elapsed()} servers (${s.origin}): kafka ${s.kafkaBrokers}, mongodb ${s.mongodbUri}, redis ${s.redisUrl}`);
  console.log(`${elapsed()} ${N} consents, expiries over ${WINDOW_MS} ms, time limit ${TIME_LIMIT_MS / 1_000} s; sweep ${JSON.stringify(config.sweep)}`);

  const mongoInfo = await (async () => {
    const client = await new MongoClient(s.mongodbUri).connect();
    try {
      const info = await client.db('admin').command({ buildInfo: 1 });
      return { version: String(info['version']), ferretdbVersion: (info['ferretdbVersion'] as string | undefined) ?? null };
    } finally {
      await client.close();
    }
  })();

  const worker: Worker = await startWorker(config, logger, { consume: true, sweep: true });
  const kafka = new Kafka({ clientId: `bench-${suffix}`, brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const commands = new CommandProducer(createRegistry(config.schemaRegistryUrl), producer);
  const seen: Seen = { created: new Map(), refused: new Map(), expired: new Map(), duplicateExpired: 0, reminded: new Map(), duplicateReminded: 0 };
  const reader = await consume(kafka, config, suffix, seen);
  console.log(`${elapsed()} worker and reader ready`);

  const notes: string[] = [];
  const deadline = started + TIME_LIMIT_MS;
  const answered = (ids: readonly string[]): number => ids.filter((id) => seen.created.has(id) || seen.refused.has(id)).length;

  // 0. The service's reminder policy, applied before any consent is created.
  if (REMINDER_LEAD_MS !== null) {
    const { commandId, value } = await commands.encode(config.topics.consentCommands, 'SetServicePolicy',
      { serviceId: 'svc-bench', reminderLeadTime: String(REMINDER_LEAD_MS) }, { actor: { userId: 'bench-admin', roles: ['service_admin'] } });
    await producer.send({ topic: config.topics.consentCommands, acks: -1, messages: [{ key: 'svc-bench', value }] });
    const set = await waitUntil(() => seen.created.has(commandId), deadline, () => console.log(`${elapsed()} waiting for the policy`));
    if (!set) throw new Error(`SetServicePolicy was not answered 201: ${seen.refused.get(commandId) ?? 'no result'}`);
    console.log(`${elapsed()} reminder lead ${REMINDER_LEAD_MS} ms set`);
  }

  // 1. Warm-up: consents without expiry, to measure the create throughput on this machine.
  const warmCount = Math.max(50, Math.min(500, Math.floor(N / 20)));
  const warmSent = Date.now();
  const warmIds = await createConsents(producer, commands, config.topics.consentCommands,
    Array.from({ length: warmCount }, (_, i) => ({ id: `bench-warm-${suffix}-${i}`, expiry: null })));
  await waitUntil(() => answered(warmIds) === warmCount, deadline,
    () => console.log(`${elapsed()} warm-up creates ${answered(warmIds)}/${warmCount}`));
  const warmRate = answered(warmIds) / Math.max(0.001, (Date.now() - warmSent) / 1_000);
  console.log(`${elapsed()} warm-up: ${warmCount} creates at ${warmRate.toFixed(0)}/s`);

  // 2. The measured consents: the window opens once all of them should be created.
  const windowOverride = env['BENCH_WINDOW_START_S'];
  const estimateMs = (N / Math.max(1, warmRate)) * 1_000;
  const windowStart = Date.now() + (windowOverride ? Number(windowOverride) * 1_000 : estimateMs * CREATE_SAFETY + MARGIN_MS) + (REMINDER_LEAD_MS ?? 0);
  const windowEnd = windowStart + WINDOW_MS;
  const expiryOf = new Map<string, number>();
  const items = Array.from({ length: N }, (_, i) => {
    const id = `bench-${suffix}-${i}`;
    const expiry = Math.round(windowStart + ((i + 0.5) * WINDOW_MS) / N);
    expiryOf.set(id, expiry);
    return { id, expiry };
  });
  console.log(`${elapsed()} creating ${N} consents; the window opens in ${((windowStart - Date.now()) / 1_000).toFixed(1)} s`);
  const createSent = Date.now();
  const createIds = await createConsents(producer, commands, config.topics.consentCommands, items);
  const allCreated = await waitUntil(() => answered(createIds) === N, Math.min(deadline, windowEnd), () =>
    console.log(`${elapsed()} creates ${answered(createIds)}/${N} answered | expired ${seen.expired.size}`));
  const lastCreate = Math.max(...createIds.map((id) => seen.created.get(id) ?? 0));
  const createdCount = createIds.filter((id) => seen.created.has(id)).length;
  const createSeconds = ((allCreated ? lastCreate : Date.now()) - createSent) / 1_000;
  const createRate = createdCount / Math.max(0.001, createSeconds);
  console.log(`${elapsed()} ${createdCount}/${N} created (201) in ${createSeconds.toFixed(1)} s: ${createRate.toFixed(0)}/s`);
  if (!allCreated) notes.push(`only ${answered(createIds)} of ${N} creates were answered before the window closed or the time limit`);
  if (lastCreate > windowStart) notes.push(`creates overran the window start by ${lastCreate - windowStart} ms: some consents were created after their expiry`);
  const refused = createIds.filter((id) => seen.refused.has(id));
  if (refused.length > 0) notes.push(`${refused.length} creates refused, e.g. ${seen.refused.get(refused[0] as string)}`);

  // 3. The window: every created consent falls due within it; wait for its ConsentExpired.
  const expectedIds = items.map((item) => item.id).filter((id) => seen.created.has(`create-${id}`));
  // The size first: checking every id every 50 ms cost this process a tenth of its CPU during a
  // 20,000 drain, CPU the worker beside it (in this same process) then lacked.
  const allExpired = (): boolean => seen.expired.size >= expectedIds.length && expectedIds.every((id) => seen.expired.has(id));
  const drained = await waitUntil(allExpired, Math.min(deadline, windowEnd + DRAIN_MS), () => {
    const due = items.filter((item) => item.expiry <= Date.now()).length;
    console.log(`${elapsed()} due ${due}/${N} | expired ${seen.expired.size}/${expectedIds.length}`
      + `${Date.now() < windowStart ? ` | window opens in ${((windowStart - Date.now()) / 1_000).toFixed(1)} s` : ''}`);
  });
  await sleep(Math.min(2_000, Math.max(0, timeLeft()))); // late duplicates, if any, would show here
  const missing = expectedIds.filter((id) => !seen.expired.has(id)).length;
  if (!drained) notes.push(`${missing} of ${expectedIds.length} created consents had no ConsentExpired by the end of the run`);

  // 4. Figures.
  const received: number[] = [];
  const occurred: number[] = [];
  for (const [id, { receivedAt, occurredAt }] of seen.expired) {
    const expiry = expiryOf.get(id);
    if (expiry === undefined) continue;
    received.push(receivedAt - expiry);
    occurred.push(occurredAt - expiry);
  }
  const remindedReceived: number[] = [];
  const remindedOccurred: number[] = [];
  for (const [id, { receivedAt, occurredAt }] of seen.reminded) {
    const expiry = expiryOf.get(id);
    if (expiry === undefined || REMINDER_LEAD_MS === null) continue;
    remindedReceived.push(receivedAt - (expiry - REMINDER_LEAD_MS));
    remindedOccurred.push(occurredAt - (expiry - REMINDER_LEAD_MS));
  }
  if (REMINDER_LEAD_MS !== null && seen.reminded.size < expectedIds.length) {
    notes.push(`${expectedIds.length - seen.reminded.size} of ${expectedIds.length} created consents had no ConsentExpiringSoon`);
  }
  const cpus = os.cpus();
  const report = {
    benchmark: 'expiry-lag',
    date: new Date().toISOString(),
    consents: N,
    windowMs: WINDOW_MS,
    windowStartedAfterCreatesStartedMs: windowStart - createSent,
    created: createdCount,
    createsRefused: refused.length,
    expiredMeasured: received.length,
    missingExpired: missing,
    duplicateExpired: seen.duplicateExpired,
    complete: allCreated && drained && lastCreate <= windowStart,
    createThroughputPerS: Math.round(createRate),
    warmupCreateThroughputPerS: Math.round(warmRate),
    receivedLagMs: summary(received),
    occurredLagMs: summary(occurred),
    reminderLeadMs: REMINDER_LEAD_MS,
    reminder: REMINDER_LEAD_MS === null ? null : {
      receivedLagMs: summary(remindedReceived), occurredLagMs: summary(remindedOccurred), duplicates: seen.duplicateReminded,
      workerReminded: worker.sweeper?.reminded ?? null,
    },
    workerExpired: worker.sweeper?.expired ?? null,
    sweepConfig: config.sweep,
    topicPartitions: config.topicPartitions,
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown',
      cpus: cpus.length,
      totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.platform()} ${os.release()}`,
      // Other work on the machine skews the figures: the 1, 5 and 15 minute load at the end.
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    },
    node: process.version,
    servers: { origin: s.origin, mongodb: { ...mongoInfo, label: env['BENCH_MONGO_LABEL'] ?? null } },
    notes,
    runSeconds: Math.round((Date.now() - started) / 1_000),
  };

  const fmt = (x: ReturnType<typeof summary>): string => `p50 ${x.p50} ms, p99 ${x.p99} ms, max ${x.max} ms (n=${x.count})`;
  console.log('');
  console.log(`expiry lag, ${received.length} ConsentExpired of ${N} consents due within ${WINDOW_MS} ms`);
  console.log(`  received by a consumer − expiryTime: ${fmt(report.receivedLagMs)}`);
  console.log(`  occurredAt − expiryTime:             ${fmt(report.occurredLagMs)}`);
  if (report.reminder) {
    console.log(`reminder lag, ${remindedReceived.length} ConsentExpiringSoon (lead ${REMINDER_LEAD_MS} ms), duplicates ${seen.duplicateReminded}`);
    console.log(`  received by a consumer − (expiry − lead): ${fmt(report.reminder.receivedLagMs)}`);
    console.log(`  occurredAt − (expiry − lead):             ${fmt(report.reminder.occurredLagMs)}`);
  }
  console.log(`  duplicates: ${seen.duplicateExpired}; create throughput ${report.createThroughputPerS}/s (warm-up ${report.warmupCreateThroughputPerS}/s)`);
  console.log(`  machine: ${report.machine.cpuModel}, ${report.machine.cpus} cpus, ${report.machine.totalMemoryGiB} GiB, load ${report.machine.loadAverage.join(' ')}; node ${report.node}; ${report.date}`);
  console.log(`  mongodb: ${mongoInfo.ferretdbVersion ? `FerretDB ${mongoInfo.ferretdbVersion}` : `MongoDB ${mongoInfo.version}`}${report.servers.mongodb.label ? ` (${report.servers.mongodb.label})` : ''}`);
  for (const note of notes) console.log(`  NOTE: ${note}`);

  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `expiry-lag-${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`  written to ${path.relative(process.cwd(), file)}`);

  await reader.disconnect();
  await producer.disconnect();
  await worker.stop();
  await cleanUp(kafka, config, mongoInfo.ferretdbVersion !== null);
}

await main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});

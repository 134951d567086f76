// A probe, run by hand (the worker that answers nothing after FerretDB comes back, docs/faults.md):
// one worker process under a light, steady load through Kafka on the fault suite's private stack,
// FerretDB stopped and started PROBE_RESTARTS times (default 12) with outages cycling through
// PROBE_OUTAGES_S (default "1,3,6,10,15" seconds; the stop lands while writes are in flight). After
// each start, a worker that publishes nothing for PROBE_STALL_S (default 20) seconds is a stall.
// Wrap it like the suite: `flock /tmp/faults.lock node test/faults/mongo-outage-probe.ts`.
// PROBE_RATE (commands/s, default 60), PROBE_POOL (consents, default 600); PROBE_REDIS_FIRST_S
// (seconds, default 0: none) stops Redis that long before each FerretDB stop, as the fault suite does.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createRegistry } from '../../src/adapters/registry/avro-codec.ts';
import { TopicCollector } from '../support/topic-collector.ts';
import { CommandSource } from './commands.ts';
import { startPrivateStack, startServer, stopPrivateStack, stopServer } from './private-stack.ts';
import { WorkerProcess } from './worker-process.ts';

process.removeAllListeners('warning');
const RATE = Number(process.env['PROBE_RATE'] ?? 60);
const POOL = Number(process.env['PROBE_POOL'] ?? 600);
const RESTARTS = Number(process.env['PROBE_RESTARTS'] ?? 12);
const OUTAGES_S = (process.env['PROBE_OUTAGES_S'] ?? '1,3,6,10,15').split(',').map(Number);
const STALL_MS = Number(process.env['PROBE_STALL_S'] ?? 20) * 1_000;
const REDIS_FIRST_MS = Number(process.env['PROBE_REDIS_FIRST_S'] ?? 0) * 1_000;
const LOOPS = 4;
const t0 = Date.now();
const say = (text: string) => console.log(`[probe ${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s] ${text}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const run = randomUUID().slice(0, 8);
  const logDir = path.resolve(import.meta.dirname, '../../.faults', `mongo-probe-${run}`);
  mkdirSync(logDir, { recursive: true });
  const servers = await startPrivateStack();
  const topic = (name: string) => `${name}.cwprobe-${run}`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: servers.kafkaBrokers, SCHEMA_REGISTRY_URL: servers.schemaRegistryUrl, MONGODB_URI: servers.mongodbUri, REDIS_URL: servers.redisUrl,
    MONGODB_DATABASE: `cwprobe_${run}`, REDIS_KEY_PREFIX: `cwprobe:${run}:`, CONSUMER_GROUP: `cwprobe-${run}`,
    CONSENT_COMMANDS_TOPIC: topic('consent.commands'), CONSENT_RESULTS_TOPIC: topic('consent.results'), CONSENT_EVENTS_TOPIC: topic('consent.events'),
    PERMISSION_COMMANDS_TOPIC: topic('permission.commands'), PERMISSION_RESULTS_TOPIC: topic('permission.results'), PERMISSION_EVENTS_TOPIC: topic('permission.events'),
    TOPIC_PARTITIONS: '6', SWEEP_ENABLED: 'false', ORG_DECISION_LIMIT: '100000000', LOG_LEVEL: 'info', KAFKA_CLIENT_ID: 'cwprobe-worker',
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('PROBE_WORKER_')).map(([k, v]) => [k.slice('PROBE_WORKER_'.length), v ?? ''])),
  };
  const worker = new WorkerProcess('worker', env, logDir);
  worker.start();
  while (worker.logLines('worker started').length === 0) {
    if (!worker.running) throw new Error(`worker exited; see ${worker.logFile}`);
    await sleep(200);
  }
  say(`run ${run}: worker started; logs in ${logDir}; ${RATE}/s over ${POOL} consents; ${RESTARTS} restarts of ${OUTAGES_S.join(', ')} s`);
  const kafka = new Kafka({ clientId: `probe-${run}`, brokers: [servers.kafkaBrokers], logLevel: logLevel.NOTHING });
  const registry = createRegistry(servers.schemaRegistryUrl);
  const producers = Array.from({ length: LOOPS }, () => kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }));
  const sources = await Promise.all(producers.map(async (producer, i) => {
    await producer.connect();
    const source = new CommandSource(registry, producer, env['CONSENT_COMMANDS_TOPIC'] as string, `${run}${i}`);
    await source.init();
    return source;
  }));
  const results = env['CONSENT_RESULTS_TOPIC'] as string;
  const collector = new TopicCollector(kafka, registry, [results]);
  await collector.start([results], `cwprobe-collector-${run}`);

  let loading = true;
  const loops = sources.map(async (source) => {
    while (loading) {
      const tick = Date.now();
      await source.good(POOL / LOOPS).catch(() => sleep(200));
      const wait = (1_000 * LOOPS) / RATE - (Date.now() - tick);
      if (wait > 0) await sleep(wait);
    }
  });
  await sleep(10_000);
  const answered: number[] = [];
  let stalls = 0;
  for (let i = 0; i < RESTARTS; i++) {
    const seconds = OUTAGES_S[i % OUTAGES_S.length] as number;
    if (REDIS_FIRST_MS > 0) {
      await stopServer('redis');
      await sleep(REDIS_FIRST_MS);
      await startServer('redis');
      await sleep(5_000);
    }
    // Stop while a write is in flight: right after a result arrived, the next round is writing.
    const seen = collector.received.length;
    const waitFrom = Date.now();
    while (collector.received.length === seen && Date.now() - waitFrom < 30_000) await sleep(5);
    await stopServer('mongo');
    const faultAt = Date.now();
    await sleep(seconds * 1_000);
    await startServer('mongo');
    const back = collector.received.length;
    const backAt = Date.now();
    while (collector.received.length === back && Date.now() - backAt < STALL_MS + 40_000) await sleep(100);
    const gap = Date.now() - backAt;
    const stalled = gap > STALL_MS;
    if (stalled) stalls++;
    answered.push(gap);
    say(`restart ${i + 1}: FerretDB down ${seconds} s; ${stalled ? 'STALL: nothing' : 'answering again'} ${(gap / 1000).toFixed(1)} s after it was back${stalled ? `; ${worker.troubleSince(faultAt, 6)}` : ''}`);
    await sleep(5_000);
  }
  loading = false;
  await Promise.all(loops);
  say(`${stalls} stalls in ${RESTARTS} restarts (answering again after: ${answered.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s)`);
  await collector.stop().catch(() => undefined);
  await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
  await worker.terminate();
  if (process.env['FAULTS_KEEP_STACK'] !== '1') await stopPrivateStack();
  process.exitCode = stalls > 0 ? 1 : 0;
}

main().then(() => process.exit(process.exitCode ?? 0), (error: unknown) => { console.error(error); process.exit(1); });

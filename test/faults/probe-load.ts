// What the hand-run outage probes (redis-outage-probe.ts, mongo-outage-probe.ts) share: one worker
// process on the fault suite's private stack with its own database, prefix, group and topics
// (PROBE_WORKER_<VAR> passes <VAR> to it), and a steady load of good consent commands through Kafka
// from `loops` producers (an idempotent producer sends one request at a time), each on its own
// consents, paced to `rate` commands a second in all.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { createRegistry } from '../../src/adapters/registry/avro-codec.ts';
import { sleep } from '../../src/wait/sleep.ts';
import { CommandSource } from './commands.ts';
import { startPrivateStack, stopPrivateStack } from './private-stack.ts';
import { WorkerProcess } from './worker-process.ts';

export interface ProbeOptions {
  /** Names the log folder: .faults/<name>-<run>. */
  readonly name: string;
  readonly rate: number;
  readonly pool: number;
  readonly loops: number;
}

const t0 = Date.now();
export const say = (text: string): void => console.log(`[probe ${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s] ${text}`);

export async function startProbe(options: ProbeOptions) {
  const run = randomUUID().slice(0, 8);
  const logDir = path.resolve(import.meta.dirname, '../../.faults', `${options.name}-${run}`);
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
  const kafka = new Kafka({ clientId: `probe-${run}`, brokers: [servers.kafkaBrokers], logLevel: logLevel.NOTHING });
  const registry = createRegistry(servers.schemaRegistryUrl);
  const producers: Producer[] = Array.from({ length: options.loops }, () => kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }));
  const sources = await Promise.all(producers.map(async (producer, i) => {
    await producer.connect();
    const source = new CommandSource(registry, producer, env['CONSENT_COMMANDS_TOPIC'] as string, `${run}${i}`);
    await source.init();
    return source;
  }));

  let loading = true;
  const loops = sources.map(async (source) => {
    while (loading) {
      const tick = Date.now();
      await source.good(options.pool / options.loops).catch(() => sleep(200));
      const wait = (1_000 * options.loops) / options.rate - (Date.now() - tick);
      if (wait > 0) await sleep(wait);
    }
  });

  return {
    run, logDir, env, worker, kafka, registry,
    sent: () => sources.reduce((n, s) => n + s.sent.length, 0),
    /** Stops sending and waits for the loops to end. */
    async stopLoad(): Promise<void> {
      loading = false;
      await Promise.all(loops);
    },
    /** Producers, worker and (unless FAULTS_KEEP_STACK=1) the private stack. */
    async close(): Promise<void> {
      await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
      await worker.terminate();
      if (process.env['FAULTS_KEEP_STACK'] !== '1') await stopPrivateStack();
    },
  };
}

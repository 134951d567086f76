// A probe, run by hand (issue 19): one worker process under steady load through Kafka on the fault
// suite's private stack, Redis stopped for each of PROBE_OUTAGES_S (default "11,60") seconds, then
// every result and event read back and those published more than once (same ids) counted per
// outage. Wrap it like the suite: `flock /tmp/faults.lock node test/faults/redis-outage-probe.ts`.
// PROBE_RATE (commands/s, default 400), PROBE_POOL (consents, default 3000).
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
const RATE = Number(process.env['PROBE_RATE'] ?? 400);
const POOL = Number(process.env['PROBE_POOL'] ?? 3_000);
const OUTAGES_S = (process.env['PROBE_OUTAGES_S'] ?? '11,60').split(',').map(Number);
const LOOPS = 8;
const t0 = Date.now();
const say = (text: string) => console.log(`[probe ${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s] ${text}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const run = randomUUID().slice(0, 8);
  const logDir = path.resolve(import.meta.dirname, '../../.faults', `probe-${run}`);
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
  say(`run ${run}: worker started; logs in ${logDir}; ${RATE}/s over ${POOL} consents; outages ${OUTAGES_S.join(', ')} s`);
  const kafka = new Kafka({ clientId: `probe-${run}`, brokers: [servers.kafkaBrokers], logLevel: logLevel.NOTHING });
  // One producer per loop (an idempotent producer sends one request at a time), each loop its own consents.
  const registry = createRegistry(servers.schemaRegistryUrl);
  const producers = Array.from({ length: LOOPS }, () => kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }));
  const sources = await Promise.all(producers.map(async (producer, i) => {
    await producer.connect();
    const source = new CommandSource(registry, producer, env['CONSENT_COMMANDS_TOPIC'] as string, `${run}${i}`);
    await source.init();
    return source;
  }));
  const sent = () => sources.reduce((n, s) => n + s.sent.length, 0);
  const results = env['CONSENT_RESULTS_TOPIC'] as string;
  const events = env['CONSENT_EVENTS_TOPIC'] as string;
  const collector = new TopicCollector(kafka, registry, [results, events]);
  await collector.start([results, events], `cwprobe-collector-${run}`);

  let loading = true;
  const loops = sources.map(async (source) => {
    while (loading) {
      const tick = Date.now();
      await source.good(POOL / LOOPS).catch(() => sleep(200));
      const wait = (1_000 * LOOPS) / RATE - (Date.now() - tick);
      if (wait > 0) await sleep(wait);
    }
  });
  // Marks in the received stream: a repeat is counted against the outage before whose end mark... its second copy arrived after.
  const marks: { what: string; at: number }[] = [];
  await sleep(20_000);
  for (const seconds of OUTAGES_S) {
    marks.push({ what: `redis stopped ${seconds} s`, at: collector.received.length });
    say(`stopping redis for ${seconds} s (${collector.received.length} received, ${sent()} sent)`);
    await stopServer('redis');
    await sleep(seconds * 1_000);
    await startServer('redis');
    say('redis started');
    await sleep(40_000);
  }
  loading = false;
  await Promise.all(loops);
  const expected = sent();
  // Settled: nothing new for 15 s.
  for (let last = -1; last !== collector.received.length;) { last = collector.received.length; await sleep(15_000); }
  say(`${expected} commands sent; ${collector.received.length} records received`);

  // Per repeat: the outage after whose start its copy arrived, and whether the first copy came
  // before that outage started (published before it) or after (a copy made after it).
  const firstAt = new Map<string, number>();
  const phaseOf = (i: number): number => { let m = -1; for (let k = 0; k < marks.length; k++) if (i >= (marks[k] as { at: number }).at) m = k; return m; };
  const repeats = [-1, ...marks.map((_, k) => k)].map(() => ({ results: 0, events: 0, firstBefore: 0, examples: [] as string[] }));
  collector.received.forEach((r, i) => {
    if (!r.value) return;
    const isResult = r.topic === results;
    const id = isResult ? `r:${r.key}/${String(r.value['requestId'])}` : `e:${String(r.value['eventId'])}`;
    const first = firstAt.get(id);
    if (first === undefined) { firstAt.set(id, i); return; }
    const m = phaseOf(i);
    const bucket = repeats[m + 1] as (typeof repeats)[number];
    if (isResult) bucket.results++; else bucket.events++;
    if (m >= 0 && first < (marks[m] as { at: number }).at) bucket.firstBefore++;
    if (bucket.examples.length < 3 && isResult) bucket.examples.push(`${r.key} (copies at ${first} and ${i})`);
  });
  const line = (b: (typeof repeats)[number]) => `${b.results} results, ${b.events} events (${b.firstBefore} first published before that outage; e.g. ${b.examples.join(', ')})`;
  say(`repeats before any outage: ${line(repeats[0] as (typeof repeats)[number])}`);
  marks.forEach((mark, k) => say(`repeats after ${mark.what} (received index ${mark.at}): ${line(repeats[k + 1] as (typeof repeats)[number])}`));
  say(`worker warnings: ${worker.troubleSince(0, 8)}`);
  await collector.stop().catch(() => undefined);
  await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
  await worker.terminate();
  if (process.env['FAULTS_KEEP_STACK'] !== '1') await stopPrivateStack();
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });

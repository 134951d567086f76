// `npm run bench:clients`: kafkajs against @platformatic/kafka on the same broker in one run
// (docs/supported-versions.md). (1) Raw pipe: records/s and client CPU per record, producing
// (acks=all, idempotent) and consuming in a group. (2) Kill: the pause one SIGKILLed member of two
// costs, per client, group protocol, assignor and membership. Runs alternate the clients (ABAB);
// the JSON goes to bench/results/kafka-clients-<time>.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { envNumber } from '../env-number.ts';
import type { ClientName } from './bench-client.ts';
import { adminKafka, brokerGroupSettings, brokersOf, nativeBrokerVersion, probeGroupSession } from './broker.ts';
import { runKill, type KillRun, type KillSettings } from './kill-scenario.ts';
import { runRawPipe, type RawPipeRun } from './raw-pipe.ts';
import { summaryLines } from './summary.ts';
import { selectKillModes, selectVariants } from './variants.ts';

const passes = envNumber('BENCH_KC_PASSES', 2, 1);
const records = envNumber('BENCH_KC_RECORDS', 50_000, 1);
const recordBytes = envNumber('BENCH_KC_RECORD_BYTES', 300, 1);
const partitions = envNumber('BENCH_KC_PARTITIONS', 6, 2);
const skipPipe = process.env['BENCH_KC_SKIP_PIPE'] === 'true';
const variants = process.env['BENCH_KC_SKIP_KILL'] === 'true' ? [] : selectVariants(process.env['BENCH_KC_VARIANTS']);
const modes = selectKillModes(process.env['BENCH_KC_KILL_MODES']);

const brokers = brokersOf();
const kafka = adminKafka(brokers);
const runId = new Date().toISOString().replaceAll(/[:.]/g, '-');
const logFile = path.join(tmpdir(), `bench-kafka-clients-${runId}.log`);
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const progress = (line: string): void => { console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`); };

const killSettings: KillSettings = {
  brokers, partitions, recordBytes,
  perSecond: envNumber('BENCH_KC_RATE', 200, 1),
  sessionTimeoutMs: envNumber('BENCH_KC_SESSION_MS', 6_000, 1),
  heartbeatIntervalMs: envNumber('BENCH_KC_HEARTBEAT_MS', 1_000, 1),
  settleTimeoutMs: envNumber('BENCH_KC_SETTLE_MS', 60_000, 1),
  observeMs: envNumber('BENCH_KC_OBSERVE_MS', 75_000, 1),
  tailMs: envNumber('BENCH_KC_TAIL_MS', 5_000, 0),
  logFile,
};

const kip848Session = { sessionMs: killSettings.sessionTimeoutMs, answer: await probeGroupSession(brokers, killSettings.sessionTimeoutMs) };
const broker = { brokers, version: nativeBrokerVersion(), settings: await brokerGroupSettings(kafka), kip848Session };
progress(`broker ${brokers.join(',')} (Kafka ${broker.version ?? 'version unknown'}); ${cpus().length} cores, load ${loadavg()}; child logs in ${logFile}`);
progress(`group settings: ${JSON.stringify(broker.settings)}`);
progress(`a KIP-848 group's session of ${kip848Session.sessionMs} ms (consumer.session.timeout.ms, validateOnly): ${kip848Session.answer}`);

const pipes: RawPipeRun[] = [];
const kills: KillRun[] = [];
const pipeClients: ClientName[] = skipPipe ? [] : ['kafkajs', 'platformatic'];
for (let pass = 1; pass <= passes; pass++) {
  for (const client of pipeClients) {
    const topic = `bench-kc-pipe-${runId}-${pass}-${client}`;
    progress(`pass ${pass}: raw pipe, ${client}, ${records} records of ${recordBytes} B over ${partitions} partitions (load ${loadavg()})`);
    const run = await runRawPipe(kafka, { client, brokers, topic, groupId: topic, records, recordBytes, batch: 500, maxWaitMs: 100, timeoutMs: 120_000 }, partitions, logFile);
    pipes.push(run);
    progress(`  produce ${Math.round(run.produce.records / (run.produce.ms / 1000))}/s, ${((run.produce.cpuMs * 1000) / run.produce.records).toFixed(1)} µs CPU/record; consume ${Math.round(run.consume.records / (run.consume.ms / 1000))}/s, ${((run.consume.cpuMs * 1000) / run.consume.records).toFixed(1)} µs CPU/record (group join included: first record after ${Math.round(run.consume.joinMs)} ms)`);
  }
  for (const variant of variants) {
    for (const mode of modes) {
      const topic = `bench-kc-kill-${runId}-${pass}-${variant.id}-${mode}`;
      progress(`pass ${pass}: kill, ${variant.id}, ${mode} (load ${loadavg()})`);
      const run = await runKill(kafka, variant, mode, killSettings, topic);
      kills.push(run);
      progress(`  survivor's longest gap ${run.survivorKeptGapMs ?? '-'} ms on the partitions it kept, ${run.survivorLongestGapMs ?? '-'} ms on all it had (${run.survivorPartitionsMoved?.length ?? '-'} handed over; steady ${run.steadyGapMs ?? '-'} ms); killed member's partitions consumed again after ${run.killedPartitionsResumedMs ?? 'never'} ms${run.failures.length > 0 ? `; ${run.failures.join('; ')}` : ''}`);
    }
  }
}

const report = { at: new Date().toISOString(), cores: cpus().length, loadAtEnd: loadavg(), broker, records, recordBytes, partitions, killSettings: { ...killSettings, brokers: undefined, logFile: undefined }, pipes, kills };
const resultsDir = path.resolve(import.meta.dirname, '../results');
mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `kafka-clients-${runId}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
for (const line of summaryLines(pipes, kills)) console.log(line);
progress(`written ${path.relative(process.cwd(), file)}`);

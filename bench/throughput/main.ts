// `npm run bench`: the worker's throughput, latency and cost per command, beside the raw limits of
// the same servers measured in the same run. See docs/benchmarks/throughput.md.
//
// The worker runs as its own process (`node src/main.ts`, isolated topics/group/database/prefix)
// and is driven only through Kafka and its environment, so the benchmark measures whatever
// pipeline code is in the tree. The load generator and the raw baselines are child processes too;
// this process only orchestrates and reads every process's CPU time from /proc.
//
// Scenarios, each with a fresh worker process started on a backlog produced beforehand:
//   create   N CreateConsent of new consents
//   update   N UpdateConsent of those consents
//   accept   N AcceptPermission, one per entity (reference data and N entities set up first)
//   mix      N/2 UpdateConsent + N/2 AcceptPermission (a second permission), interleaved
// then open-loop CreateConsent at each of BENCH_RATES for BENCH_OPEN_SECONDS (default 50, 100, 250,
// 500, 1,000/s), and sustained at each of BENCH_SUSTAINED_RATES for BENCH_SUSTAINED_SECONDS (1,000
// and 2,000/s, 90 s; each says whether the worker kept up), each row with the worker's and each
// server's CPU per command; then the raw limits:
//   raw pipe   a plain kafkajs consume → decode → produce (acked) → commit of the backlogs' command records
//   raw store  the MongoDB commands the worker sent in each scenario, replayed with the driver alone
// and the stored-data variant: BENCH_STORED consents copied into a fresh database, then create and
// update backlogs there (and the worker's start-up time with that collection).
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forkChild, startWorkerProcess, type IpcChild, type WorkerProcess } from './children.ts';
import type { CommandSpec } from './commands.ts';
import { benchStack } from './bench-stack.ts';
import { benchEnvironment, createTopics, describe, endOffsets, registerSchemas, removeEnvironment, type BenchEnvironment } from './environment.ts';
import type { GeneratorSettings } from './load-generator.ts';
import type { FromBaseline, FromGenerator, LabelStats, ToGenerator } from './messages.ts';
import { recordsWithin } from './pipe-ends.ts';
import { cpuBetween, peakRssMiB, sample, serverPids, SERVERS, type CpuSample, type ServerName } from './process-cpu.ts';
import type { RawPipeSettings } from './raw-pipe.ts';
import type { RawStoreSettings, ReplayWindow } from './raw-store.ts';
import { formatTable, perCommand, ratio, writeJson, type Row } from './report.ts';
import { seedConsents, seededSuffix } from './seed-consents.ts';
import { loadSettings, type Scenario } from './settings.ts';
import { describeVerdict, sustainedVerdict } from './sustained.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const started = Date.now();
const elapsed = (): string => `${((Date.now() - started) / 1_000).toFixed(1).padStart(6)}s`;
const say = (text: string): void => console.log(`${elapsed()} ${text}`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const settings = loadSettings();
const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
const stack = benchStack();
const s = stack.servers;
const suffix = randomUUID().slice(0, 8);
const work = path.join(os.tmpdir(), `cwbench-${suffix}`); // worker logs and traces
mkdirSync(work, { recursive: true });
const main = benchEnvironment(stack, suffix);
const pipeTopic = `bench.raw-pipe.cwbench-${suffix}`;
const workerConcurrency = main.config.keyConcurrency * main.config.partitionsConsumedConcurrently;
say(`servers (${stack.name} stack, ${s.origin}): kafka ${s.kafkaBrokers}, mongodb ${s.mongodbUri}, redis ${s.redisUrl}; load average ${loadBefore.join(' ')}`);
say(`N=${settings.n}, rates ${settings.rates.join(',')}/s for ${settings.openSeconds} s, sustained ${settings.sustained.rates.join(',') || 'none'}/s for ${settings.sustained.seconds} s, stored ${settings.stored}${settings.short ? ' (BENCH_SHORT: a smoke run)' : ''}; worker logs and traces in ${work}`);

await createTopics(main, [pipeTopic]);
registerSchemas(main.env);
const pids = serverPids(stack.runDir);
const versions = await describe(main, pids);
say(`server pids ${JSON.stringify(pids)}${s.origin === 'native' ? '' : ' (servers not started by the native stack: their CPU is not measured)'}`);

// ---- the load generator ----------------------------------------------------------------------
type Generator = IpcChild<ToGenerator, FromGenerator>;
function startGenerator(env: BenchEnvironment): Generator {
  const generatorSettings: GeneratorSettings = {
    kafkaBrokers: env.config.kafkaBrokers, schemaRegistryUrl: env.config.schemaRegistryUrl,
    groupId: `cwbench-generator-${env.suffix}`, security: env.stack.clients, topics: { ...env.config.topics },
  };
  const child = forkChild<ToGenerator, FromGenerator>('load-generator.ts', generatorSettings, path.join(work, `generator-${env.suffix}.log`));
  child.onOther((message) => {
    if (message.op === 'progress') say(`  ${message.label}: ${message.answered}/${message.sent} answered`);
    else if (message.op === 'error') console.error(`load generator: ${message.message}`);
  });
  return child;
}
const isOp = <K extends FromGenerator['op']>(op: K, label?: string) =>
  (m: FromGenerator): m is Extract<FromGenerator, { op: K }> => m.op === op && (label === undefined || ('label' in m && m.label === label));

// ---- measuring a window ----------------------------------------------------------------------
const serverPidsOnly = pids as Readonly<Record<string, number | undefined>>;
const sampleWith = (extra: Record<string, number>): CpuSample => sample({ ...serverPidsOnly, ...extra });
const background: Record<string, number | null> = await (async () => {
  const from = sampleWith({});
  await sleep(settings.backgroundMs);
  const to = sampleWith({});
  const used = cpuBetween(from, to);
  const seconds = (to.at - from.at) / 1_000;
  return Object.fromEntries(SERVERS.map((name) => [name, used[name] === null || used[name] === undefined ? null : Math.round((used[name] as number) / seconds)]));
})();
say(`servers' CPU with nothing of ours running (other work on the machine), ms per s: ${JSON.stringify(background)}`);

function serverCost(used: Record<string, number | null>, commands: number): Record<ServerName, number | null> {
  return Object.fromEntries(SERVERS.map((name) => [name, perCommand(used[name], commands)])) as Record<ServerName, number | null>;
}

/** The same, less what the servers used in the idle moment before the run (others' work), for the JSON. */
function serverCostNet(used: Record<string, number | null>, commands: number, seconds: number): Record<ServerName, number | null> {
  return Object.fromEntries(SERVERS.map((name) => {
    const raw = used[name];
    const idle = background[name];
    return [name, raw === null || raw === undefined || idle === null || idle === undefined ? null : perCommand(Math.max(0, raw - idle * seconds), commands)];
  })) as Record<ServerName, number | null>;
}

interface Measured {
  readonly stats: LabelStats;
  readonly complete: boolean;
  readonly window: ReplayWindow | null;
  readonly cpu: Record<string, number | null>;
  readonly commands: number;
}

/** Waits for a label's first and last result, sampling CPU at each; `process` is the worker's pid. */
async function measure(gen: Generator, label: string, pid: number, exited: Promise<unknown>): Promise<Measured> {
  let workerGone = false;
  void exited.then(() => { workerGone = true; });
  const guard = async <T>(waiting: Promise<T>): Promise<T> => {
    const result = await Promise.race([waiting, exited.then(() => null)]);
    if (result === null || workerGone) throw new Error(`the worker exited during ${label}; see its log in ${work}`);
    return result;
  };
  const first = await guard(gen.next((m): m is Extract<FromGenerator, { op: 'first' | 'done' }> => (m.op === 'first' || m.op === 'done') && m.label === label));
  const from = sampleWith({ worker: pid });
  const last = first.op === 'done' ? first : await guard(gen.next((m): m is Extract<FromGenerator, { op: 'last' | 'done' }> => (m.op === 'last' || m.op === 'done') && m.label === label));
  const to = sampleWith({ worker: pid });
  const done = last.op === 'done' ? last : await gen.next(isOp('done', label));
  const { stats } = done;
  const window = stats.firstAt !== null && stats.lastAt !== null ? { name: label, from: stats.firstAt, to: stats.lastAt } : null;
  return { stats, complete: done.complete, window, cpu: cpuBetween(from, to), commands: Math.max(0, stats.answered - 1) };
}

function rowOf(scenario: string, kind: Row['kind'], m: Measured, extra: Partial<Row> = {}, extraNotes: readonly string[] = []): Row {
  const seconds = m.window ? (m.window.to - m.window.from) / 1_000 : 0;
  const notes: string[] = [...extraNotes];
  const unexpected = Object.entries(m.stats.statuses).filter(([code]) => !code.startsWith('2'));
  if (unexpected.length > 0) notes.push(`status codes other than 2xx: ${JSON.stringify(Object.fromEntries(unexpected))}`);
  if (!m.complete) notes.push(`${m.stats.answered} of ${m.stats.sent} answered within the phase's time limit`);
  return {
    scenario, kind, commands: m.commands, seconds: Math.round(seconds * 100) / 100,
    commandsPerS: seconds > 0 ? Math.round(m.commands / seconds) : 0,
    ownCpuMsPerCommand: perCommand(m.cpu['worker'], m.commands),
    serverCpuMsPerCommand: serverCost(m.cpu, m.commands),
    serverCpuMsPerCommandLessBackground: serverCostNet(m.cpu, m.commands, seconds),
    statuses: m.stats.statuses, complete: m.complete && unexpected.length === 0,
    ...(notes.length ? { notes } : {}),
    ...extra,
  };
}

// ---- worker runs -----------------------------------------------------------------------------
interface WorkerRun {
  readonly worker: WorkerProcess;
  readonly traceFile: string | null;
  readonly windows: ReplayWindow[];
}
let runs = 0;
/** Commands each replayed window answered in the worker's run. */
const replayed = new Map<string, number>();
/** Workers still running: stopped in the end whatever happened, so none outlives the benchmark. */
const live = new Set<WorkerProcess>();
/** `traced`: its MongoDB commands recorded for the raw-store replay (the backlogs' workers only). */
function startWorker(env: BenchEnvironment, traced = settings.trace): WorkerRun {
  runs++;
  const traceFile = traced ? path.join(work, `worker-${runs}.trace.bson`) : null;
  const worker = startWorkerProcess(env.env, path.join(work, `worker-${runs}.log`), traceFile);
  live.add(worker);
  void worker.exited.then(() => live.delete(worker));
  say(`worker ${runs} started (pid ${worker.pid})`);
  return { worker, traceFile, windows: [] };
}
async function stopWorker(run: WorkerRun): Promise<void> {
  const code = await run.worker.stop();
  if (code !== 0) say(`worker (pid ${run.worker.pid}) exited with ${code}; see ${run.worker.logFile}`);
}

async function send(gen: Generator, label: string, specs: readonly CommandSpec[], mix = false): Promise<number> {
  gen.send({ op: 'send', label, specs, mix });
  const sent = await gen.next(isOp('sent', label));
  say(`${label}: ${sent.count} commands produced in ${(sent.ms / 1_000).toFixed(1)} s`);
  return sent.count;
}

/** A closed backlog: produced first, then a fresh worker consumes it; timed from first to last result. */
async function backlog(gen: Generator, env: BenchEnvironment, label: string, specs: readonly CommandSpec[], mix = false): Promise<{ run: WorkerRun; row: Row }> {
  await send(gen, label, specs, mix);
  const run = startWorker(env);
  gen.send({ op: 'await', label, timeoutMs: settings.phaseTimeoutMs });
  const m = await measure(gen, label, run.worker.pid, run.worker.exited);
  // The replay's window is the whole phase, from the spawn: every command the worker sent for these
  // N commands (a pipeline that answers a chunk at once sends many of them before its first result).
  if (m.window) {
    run.windows.push({ name: label, from: run.worker.startedAt, to: m.window.to });
    replayed.set(label, m.stats.answered);
  }
  const row = rowOf(label, 'backlog', m, {
    workerPeakRssMiB: peakRssMiB(run.worker.pid),
    ...(m.stats.firstAt !== null ? { workerStartupMs: m.stats.firstAt - run.worker.startedAt } : {}),
  });
  say(`${label}: ${row.commandsPerS} commands/s, worker ${row.ownCpuMsPerCommand} ms CPU per command${row.complete ? '' : ` — ${row.notes?.join('; ')}`}`);
  return { run, row };
}

/** Untimed set-up through the running worker: sends and waits for every result. */
async function setUp(gen: Generator, label: string, specs: readonly CommandSpec[]): Promise<void> {
  await send(gen, label, specs);
  gen.send({ op: 'await', label, timeoutMs: settings.phaseTimeoutMs });
  const done = await gen.next(isOp('done', label));
  const refused = Object.entries(done.stats.statuses).filter(([code]) => !code.startsWith('2'));
  if (!done.complete || refused.length > 0) throw new Error(`set-up ${label} failed: ${done.stats.answered}/${done.stats.sent} answered, ${JSON.stringify(done.stats.statuses)}`);
  say(`${label}: ${done.stats.answered} answered in ${(((done.stats.lastAt ?? 0) - (done.stats.firstAt ?? 0)) / 1_000).toFixed(1)} s after the first`);
}

/** The row of an open-loop phase already sent to the generator: latency, and CPU per command of each process. */
async function openLoopRow(gen: Generator, run: WorkerRun, label: string, extra: (stats: LabelStats) => Partial<Row> = () => ({})): Promise<Row> {
  const m = await measure(gen, label, run.worker.pid, run.worker.exited);
  const behind = m.stats.sending?.maxBehindMs ?? 0;
  const more = extra(m.stats);
  const row = rowOf(label, 'open-loop', m, { latencyMs: m.stats.latencyMs, workerPeakRssMiB: peakRssMiB(run.worker.pid), ...more },
    [...(behind > 100 ? [`the generator fell up to ${behind} ms behind its sending schedule`] : []), ...(more.sustained ? [describeVerdict(more.sustained)] : [])]);
  labels.push(m.stats);
  say(`${label}: p50 ${row.latencyMs?.p50} ms, p99 ${row.latencyMs?.p99} ms, max ${row.latencyMs?.max} ms; worker ${row.ownCpuMsPerCommand} ms CPU per command${more.sustained ? `; ${describeVerdict(more.sustained)}` : ''}`);
  return row;
}

/** CreateConsent at `rate` for `seconds`, open loop, and whether the worker kept up (sustained.ts). */
async function sustainedRow(gen: Generator, run: WorkerRun, rate: number, seconds: number): Promise<Row> {
  const label = `sustained ${rate}/s for ${seconds} s`;
  const count = Math.round(rate * seconds);
  say(`${label}: ${count} CreateConsent`);
  // A worker that falls behind answers the rest after the sending stops: the wait allows for that.
  gen.send({ op: 'open', label, spec: { type: 'CreateConsent', prefix: `${consents}-s${rate}`, from: 0, count }, rate, seconds, timeoutMs: settings.phaseTimeoutMs + seconds * 1_000 });
  return openLoopRow(gen, run, label, (stats) => (stats.sending ? {
    sustained: sustainedVerdict({
      offeredPerS: rate, sendingStartedAt: stats.sending.startedAt, sendingEndedAt: stats.sending.endedAt,
      sent: stats.sent, answered: stats.answered, answeredWhenSendingEnded: stats.sending.answeredWhenEnded, lastAt: stats.lastAt,
    }),
  } : {}));
}

// ---- the run ---------------------------------------------------------------------------------
const N = settings.n;
const wants = (scenario: Scenario): boolean => settings.scenarios.includes(scenario);
const half = Math.floor(N / 2);
const consents = `bc-${suffix}`;
const entities = `be-${suffix}`;
const ref = { permissionIds: [`bp1-${suffix}`, `bp2-${suffix}`], sourceId: `bs-${suffix}`, contractId: `bk-${suffix}` };
const rows: Row[] = [];
const labels: LabelStats[] = [];
const workerRuns: WorkerRun[] = [];
let big: { env: BenchEnvironment; copiesOfEach: number } | null = null;
const gen = startGenerator(main);
await gen.next(isOp('ready'));
say('load generator ready');

try {
  // create; then, on the same worker and untimed, the permission reference data and N entities
  const create = await backlog(gen, main, 'create', [{ type: 'CreateConsent', prefix: consents, from: 0, count: N }]);
  rows.push(create.row);
  if (wants('accept') || wants('mix')) {
    say('set-up for accept: reference data and entities');
    await setUp(gen, 'setup-reference', [{ type: 'Reference', ...ref }]);
    await setUp(gen, 'setup-entities', [{ type: 'RegisterEntity', prefix: entities, from: 0, count: N, contractId: ref.contractId }]);
  }
  await stopWorker(create.run);
  workerRuns.push(create.run);
  if (settings.stored > 0) {
    // The stored-data variant's database, filled now while its templates are still at version 1.
    const env = benchEnvironment(stack, `${suffix}s`);
    await createTopics(env);
    registerSchemas(env.env);
    say(`seeding ${settings.stored} consents for the stored-data variant (copies of the ${N} the worker just stored)`);
    const seeded = await seedConsents(main.config.mongodbUri, main.config.mongodbDatabase, env.config.mongodbDatabase, settings.stored,
      (inserted) => say(`  seeded ${inserted}/${settings.stored}`));
    say(`seeded ${settings.stored} consents in ${seeded.seconds.toFixed(1)} s (${Math.round(settings.stored / seeded.seconds)}/s)`);
    big = { env, copiesOfEach: Math.min(seeded.templates, settings.stored) };
  }

  if (wants('update') || wants('mix')) {
    const update = await backlog(gen, main, 'update', [{ type: 'UpdateConsent', prefix: consents, from: 0, count: N, consentVersion: 2 }]);
    rows.push(update.row);
    await stopWorker(update.run);
    workerRuns.push(update.run);
  }

  if (wants('accept')) {
    const accept = await backlog(gen, main, 'accept', [{ type: 'AcceptPermission', prefix: entities, from: 0, count: N, permissionId: ref.permissionIds[0] as string, sourceId: ref.sourceId }]);
    rows.push(accept.row);
    await stopWorker(accept.run);
    workerRuns.push(accept.run);
  }

  if (wants('mix')) {
    const mix = await backlog(gen, main, 'mix update+accept', [
      { type: 'UpdateConsent', prefix: consents, from: 0, count: half, consentVersion: 3 },
      { type: 'AcceptPermission', prefix: entities, from: 0, count: N - half, permissionId: ref.permissionIds[1] as string, sourceId: ref.sourceId },
    ], true);
    rows.push(mix.row);
    await stopWorker(mix.run);
    workerRuns.push(mix.run);
  }

  // The raw pipe reads the backlogs' records only: where each command partition ends now.
  const backlogEnds = wants('raw') ? await endOffsets(main, [main.config.topics.consentCommands, main.config.topics.permissionCommands]) : {};

  if (wants('open')) {
    // Open loop: CreateConsent at fixed rates on a worker that is already consuming. Untraced: the
    // replay uses the backlogs' records only, and recording every MongoDB command cost this worker
    // CPU and latency of its own (up to 2 GiB of memory by the sustained rows) until 2026-12-06.
    const open = startWorker(main, false);
    await setUp(gen, 'open-warm-up', [{ type: 'CreateConsent', prefix: `${consents}-warm`, from: 0, count: 50 }]);
    for (const rate of settings.rates) {
      const label = `open ${rate}/s`;
      const count = Math.round(rate * settings.openSeconds);
      say(`${label}: ${count} CreateConsent over ${settings.openSeconds} s`);
      gen.send({ op: 'open', label, spec: { type: 'CreateConsent', prefix: `${consents}-o${rate}`, from: 0, count }, rate, seconds: settings.openSeconds, timeoutMs: settings.phaseTimeoutMs });
      rows.push(await openLoopRow(gen, open, label));
    }
    // Sustained: each rate held long enough that deferred work (the outbox clears) falls inside it,
    // one after the other on the same worker (a row's last clears fall into the next row's start).
    if (settings.sustained.seconds > 0) {
      for (const rate of settings.sustained.rates) rows.push(await sustainedRow(gen, open, rate, settings.sustained.seconds));
    }
    await stopWorker(open);
  }

  // ---- raw limits of the same servers, and the stored-data variant (beside the raw pipe) --------
  if (wants('raw')) {
    const all: LabelStats[] = [];
    for (const label of ['create', 'setup-reference', 'setup-entities', 'update', 'accept', 'mix update+accept']) {
      gen.send({ op: 'await', label, timeoutMs: 1_000 });
      all.push((await gen.next(isOp('done', label))).stats);
    }
    labels.push(...all);
    const answered = all.reduce((sum, l) => sum + l.answered, 0);
    const sent = recordsWithin(backlogEnds);
    const events = all.reduce((sum, l) => sum + l.eventsPerCommand * l.sent, 0);
    const pipeSettings: RawPipeSettings = {
      kafkaBrokers: main.config.kafkaBrokers, schemaRegistryUrl: main.config.schemaRegistryUrl, groupId: `cwbench-pipe-${suffix}`, security: stack.clients,
      outputTopic: pipeTopic, ends: backlogEnds, partitionsConsumedConcurrently: main.config.partitionsConsumedConcurrently,
      resultBytes: Math.round(all.reduce((sum, l) => sum + l.resultBytes * l.answered, 0) / Math.max(1, answered)),
      eventsPerCommand: Math.round((events / Math.max(1, answered)) * 100) / 100,
      eventBytes: Math.round(all.reduce((sum, l) => sum + l.eventBytes * l.eventsPerCommand * l.sent, 0) / Math.max(1, events)),
      timeoutMs: settings.phaseTimeoutMs,
    };
    say(`raw pipe: the backlogs' ${sent} command records → result (${pipeSettings.resultBytes} B) + ${pipeSettings.eventsPerCommand} events (${pipeSettings.eventBytes} B) each`);
    const pipe = forkChild<never, FromBaseline>('raw-pipe.ts', pipeSettings, path.join(work, 'raw-pipe.log'));
    pipe.onOther((message) => { if (message.op === 'error') console.error(`raw pipe: ${message.message}`); });
    const pipeStart = await pipe.next((m): m is Extract<FromBaseline, { op: 'segment-start' }> => m.op === 'segment-start');
    const pipeFrom = sampleWith({ worker: pipe.pid });
    const pipeEnd = await pipe.next((m): m is Extract<FromBaseline, { op: 'segment-end' }> => m.op === 'segment-end');
    const pipeTo = sampleWith({ worker: pipe.pid });
    await pipe.exited;
    const pipeSeconds = (pipeEnd.at - pipeStart.at) / 1_000;
    const pipeCpu = cpuBetween(pipeFrom, pipeTo);
    const pipeRow: Row = {
      scenario: `raw pipe (${pipeEnd.ops} records)`, kind: 'raw-pipe', commands: pipeEnd.ops, seconds: Math.round(pipeSeconds * 100) / 100,
      commandsPerS: Math.round(pipeEnd.ops / pipeSeconds), ownCpuMsPerCommand: perCommand(pipeCpu['worker'], pipeEnd.ops),
      serverCpuMsPerCommand: serverCost(pipeCpu, pipeEnd.ops), serverCpuMsPerCommandLessBackground: serverCostNet(pipeCpu, pipeEnd.ops, pipeSeconds), complete: pipeEnd.ops >= sent && pipeEnd.errors === 0,
      ...(pipeEnd.errors ? { notes: [`${pipeEnd.errors} records did not decode`] } : {}),
    };
    say(`raw pipe: ${pipeRow.commandsPerS} records/s, ${pipeRow.ownCpuMsPerCommand} ms CPU per record`);

    const storeRows = new Map<string, Row>();
    if (settings.trace) {
      const storeSettings: RawStoreSettings = {
        mongodbUri: s.mongodbUri, mongodbPasswordFile: main.env['MONGODB_PASSWORD_FILE'] ?? null, database: `cwbench_${suffix}_replay`, concurrency: workerConcurrency,
        traces: workerRuns.map((run) => ({ file: run.traceFile as string, windows: run.windows })),
      };
      say(`raw store: replaying the worker's MongoDB commands, ${workerConcurrency} in flight (KEY_CONCURRENCY × PARTITIONS_CONSUMED_CONCURRENTLY)`);
      const store = forkChild<never, FromBaseline>('raw-store.ts', storeSettings, path.join(work, 'raw-store.log'));
      store.onOther((message) => {
        if (message.op === 'progress') say(`  ${message.text}`);
        else if (message.op === 'error') console.error(`raw store: ${message.message}`);
      });
      for (const backlogRow of rows.filter((row) => row.kind === 'backlog')) {
        const start = await store.next((m): m is Extract<FromBaseline, { op: 'segment-start' }> => m.op === 'segment-start' && m.name === backlogRow.scenario)
          .catch((error: unknown) => { say(`raw store: no replay of ${backlogRow.scenario}: ${(error as Error).message}`); return null; });
        if (!start) break;
        const from = sampleWith({ worker: store.pid });
        const end = await store.next((m): m is Extract<FromBaseline, { op: 'segment-end' }> => m.op === 'segment-end' && m.name === backlogRow.scenario);
        const to = sampleWith({ worker: store.pid });
        const seconds = (end.at - start.at) / 1_000;
        const cpu = cpuBetween(from, to);
        const commands = replayed.get(backlogRow.scenario) ?? 0;
        const row: Row = {
          scenario: `raw store: ${backlogRow.scenario}`, kind: 'raw-store', commands, seconds: Math.round(seconds * 100) / 100,
          commandsPerS: Math.round(commands / seconds), ownCpuMsPerCommand: perCommand(cpu['worker'], commands),
          serverCpuMsPerCommand: serverCost(cpu, commands), serverCpuMsPerCommandLessBackground: serverCostNet(cpu, commands, seconds),
          storeOps: end.ops, storeErrors: end.errors, complete: end.errors === 0,
          notes: [`${end.ops} MongoDB commands from the worker's start to its last result (${(end.ops / Math.max(1, commands)).toFixed(2)} per command), `
            + `${Math.round(end.ops / seconds)}/s${end.errors ? `, ${end.errors} failed` : ''}`],
        };
        storeRows.set(backlogRow.scenario, row);
        say(`${row.scenario}: ${row.commandsPerS} commands/s (${row.notes?.[0]})`);
      }
      await store.exited;
    }
    const withRatios = rows.map((row): Row => ({
      ...row,
      vsRawStore: ratio(row.commandsPerS, storeRows.get(row.scenario)?.commandsPerS),
      vsRawPipe: row.kind === 'backlog' ? ratio(row.commandsPerS, pipeRow.commandsPerS) : null,
    }));
    rows.splice(0, rows.length, ...withRatios, pipeRow, ...storeRows.values());

    // ---- the stored-data variant (its consents were seeded after the create scenario) ------------
    if (big) {
      const bigGen = startGenerator(big.env);
      await bigGen.next(isOp('ready'));
      try {
        const storedLabel = `${settings.stored >= 1_000 ? `${Math.round(settings.stored / 1_000)}k` : settings.stored} stored`;
        const bigCreate = await backlog(bigGen, big.env, `create, ${storedLabel}`, [{ type: 'CreateConsent', prefix: `${consents}-big`, from: 0, count: N }]);
        await stopWorker(bigCreate.run);
        // Updates of seeded consents: copy 0 of each template, stored at version 1.
        const bigUpdate = await backlog(bigGen, big.env, `update, ${storedLabel}`, [{ type: 'UpdateConsent', prefix: consents, from: 0, count: Math.min(N, big.copiesOfEach), consentVersion: 2, idSuffix: seededSuffix(0) }]);
        await stopWorker(bigUpdate.run);
        rows.push(...[bigCreate.row, bigUpdate.row].map((row) => ({ ...row, vsRawPipe: ratio(row.commandsPerS, pipeRow.commandsPerS) })));
      } finally {
        bigGen.send({ op: 'stop' });
        await bigGen.exited;
      }
    }
  }
} finally {
  await Promise.all([...live].map((worker) => worker.stop(10_000)));
  gen.send({ op: 'stop' });
  await gen.exited;
  await removeEnvironment(main, [pipeTopic]);
  if (big) await removeEnvironment(big.env);
  for (const run of workerRuns) if (run.traceFile) rmSync(run.traceFile, { force: true });
}

// ---- report ------------------------------------------------------------------------------------
const report = {
  benchmark: 'throughput',
  stack: stack.name,
  date: new Date().toISOString(),
  ...versions,
  loadAverage: { before: loadBefore, after: os.loadavg().map((l) => Math.round(l * 100) / 100) },
  serverBackgroundCpuMsPerS: background,
  settings: {
    ...settings,
    worker: {
      topicPartitions: main.config.topicPartitions, partitionsConsumedConcurrently: main.config.partitionsConsumedConcurrently,
      keyConcurrency: main.config.keyConcurrency, commitEvery: main.config.commitEvery, outboxClears: main.config.outboxClears, logLevel: main.env['LOG_LEVEL'],
    },
    rawStoreConcurrency: workerConcurrency,
    mix: 'UpdateConsent + AcceptPermission (a second permission on the same entities), interleaved one by one',
    openLoopCommand: 'CreateConsent',
    storedSeed: 'copies of the consents the worker stored in the create scenario, inserted with the driver',
  },
  rows,
  labels,
  runSeconds: Math.round((Date.now() - started) / 1_000),
};
console.log('');
console.log(`throughput (${stack.name} stack), ${report.date}, load average before ${loadBefore.join(' ')}, code ${String(versions['code'])}`);
console.log(formatTable(rows));
console.log('own ms/cmd: CPU of the process under test (the worker; the raw pipe or replay process on raw rows) per command;');
console.log('server columns: CPU of each server process per command (includes other work on the machine: background ms/s above)');
for (const row of rows) for (const note of row.notes ?? []) console.log(`  ${row.scenario}: ${note}`);
const file = writeJson(report);
console.log(`written to ${path.relative(process.cwd(), file)}`);
process.exit(rows.every((row) => row.complete) ? 0 : 1);

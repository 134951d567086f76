// The bulk import/export benchmark (`npm run bench:import`): how many consents a second
// `consent-worker import` migrates end to end (the CLI process reading the file, sending each
// line through Kafka, the worker applying it, the CLI receiving every result), how fast a re-run
// of the same file is answered (nothing applied), and how fast `consent-worker export` writes them.
//
// It starts one worker on fresh topics, database and Redis prefix (in this process), writes
// BENCH_CONSENTS lines (default 100,000) to a temporary file, and runs the CLI as an operator
// would (node bin/consent-worker.mjs), timing each run from spawn to exit. Figures are printed and
// written to bench/results/import-export-<date>.json. Servers as in the other benchmarks.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createPrometheusObserver } from '../src/ops/prometheus-observer.ts';
import { startWorker } from '../src/worker.ts';
import { envOf } from '../test/support/cli.ts';
import { isolatedEnv } from '../test/support/isolated-env.ts';
import { benchServers } from '../test/support/servers.ts';
import { envNumber } from './env-number.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const N = Math.floor(envNumber('BENCH_CONSENTS', 100_000, 1));
const BIN = path.resolve(import.meta.dirname, '../bin/consent-worker.mjs');
const SERVICE = 'svc-bench-import';

// `export --revisions` is stopped after this long (its rate is then the lines it wrote by then):
// before it read revisions by their ids it went at ~35 consents/s, an hour for 100,000.
const REVISIONS_EXPORT_LIMIT_S = envNumber('BENCH_REVISIONS_EXPORT_LIMIT_S', 120, 1);

interface Run { readonly seconds: number; readonly code: number; readonly stderrTail: string }

async function runCli(env: Record<string, string>, args: readonly string[], stdoutFile?: string, limitSeconds?: number): Promise<Run> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const limit = limitSeconds === undefined ? null : setTimeout(() => child.kill('SIGKILL'), limitSeconds * 1_000);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2_000); });
  const sink = stdoutFile ? child.stdout.pipe(createWriteStream(stdoutFile)) : null;
  if (!sink) child.stdout.resume();
  const [code] = (await once(child, 'exit')) as [number | null];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (limit) clearTimeout(limit);
  if (sink && !sink.writableFinished) await once(sink, 'finish'); // what it wrote is all in the file
  return { seconds, code: code ?? 1, stderrTail: stderr.trim().split('\n').slice(-2).join(' | ') };
}

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (text !== '') lines += 1;
  return lines;
}

async function writeInput(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 1; i <= N; i += 1) {
    const line = JSON.stringify({
      consentId: `bench-c${i}`, serviceId: SERVICE, userId: `user-${i % 10_000}`, status: i % 10 === 0 ? 'REVOKED' : 'ACTIVE',
      consentType: 'marketing', consentData: { channel: 'email' }, createdAt: '2020-01-02T03:04:05Z',
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const suffix = randomUUID().slice(0, 8);
const config = loadConfig({ ...isolatedEnv(benchServers(), 'cwbench', suffix), LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' });
const observer = createPrometheusObserver();
const worker = await startWorker(config, createLogger(config.logLevel, `bench-import-${suffix}`), { consume: true, sweep: false, observer });

/** Rounds the worker applied (consumed consent commands) so far, and the commands in them: a run's mean round size is the difference. */
async function roundsSoFar(): Promise<{ rounds: number; commands: number }> {
  const metric = (await observer.registry.getMetricsAsJSON()).find((m) => m.name === 'consent_worker_round_commands');
  const values = (metric?.values ?? []) as { metricName?: string; value: number; labels: Record<string, unknown> }[];
  const of = (suffixName: string): number => values.filter((v) => v.metricName?.endsWith(suffixName) && v.labels['origin'] === 'consumed')
    .reduce((sum, v) => sum + v.value, 0);
  return { rounds: of('_count'), commands: of('_sum') };
}

/** The mean round size of what ran since `before`, for the run's line and JSON: small rounds mean the producer did not keep the worker fed. */
async function meanRound(before: { rounds: number; commands: number }): Promise<{ rounds: number; meanCommands: number }> {
  const after = await roundsSoFar();
  const rounds = after.rounds - before.rounds;
  return { rounds, meanCommands: rounds === 0 ? 0 : (after.commands - before.commands) / rounds };
}
const dir = await mkdtemp(path.join(os.tmpdir(), 'cw-bench-import-'));
try {
  const input = path.join(dir, 'consents.ndjson');
  await writeInput(input);
  const env = envOf(config);
  console.log(`import of ${N.toLocaleString('en')} consents …`);
  const atStart = await roundsSoFar();
  const imported = await runCli(env, ['import', input]);
  const importRounds = await meanRound(atStart);
  console.log(`  ${imported.seconds.toFixed(1)} s, exit ${imported.code}: ${(N / imported.seconds).toFixed(0)} consents/s, `
    + `${importRounds.rounds} worker rounds of ${importRounds.meanCommands.toFixed(1)} commands on average  (${imported.stderrTail})`);
  const beforeRerun = await roundsSoFar();
  const again = await runCli(env, ['import', input]);
  const rerunRounds = await meanRound(beforeRerun);
  console.log(`re-run (nothing applied): ${again.seconds.toFixed(1)} s, exit ${again.code}: ${(N / again.seconds).toFixed(0)} lines/s, `
    + `${rerunRounds.rounds} rounds of ${rerunRounds.meanCommands.toFixed(1)}  (${again.stderrTail})`);
  const exportFile = path.join(dir, 'export.ndjson');
  const exported = await runCli(env, ['export', '--service', SERVICE], exportFile);
  console.log(`export: ${exported.seconds.toFixed(1)} s, exit ${exported.code}: ${(N / exported.seconds).toFixed(0)} consents/s  (${exported.stderrTail})`);
  const revisionsFile = path.join(dir, 'export-revisions.ndjson');
  const withRevisions = await runCli(env, ['export', '--service', SERVICE, '--revisions'], revisionsFile, REVISIONS_EXPORT_LIMIT_S);
  const revisionLines = await countLines(revisionsFile);
  console.log(`export --revisions: ${revisionLines} consents in ${withRevisions.seconds.toFixed(1)} s${withRevisions.code === 0 ? '' : ` (stopped at ${REVISIONS_EXPORT_LIMIT_S} s)`}: `
    + `${(revisionLines / withRevisions.seconds).toFixed(0)} consents/s`);

  const result = {
    at: new Date().toISOString(), consents: N, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '?' },
    load: os.loadavg(),
    import: { seconds: imported.seconds, perSecond: N / imported.seconds, exit: imported.code, workerRounds: importRounds },
    rerun: { seconds: again.seconds, perSecond: N / again.seconds, exit: again.code, workerRounds: rerunRounds },
    export: { seconds: exported.seconds, perSecond: N / exported.seconds, exit: exported.code },
    exportRevisions: { consents: revisionLines, seconds: withRevisions.seconds, perSecond: revisionLines / withRevisions.seconds, stoppedAtLimit: withRevisions.code !== 0 },
  };
  const results = path.resolve(import.meta.dirname, 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(path.join(results, `import-export-${result.at.replaceAll(':', '-').replace('.', '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
  if (imported.code !== 0 || again.code !== 0 || exported.code !== 0) process.exitCode = 1;
} finally {
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
}

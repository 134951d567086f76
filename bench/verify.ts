// The ledger verification benchmark (`npm run bench:verify`): how many revisions a second
// `consent-worker verify --all` checks, timed from the CLI process's spawn to its exit (the
// connection included), against the target of 20,000 revisions/s.
//
// It stores BENCH_CONSENTS consents (default 2,000) with BENCH_REVISIONS revisions each (default
// 50: 100,000 revisions) in a fresh database, as the worker stores them (bench/ledger-seed.ts),
// creates the worker's indexes, then runs `verify --all` as an operator would (node
// bin/consent-worker.mjs). BENCH_BASELINE_BIN=<path of another checkout's bin/consent-worker.mjs>
// runs that checkout's verify first on the same database, so a before/after compares in one run.
// BENCH_DATABASE=<name> reuses a database seeded by an earlier run (nothing is seeded); without it
// the database is dropped at the end. BENCH_PROFILE=1 runs this tree's verify with --cpu-prof
// (profiles in bench/results/profiles). Prints the figures and writes
// bench/results/verify-<date>.json. Servers as in the other benchmarks.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectMongo } from '../src/adapters/mongodb/mongo-store.ts';
import { isolatedEnv } from '../test/support/isolated-env.ts';
import { benchServers } from '../test/support/servers.ts';
import { envNumber } from './env-number.ts';
import { seedLedger } from './ledger-seed.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const CONSENTS = Math.floor(envNumber('BENCH_CONSENTS', 2_000, 1));
const REVISIONS = Math.floor(envNumber('BENCH_REVISIONS', 50, 1));
const REUSED = process.env['BENCH_DATABASE']?.trim() || null;
const BASELINE = process.env['BENCH_BASELINE_BIN']?.trim() || null;
const PROFILE = process.env['BENCH_PROFILE'] === '1';
const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/consent-worker.mjs');
const PROFILES = path.join(ROOT, 'bench/results/profiles');

interface VerifyRun {
  readonly bin: string; readonly seconds: number; readonly exit: number;
  readonly consents: number | null; readonly revisions: number | null; readonly revisionsPerSecond: number | null;
  readonly summary: string;
}

/** Runs `verify --all` with `bin`; its summary line gives what it verified. */
function verifyAll(bin: string, env: Record<string, string>, nodeOptions: string[]): Promise<VerifyRun> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeOptions, bin, 'verify', '--all'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  return new Promise((resolve) => child.on('exit', (code) => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = stdout.trim().split('\n').at(-1) ?? '';
    const counted = /(\d+) consents, (\d+) revisions verified/.exec(summary);
    const revisions = counted ? Number(counted[2]) : null;
    resolve({
      bin, seconds, exit: code ?? 1, consents: counted ? Number(counted[1]) : null, revisions,
      revisionsPerSecond: revisions === null ? null : Math.round(revisions / seconds), summary,
    });
  }));
}

const servers = benchServers();
const suffix = randomUUID().slice(0, 8);
const env = { ...isolatedEnv(servers, 'cwbench', suffix), ...(REUSED ? { MONGODB_DATABASE: REUSED } : {}), LOG_LEVEL: 'warn' };
const database = env.MONGODB_DATABASE as string;
const mongo = await connectMongo(servers.mongodbUri, database);
try {
  let seeded: { revisions: number; seconds: number } | null = null;
  if (!REUSED) {
    console.log(`seeding ${CONSENTS.toLocaleString('en')} consents × ${REVISIONS} revisions into ${database}`);
    const begin = Date.now();
    const revisions = await seedLedger(mongo.db, {
      consents: CONSENTS, revisionsEach: REVISIONS,
      consentIdOf: (i) => `bench-verify-${String(i).padStart(7, '0')}`, serviceOf: (i) => `svc-bench-${i % 5}`, userOf: (i) => `user-bench-${i}`,
      progress: (n) => { if (n % 50_000 < 5_000) console.log(`  ${n.toLocaleString('en')} revisions stored`); },
    });
    seeded = { revisions, seconds: (Date.now() - begin) / 1_000 };
    console.log(`seeded ${revisions.toLocaleString('en')} revisions in ${seeded.seconds.toFixed(1)} s`);
  }
  await mongo.ensureIndexes();
  const runs: VerifyRun[] = [];
  const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const loads: string[] = [load()];
  for (const [bin, options] of [...(BASELINE ? [[BASELINE, []] as const] : []), [BIN, PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`] : []] as const]) {
    const run = await verifyAll(bin, env, [...options]);
    runs.push(run);
    loads.push(load());
    console.log(`verify --all (${path.relative(path.dirname(ROOT), bin)}): ${run.seconds.toFixed(1)} s, exit ${run.exit}: ${run.revisionsPerSecond?.toLocaleString('en') ?? '?'} revisions/s  (${run.summary}); load ${load()}`);
  }
  const result = {
    benchmark: 'verify', date: new Date().toISOString(), database, consents: CONSENTS, revisionsEach: REVISIONS, seeded, runs,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '?', loadAverages: loads }, node: process.version,
  };
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `verify-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written ${path.relative(ROOT, file)}`);
  if (runs.some((r) => r.exit !== 0)) process.exitCode = 1;
} finally {
  if (!REUSED && process.env['BENCH_KEEP'] !== '1') await mongo.db.dropDatabase();
  await mongo.close();
}

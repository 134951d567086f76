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
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startWorker } from '../src/worker.ts';
import { envOf } from '../test/support/cli.ts';
import { isolatedEnv } from '../test/support/isolated-env.ts';
import { benchServers } from '../test/support/servers.ts';
import { envNumber } from './env-number.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const N = Math.floor(envNumber('BENCH_CONSENTS', 100_000, 1));
const BIN = path.resolve(import.meta.dirname, '../bin/consent-worker.mjs');
const SERVICE = 'svc-bench-import';

interface Run { readonly seconds: number; readonly code: number; readonly stderrTail: string }

function runCli(env: Record<string, string>, args: readonly string[], stdoutFile?: string): Promise<Run> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2_000); });
  if (stdoutFile) child.stdout.pipe(createWriteStream(stdoutFile));
  else child.stdout.resume();
  return new Promise((resolve) => child.on('exit', (code) => resolve({
    seconds: Number(process.hrtime.bigint() - started) / 1e9, code: code ?? 1, stderrTail: stderr.trim().split('\n').slice(-2).join(' | '),
  })));
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
const worker = await startWorker(config, createLogger(config.logLevel, `bench-import-${suffix}`), { consume: true, sweep: false });
const dir = await mkdtemp(path.join(os.tmpdir(), 'cw-bench-import-'));
try {
  const input = path.join(dir, 'consents.ndjson');
  await writeInput(input);
  const env = envOf(config);
  console.log(`import of ${N.toLocaleString('en')} consents …`);
  const imported = await runCli(env, ['import', input]);
  console.log(`  ${imported.seconds.toFixed(1)} s, exit ${imported.code}: ${(N / imported.seconds).toFixed(0)} consents/s  (${imported.stderrTail})`);
  const again = await runCli(env, ['import', input]);
  console.log(`re-run (nothing applied): ${again.seconds.toFixed(1)} s, exit ${again.code}: ${(N / again.seconds).toFixed(0)} lines/s  (${again.stderrTail})`);
  const exportFile = path.join(dir, 'export.ndjson');
  const exported = await runCli(env, ['export', '--service', SERVICE], exportFile);
  console.log(`export: ${exported.seconds.toFixed(1)} s, exit ${exported.code}: ${(N / exported.seconds).toFixed(0)} consents/s  (${exported.stderrTail})`);

  const result = {
    at: new Date().toISOString(), consents: N, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '?' },
    import: { seconds: imported.seconds, perSecond: N / imported.seconds, exit: imported.code },
    rerun: { seconds: again.seconds, perSecond: N / again.seconds, exit: again.code },
    export: { seconds: exported.seconds, perSecond: N / exported.seconds, exit: exported.code },
  };
  const results = path.resolve(import.meta.dirname, 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(path.join(results, `import-export-${result.at.replaceAll(':', '-').replace('.', '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
  if (imported.code !== 0 || again.code !== 0 || exported.code !== 0) process.exitCode = 1;
} finally {
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
}

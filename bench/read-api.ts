// The read API benchmark (`npm run bench:read`): p50/p99 of the user list and the access check
// at a fixed request rate, open loop, with the worker consuming commands at the same time.
//
// It stores BENCH_CONSENTS consents (default 5,000; the issue's target is 100,000) as the worker
// stores them, BENCH_PER_USER per user (default 10, three consent types), starts the worker
// (`node src/main.ts`) and the API (`node src/api/main.ts`) as their own processes on a fresh
// database, topics and Redis prefix, then for BENCH_SECONDS (default 10) each:
//   1. GET /v1/services/{s}/users/{u}/consents           (a random user, default limit 20)
//   2. GET /v1/services/{s}/users/{u}/access?consentType= (a random user and type)
// at BENCH_RATE requests/s (default 500), while BENCH_COMMAND_RATE (default 50) CreateConsent
// commands a second go to the worker through Kafka. Open loop: requests are sent on schedule
// whether or not earlier ones have answered, and a latency runs from the scheduled send to the
// last byte of the answer, so a stall counts against every request it delays.
// Prints p50/p99/max and writes bench/results/read-api-<date>.json.
//
// Servers: as bench:expiry (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI, REDIS_URL, else the
// native stack's endpoints, each overridable alone).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { createRegistry } from '../src/adapters/registry/avro-codec.ts';
import { CommandProducer } from '../test/support/command-producer.ts';
import { isolatedEnv } from '../test/support/isolated-env.ts';
import { deleteTopicsOf } from '../test/support/worker-process.ts';
import { benchServers } from '../test/support/servers.ts';
import { cpuMs, serverPids } from './throughput/process-cpu.ts';
import { consentDocument, userConsentState } from '../test/support/stored-consents.ts';
import { envNumber } from './env-number.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const env = process.env;
const N = Math.floor(envNumber('BENCH_CONSENTS', 5_000));
const PER_USER = Math.max(1, Math.floor(envNumber('BENCH_PER_USER', 10)));
const RATE = envNumber('BENCH_RATE', 500); // requests per second
const SECONDS = envNumber('BENCH_SECONDS', 10); // per route
const COMMAND_RATE = envNumber('BENCH_COMMAND_RATE', 50); // CreateConsent commands per second during the reads
const PROFILE = env['BENCH_PROFILE'] === '1'; // the API and the worker run with --cpu-prof, profiles in bench/results/profiles
const PROFILING = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(import.meta.dirname, 'results/profiles')}`] : [];
const SERVICES = 5;
const TYPES = ['marketing', 'analytics', 'research'];
const JWT_SECRET = `bench-${randomUUID()}-${randomUUID()}`;
const ROOT = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const log = (message: string): void => console.log(`${((Date.now() - started) / 1_000).toFixed(1).padStart(6)}s  ${message}`);


/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const round = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 10) / 10);

/** Starts `node <script>` with `childEnv` and resolves with the first JSON log line whose msg is `ready`. */
function startProcess(script: string, childEnv: Record<string, string>, ready: string, nodeOptions: string[] = []): Promise<{ child: ChildProcess; line: Record<string, unknown> }> {
  const child = spawn(process.execPath, [...nodeOptions, path.join(ROOT, script)], { env: { ...process.env, ...childEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          if (line['msg'] === ready) resolve({ child, line });
          if (Number(line['level']) >= 50) console.error(text);
        } catch { /* not a log line */ }
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before "${ready}"`)));
  });
}

interface RouteFigures {
  route: string; requests: number; errors: number; achievedRate: number; p50: number | null; p99: number | null; max: number | null;
  /** CPU time each process spent per request during the phase (ms): what a loaded machine cannot hide. */
  cpuMsPerRequest: Record<string, number>;
  /** Failed requests by HTTP status or network error. */
  failures: Record<string, number>;
}

/** The processes whose CPU is counted: the API, the worker, this load generator and the native stack's servers. */
const watched: Record<string, number | undefined> = { loadGenerator: process.pid, ...serverPids() };

/**
 * Keep-alive connections, at most 64: what a service calling the API would hold. (fetch opened a
 * connection per backlogged request and cost the load generator 1.3 ms of CPU per request, on
 * the same two cores as the API.)
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** GET `url`; resolves with the status once the whole body has arrived. */
function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers }, (response) => {
      response.on('data', () => undefined);
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    });
    request.once('error', reject);
  });
}

/** Sends `rate` requests a second for `seconds`, open loop; latency from the scheduled send. */
async function openLoop(route: string, url: () => string, headers: () => Record<string, string>): Promise<RouteFigures> {
  const total = Math.round(RATE * SECONDS);
  const interval = 1_000 / RATE;
  const latencies: number[] = [];
  let errors = 0;
  const failures: Record<string, number> = {};
  const cpuBefore = Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, pid === undefined ? null : cpuMs(pid)]));
  const inFlight: Promise<void>[] = [];
  const begin = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    inFlight.push((async () => {
      try {
        const status = await get(url(), headers());
        if (status !== 200) {
          errors += 1;
          failures[String(status)] = (failures[String(status)] ?? 0) + 1;
        }
      } catch (error) {
        errors += 1;
        const reason = (error as Error).message;
        failures[reason] = (failures[reason] ?? 0) + 1;
      }
      latencies.push(performance.now() - due);
    })());
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - begin) / 1_000;
  const cpuMsPerRequest = Object.fromEntries(Object.entries(watched).flatMap(([name, pid]) => {
    const [before, after] = [cpuBefore[name], pid === undefined ? null : cpuMs(pid)];
    return before === null || before === undefined || after === null || pid === undefined ? [] : [[name, Math.round(((after - before) / total) * 100) / 100]];
  }));
  latencies.sort((a, b) => a - b);
  return {
    route, requests: total, errors, achievedRate: Math.round(total / seconds),
    p50: round(percentile(latencies, 0.5)), p99: round(percentile(latencies, 0.99)), max: round(latencies.at(-1) ?? null),
    cpuMsPerRequest,
    failures,
  };
}

async function main(): Promise<void> {
  const s = benchServers(env);
  const suffix = randomUUID().slice(0, 8);
  const base: Record<string, string> = { ...isolatedEnv(s, 'cwbench', suffix), TOPIC_PARTITIONS: '3', LOG_LEVEL: 'info' };
  const users = Math.max(1, Math.ceil(N / PER_USER));
  const serviceOf = (u: number): string => `svc-bench-${u % SERVICES}`;
  const userOf = (u: number): string => `user-bench-${u}`;

  // 1. Seed: consents as the worker stores them (its index fields included), 5,000 an insert.
  const mongo = await new MongoClient(s.mongodbUri).connect();
  const consents = mongo.db((base['MONGODB_DATABASE'] as string)).collection<Record<string, unknown> & { _id: string }>('consents');
  const expiry = new Date(Date.now() + 30 * 86_400_000);
  log(`seeding ${N} consents over ${users} users into ${(base['MONGODB_DATABASE'] as string)} (${s.mongodbUri})`);
  for (let from = 0; from < N; from += 5_000) {
    const docs = [];
    for (let i = from; i < Math.min(N, from + 5_000); i += 1) {
      const u = i % users;
      docs.push(consentDocument(userConsentState(`c-${randomUUID()}`, expiry, {
        serviceId: serviceOf(u), userId: userOf(u), consentType: TYPES[i % TYPES.length] as string,
        status: i % 7 === 0 ? 'REVOKED' : 'ACTIVE', consentData: { channel: 'email' },
      })));
    }
    await consents.insertMany(docs as (Record<string, unknown> & { _id: string })[]);
  }
  log('seeded');

  // 2. The worker and the API, each its own process (the API creates its indexes at start).
  const worker = await startProcess('src/main.ts', base, 'worker started', PROFILING);
  log('worker started');
  const api = await startProcess('src/api/main.ts', {
    ...base, API_PORT: '0', API_JWT_SECRET: JWT_SECRET, API_PAGE_TOKEN_SECRET: JWT_SECRET,
    API_RATE_LIMIT: String(1_000_000_000), // the budget is still counted in Redis on every read
  }, 'read API listening', PROFILING);
  const apiUrl = api.line['url'] as string;
  watched['api'] = api.child.pid;
  watched['worker'] = worker.child.pid;
  log(`read API at ${apiUrl}`);
  const tokens = await Promise.all(Array.from({ length: SERVICES }, (_, i) => new SignJWT({ roles: ['service'], serviceId: `svc-bench-${i}` })
    .setProtectedHeader({ alg: 'HS256' }).setSubject(`svc-bench-${i}`).setExpirationTime('1h').sign(new TextEncoder().encode(JWT_SECRET))));

  // 3. Commands for the worker while the reads run.
  const kafka = new Kafka({ clientId: `bench-${suffix}`, brokers: s.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const commands = new CommandProducer(createRegistry(s.schemaRegistryUrl), producer);
  let sending = true;
  let sent = 0;
  const commandLoad = (async () => {
    const begin = Date.now();
    while (sending && COMMAND_RATE > 0) {
      const u = Math.floor(Math.random() * users);
      const consentId = `c-new-${randomUUID()}`;
      await commands.send((base['CONSENT_COMMANDS_TOPIC'] as string), 'CreateConsent', {
        consentId, serviceId: serviceOf(u), userId: userOf(u), status: 'ACTIVE', consentType: 'marketing', consentData: {}, expiryTime: expiry.toISOString(),
      }, { key: consentId });
      sent += 1;
      const wait = begin + (sent * 1_000) / COMMAND_RATE - Date.now();
      if (wait > 0) await sleep(wait);
    }
  })();

  const pick = (): number => Math.floor(Math.random() * users);
  let current = 0;
  const headers = (): Record<string, string> => ({ authorization: `Bearer ${tokens[current % SERVICES] as string}` });
  const check = await fetch(`${apiUrl}/v1/services/${serviceOf(0)}/users/${userOf(0)}/consents`, { headers: { authorization: `Bearer ${tokens[0] as string}` } });
  const first = (await check.json()) as { data?: unknown[] };
  if (check.status !== 200 || (first.data?.length ?? 0) === 0) throw new Error(`the first list answered ${check.status} with no consents`);

  const figures: RouteFigures[] = [];
  log(`user list: ${RATE} req/s for ${SECONDS} s, ${COMMAND_RATE} commands/s to the worker`);
  figures.push(await openLoop('GET /v1/services/{serviceId}/users/{userId}/consents', () => {
    const u = pick();
    current = u;
    return `${apiUrl}/v1/services/${serviceOf(u)}/users/${userOf(u)}/consents`;
  }, headers));
  log(`access check: ${RATE} req/s for ${SECONDS} s`);
  figures.push(await openLoop('GET /v1/services/{serviceId}/users/{userId}/access', () => {
    const u = pick();
    current = u;
    return `${apiUrl}/v1/services/${serviceOf(u)}/users/${userOf(u)}/access?consentType=${TYPES[u % TYPES.length] as string}`;
  }, headers));
  sending = false;
  await commandLoad;

  // Commands the worker had answered by the end (their consents are stored).
  const answered = await consents.countDocuments({ _id: { $regex: '^c-new-' } } as never);
  const cpus = os.cpus();
  const report = {
    benchmark: 'read-api',
    date: new Date().toISOString(),
    consents: N, perUser: PER_USER, users, rate: RATE, secondsPerRoute: SECONDS,
    commandsSent: sent, commandsApplied: answered, mongodbUri: s.mongodbUri,
    figures,
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown', cpus: cpus.length, totalMemoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    },
    node: process.version,
  };
  for (const f of figures) {
    log(`${f.route}: p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms; ${f.requests} requests at ${f.achievedRate}/s, ${f.errors} errors`);
    log(`  CPU ms per request: ${Object.entries(f.cpuMsPerRequest).map(([name, ms]) => `${name} ${ms}`).join(', ')}`);
  }
  log(`commands: ${sent} sent, ${answered} applied; load ${report.machine.loadAverage.join(' ')}`);
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `read-api-${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`written ${path.relative(ROOT, file)}`);

  await producer.disconnect();
  for (const child of [api.child, worker.child]) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await mongo.close();
  await deleteTopicsOf(base); // hundreds of idle partitions slow a single broker down (docs/benchmarks/expiry-lag.md)
}

await main();

// The read API benchmark (`npm run bench:read`): p50/p99 of the user list and the access check
// at a fixed request rate, open loop, with the worker consuming commands at the same time.
//
// It stores BENCH_CONSENTS consents (default 5,000; the issue's target is 100,000) as the worker
// stores them, BENCH_PER_USER per user (default 10, three consent types), starts the worker
// (`node src/main.ts`) and the API (`node src/api/main.ts`) as their own processes on a fresh
// database, topics and Redis prefix, then for BENCH_SECONDS (default 10) each:
//   1. GET /v1/services/{s}/users/{u}/consents           (a random user, default limit 20)
//   2. GET /v1/services/{s}/users/{u}/access?consentType= (a random user and type)
// at BENCH_RATE requests/s (default 500), then
//   3. GET /v1/services/{s}/users/{u}/consents/{c}/revisions?limit=50 (a random consent of
//      BENCH_REVISION_CONSENTS, default 200, each with BENCH_REVISIONS revisions, default 50,
//      stored as the worker stores them: bench/ledger-seed.ts)
// at BENCH_REVISIONS_RATE requests/s (default 100: issue 17's target), while BENCH_COMMAND_RATE
// (default 50) CreateConsent commands a second go to the worker through Kafka. BENCH_ROUTES
// (list,access,revisions; default all) picks the phases. The requests are sent by a process of
// its own (bench/read-load.ts: open loop, latency from the scheduled send), so the load
// generator's CPU is measured apart from this process's, which produces the commands.
// Prints p50/p99/max and writes bench/results/read-api-<date>.json.
//
// Servers: as bench:expiry (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI, REDIS_URL, else the
// native stack's endpoints, each overridable alone).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fork, type ChildProcess as ForkedProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
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
import { seedLedger } from './ledger-seed.ts';
import type { FromLoad, LoadFigures, LoadRun, ToLoad } from './read-load.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const env = process.env;
const N = Math.floor(envNumber('BENCH_CONSENTS', 5_000));
const PER_USER = Math.max(1, Math.floor(envNumber('BENCH_PER_USER', 10)));
const RATE = envNumber('BENCH_RATE', 500); // requests per second
const SECONDS = envNumber('BENCH_SECONDS', 10); // per route
const COMMAND_RATE = envNumber('BENCH_COMMAND_RATE', 50); // CreateConsent commands per second during the reads
const REVISION_CONSENTS = Math.floor(envNumber('BENCH_REVISION_CONSENTS', 200, 1));
const REVISIONS = Math.floor(envNumber('BENCH_REVISIONS', 50, 1)); // revisions of each, all listed in one page
const REVISIONS_RATE = envNumber('BENCH_REVISIONS_RATE', 100);
const ROUTES = (env['BENCH_ROUTES']?.trim() || 'list,access,revisions').split(',').map((r) => r.trim());
const PROFILE = env['BENCH_PROFILE'] === '1'; // the API and the worker run with --cpu-prof, profiles in bench/results/profiles
const PROFILING = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(import.meta.dirname, 'results/profiles')}`] : [];
const SERVICES = 5;
const TYPES = ['marketing', 'analytics', 'research'];
const JWT_SECRET = `bench-${randomUUID()}-${randomUUID()}`;
const ROOT = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const log = (message: string): void => console.log(`${((Date.now() - started) / 1_000).toFixed(1).padStart(6)}s  ${message}`);


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

interface RouteFigures extends LoadFigures {
  /** CPU time each process spent per request during the phase (ms): what a loaded machine cannot hide. */
  cpuMsPerRequest: Record<string, number>;
}

/**
 * The processes whose CPU is counted: the load generator (its own process), this process (the
 * command producer), the API, the worker and the native stack's servers.
 */
const watched: Record<string, number | undefined> = { commandProducer: process.pid, ...serverPids() };

/** Forks the load generator and resolves once it is ready. */
async function startLoad(): Promise<ForkedProcess> {
  const child = fork(path.join(import.meta.dirname, 'read-load.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', (message: FromLoad) => { if (message.op === 'ready') resolve(); });
    child.once('exit', (code) => reject(new Error(`the load generator exited with ${code} before it was ready`)));
  });
  watched['loadGenerator'] = child.pid;
  return child;
}

/** One route's phase in the load generator, with every watched process's CPU per request. */
async function openLoop(load: ForkedProcess, run: LoadRun): Promise<RouteFigures> {
  const cpuBefore = Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, pid === undefined ? null : cpuMs(pid)]));
  const done = new Promise<LoadFigures>((resolve) => {
    const listener = (message: FromLoad): void => {
      if (message.op !== 'done') return;
      load.off('message', listener);
      resolve(message.figures);
    };
    load.on('message', listener);
  });
  load.send({ op: 'run', ...run } satisfies ToLoad);
  const figures = await done;
  const cpuMsPerRequest = Object.fromEntries(Object.entries(watched).flatMap(([name, pid]) => {
    const [before, after] = [cpuBefore[name], pid === undefined ? null : cpuMs(pid)];
    return before === null || before === undefined || after === null || pid === undefined ? [] : [[name, Math.round(((after - before) / figures.requests) * 100) / 100]];
  }));
  return { ...figures, cpuMsPerRequest };
}

async function main(): Promise<void> {
  const s = benchServers(env);
  const suffix = randomUUID().slice(0, 8);
  // OPS_PORT 0: the worker and the API each serve their ops listener on a free port (both default to 9464).
  const base: Record<string, string> = { ...isolatedEnv(s, 'cwbench', suffix), TOPIC_PARTITIONS: '3', LOG_LEVEL: 'info', OPS_PORT: '0' };
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
  // Consents with a long history for the revisions route, each one of a seeded user's.
  const revisionUser = (i: number): number => (i * 7) % users;
  const revisionConsent = (i: number): string => `c-rev-${String(i).padStart(5, '0')}`;
  if (ROUTES.includes('revisions')) {
    const stored = await seedLedger(mongo.db((base['MONGODB_DATABASE'] as string)), {
      consents: REVISION_CONSENTS, revisionsEach: REVISIONS, consentIdOf: revisionConsent,
      serviceOf: (i) => serviceOf(revisionUser(i)), userOf: (i) => userOf(revisionUser(i)),
    });
    log(`seeded ${REVISION_CONSENTS} consents with ${REVISIONS} revisions each (${stored} revisions)`);
  }

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
  const tokenOf = (u: number): string => tokens[u % SERVICES] as string;
  const check = await fetch(`${apiUrl}/v1/services/${serviceOf(0)}/users/${userOf(0)}/consents`, { headers: { authorization: `Bearer ${tokenOf(0)}` } });
  const first = (await check.json()) as { data?: unknown[] };
  if (check.status !== 200 || (first.data?.length ?? 0) === 0) throw new Error(`the first list answered ${check.status} with no consents`);

  const load = await startLoad();
  const requests = (count: number, request: (u: number) => { url: string; token: string }): LoadRun['requests'] =>
    Array.from({ length: count }, () => request(pick()));
  const figures: RouteFigures[] = [];
  if (ROUTES.includes('list')) {
    log(`user list: ${RATE} req/s for ${SECONDS} s, ${COMMAND_RATE} commands/s to the worker`);
    figures.push(await openLoop(load, {
      route: 'GET /v1/services/{serviceId}/users/{userId}/consents', rate: RATE,
      requests: requests(Math.round(RATE * SECONDS), (u) => ({ url: `${apiUrl}/v1/services/${serviceOf(u)}/users/${userOf(u)}/consents`, token: tokenOf(u) })),
    }));
  }
  if (ROUTES.includes('access')) {
    log(`access check: ${RATE} req/s for ${SECONDS} s`);
    figures.push(await openLoop(load, {
      route: 'GET /v1/services/{serviceId}/users/{userId}/access', rate: RATE,
      requests: requests(Math.round(RATE * SECONDS), (u) => ({
        url: `${apiUrl}/v1/services/${serviceOf(u)}/users/${userOf(u)}/access?consentType=${TYPES[u % TYPES.length] as string}`, token: tokenOf(u),
      })),
    }));
  }
  if (ROUTES.includes('revisions')) {
    log(`revisions (${REVISIONS} a consent, one page): ${REVISIONS_RATE} req/s for ${SECONDS} s`);
    const revisionsCheck = await fetch(`${apiUrl}/v1/services/${serviceOf(revisionUser(0))}/users/${userOf(revisionUser(0))}/consents/${revisionConsent(0)}/revisions?limit=${REVISIONS}`,
      { headers: { authorization: `Bearer ${tokenOf(revisionUser(0))}` } });
    const listed = ((await revisionsCheck.json()) as { data?: unknown[] }).data?.length ?? 0;
    if (revisionsCheck.status !== 200 || listed !== REVISIONS) throw new Error(`the first revisions list answered ${revisionsCheck.status} with ${listed} revisions, not ${REVISIONS}`);
    figures.push(await openLoop(load, {
      route: 'GET /v1/services/{serviceId}/users/{userId}/consents/{consentId}/revisions', rate: REVISIONS_RATE,
      requests: Array.from({ length: Math.round(REVISIONS_RATE * SECONDS) }, () => {
        const i = Math.floor(Math.random() * REVISION_CONSENTS);
        const u = revisionUser(i);
        return { url: `${apiUrl}/v1/services/${serviceOf(u)}/users/${userOf(u)}/consents/${revisionConsent(i)}/revisions?limit=${REVISIONS}`, token: tokenOf(u) };
      }),
    }));
  }
  load.send({ op: 'stop' } satisfies ToLoad);
  sending = false;
  await commandLoad;

  // Commands the worker had answered by the end (their consents are stored).
  const answered = await consents.countDocuments({ _id: { $regex: '^c-new-' } } as never);
  const cpus = os.cpus();
  const report = {
    benchmark: 'read-api',
    date: new Date().toISOString(),
    consents: N, perUser: PER_USER, users, rate: RATE, secondsPerRoute: SECONDS,
    revisionConsents: REVISION_CONSENTS, revisionsEach: REVISIONS, revisionsRate: REVISIONS_RATE, routes: ROUTES,
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

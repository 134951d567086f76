// One worker of its own for the profiling scripts (profile-one-by-one.ts, round-phases.ts), so both
// start it, reach it and stop it the same way: `node src/main.ts` in an isolated environment (own
// topics, group, database, Redis prefix; tag cwbench) on 3 partitions, its output in a log file,
// and a producer client connected once the worker's topics serve, warmed up by 20 commands.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { ConsentWorkerClient } from '../src/client/consent-worker-client.ts';
import { sleep } from '../src/wait/sleep.ts';
import { isolatedEnv } from '../test/support/isolated-env.ts';
import { benchServers, type Servers } from '../test/support/servers.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORKER_START_MS = 5_000; // the worker creates its topics and registers its schemas meanwhile
const CONNECT_ATTEMPTS = 30; // a second apart: the topics may have no leaders yet
const WARM_UP_COMMANDS = 20;

export interface LoneWorkerOptions {
  /** Names the log file (`<tag>-<suffix>.log` in `dir`) and the consents' ids. */
  readonly tag: string;
  /** Where the log (and anything the node arguments write, such as a CPU profile) goes. */
  readonly dir: string;
  /** Arguments of the worker's node before the script, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Variables on top of the isolated environment, e.g. an OTLP endpoint. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface LoneWorker {
  readonly servers: Servers;
  /** When the worker was spawned (epoch ms): its CPU profile's clock starts within a few ms of it. */
  readonly spawnedAt: number;
  readonly client: ConsentWorkerClient;
  /** A CreateConsent of consent number `i` of this worker's run (the warm-up's are negative). */
  createConsent(i: number): { commandType: 'CreateConsent'; payload: { consentId: string; serviceId: string; userId: string; status: 'ACTIVE' } };
  /** Closes the client, then stops the worker (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

export async function startLoneWorker(options: LoneWorkerOptions): Promise<LoneWorker> {
  mkdirSync(options.dir, { recursive: true });
  const servers = benchServers();
  const suffix = randomUUID().slice(0, 8);
  const env = isolatedEnv(servers, 'cwbench', suffix);
  const out = openSync(path.join(options.dir, `${options.tag}-${suffix}.log`), 'a');
  const spawnedAt = Date.now();
  const worker = spawn(process.execPath, [...(options.nodeArgs ?? []), 'src/main.ts'], {
    cwd: ROOT, env: { ...process.env, ...env, OPS_PORT: '0', TOPIC_PARTITIONS: '3', ...options.env }, stdio: ['ignore', out, out],
  });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  const createConsent = (i: number) => ({
    commandType: 'CreateConsent' as const,
    payload: { consentId: `c-${options.tag}-${suffix}-${i}`, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' as const },
  });
  await sleep(WORKER_START_MS);
  const client = await connectClient(servers, {
    consentCommands: env['CONSENT_COMMANDS_TOPIC'], consentResults: env['CONSENT_RESULTS_TOPIC'],
    permissionCommands: env['PERMISSION_COMMANDS_TOPIC'], permissionResults: env['PERMISSION_RESULTS_TOPIC'],
  });
  // One at a time, so the last also proves the worker answers before anything is measured.
  for (let i = 1; i <= WARM_UP_COMMANDS; i++) await client.send(createConsent(-i));
  return {
    servers, spawnedAt, client, createConsent,
    async stop() {
      await client.close();
      worker.kill('SIGTERM');
      await exited;
    },
  };
}

/** The worker creates its topics as it starts: the client's first tries may find them without leaders yet. */
async function connectClient(servers: Servers, topics: Record<string, string | undefined>): Promise<ConsentWorkerClient> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ConsentWorkerClient.connect({ brokers: servers.kafkaBrokers.split(','), registryUrl: servers.schemaRegistryUrl, timeoutMs: 60_000, topics });
    } catch (error) {
      if (attempt >= CONNECT_ATTEMPTS) throw error;
      await sleep(1_000);
    }
  }
}

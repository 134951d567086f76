// `node src/main.ts` at start-up: a server that is down is waited for (retried with the one
// backoff, alive and "starting" meanwhile), a signal before the worker started goes through the
// stop path, and process warnings reach the JSON log (except kafkajs's TimeoutNegativeWarning).
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isolatedEnv } from '../support/isolated-env.ts';
import { deleteTopicsOf, pollUrlUntil, startWorkerProcess } from '../support/worker-process.ts';

const servers = inject('servers');
const envs: Record<string, string>[] = [];
function testEnv(): Record<string, string> {
  const env = { ...isolatedEnv(servers, 'cwtest', randomUUID().slice(0, 8)), TOPIC_PARTITIONS: '1', LOG_LEVEL: 'info' };
  envs.push(env);
  return env;
}
afterAll(async () => {
  for (const env of envs) await deleteTopicsOf(env);
});

/** A TCP forwarder to the real registry, listening on a port that refuses until `open()`. */
async function registryDoor(): Promise<{ url: string; open(): Promise<void>; close(): Promise<void> }> {
  const target = new URL(servers.schemaRegistryUrl);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    async open() {
      server = createServer((inbound) => {
        const outbound = connect(Number(target.port), target.hostname);
        for (const s of [inbound, outbound]) { sockets.add(s); s.on('error', () => s.destroy()); s.on('close', () => sockets.delete(s)); }
        inbound.pipe(outbound).pipe(inbound);
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

const message = (text: string) => (line: { msg?: string }): boolean => line.msg === text;

describe('the worker process at start-up', () => {
  it('retries while the registry is down, alive and not ready meanwhile, and starts once it answers', async () => {
    const door = await registryDoor();
    const worker = startWorkerProcess({ ...testEnv(), SCHEMA_REGISTRY_URL: door.url });
    try {
      const ops = await worker.opsUrl();
      await worker.waitForLog((l) => l.msg?.startsWith('worker could not start') === true && l['attempt'] === 2, 'a second start attempt', 30_000);
      expect((await fetch(`${ops}/healthz`)).status).toBe(200);
      const starting = await fetch(`${ops}/readyz`);
      expect(starting.status).toBe(503);
      expect(await starting.json()).toMatchObject({ ready: false, state: 'starting' });

      await door.open();
      await worker.waitForLog(message('worker started'), 'the start once the registry answers', 60_000);
      await pollUrlUntil(`${ops}/readyz`, (status) => status === 200, 'ready', 30_000);
      const retries = await (await fetch(`${ops}/metrics`)).text();
      expect(retries).toMatch(/consent_worker_retries_total\{reason="start-up"\} [2-9]/);
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(worker.logs.some(message('worker stopped'))).toBe(true);
    } finally {
      await worker.stop('SIGKILL');
      await door.close();
    }
  });

  it('stops cleanly on SIGTERM before the worker started', async () => {
    const door = await registryDoor(); // never opened: the start keeps failing
    const worker = startWorkerProcess({ ...testEnv(), SCHEMA_REGISTRY_URL: door.url });
    try {
      await worker.waitForLog((l) => l.msg?.startsWith('worker could not start') === true, 'a failed start attempt', 30_000);
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(worker.logs.find(message('stopping'))).toMatchObject({ signal: 'SIGTERM' });
      expect(worker.logs.some(message('stopped before the worker started'))).toBe(true);
      expect(worker.logs.some(message('worker started'))).toBe(false);
    } finally {
      await worker.stop('SIGKILL');
    }
  });

  it('logs process warnings as JSON lines, and drops only kafkajs\'s TimeoutNegativeWarning', async () => {
    const worker = startWorkerProcess({ ...testEnv(), SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/' },
      { nodeArgs: ['--import', path.resolve(import.meta.dirname, '../support/emit-warnings.ts')] });
    try {
      const line = await worker.waitForLog(message('process warning'), 'the warning in the log', 20_000);
      expect(line).toMatchObject({ level: 40, warning: { name: 'Warning', code: 'CW_TEST_WARNING', message: 'a test warning that must reach the log' } });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(worker.logs.filter(message('process warning'))).toHaveLength(1);
      expect(worker.stderr()).not.toContain('a test warning'); // Node's own printer is gone, not doubled
      expect(worker.stderr()).not.toContain('TimeoutNegativeWarning');
    } finally {
      await worker.stop('SIGTERM');
    }
  });
});

describe('the worker process stopping', () => {
  it('exits 3 when the stop takes longer than SHUTDOWN_TIMEOUT_MS', async () => {
    // 100 ms is less than leaving a consumer group takes, so the deadline passes first.
    const worker = startWorkerProcess({ ...testEnv(), SHUTDOWN_TIMEOUT_MS: '100' });
    try {
      await worker.waitForLog(message('worker started'), 'the start', 60_000);
      expect(await worker.stop('SIGTERM')).toBe(3);
      expect(worker.logs.some(message('stop deadline passed; exiting with what was committed'))).toBe(true);
    } finally {
      await worker.stop('SIGKILL');
    }
  });
});

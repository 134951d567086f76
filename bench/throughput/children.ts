// Starting and stopping the benchmark's child processes: the worker (`node src/main.ts`, its
// MongoDB commands traced) and the load generator and raw baselines (IPC children). Each is a
// process of its own so /proc gives each its own CPU time.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Variables that select servers or tune the worker: the worker gets ours only through its own env. */
const SERVER_VARIABLES = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URI', 'REDIS_URL'];

export interface WorkerProcess {
  readonly pid: number;
  readonly startedAt: number;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code once it is gone. */
  stop(graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/**
 * `node src/main.ts` with the given environment (isolated topics, group, database, prefix) on top
 * of ours, its output in `logFile`, and its MongoDB commands recorded into `traceFile` (unless null).
 */
export function startWorkerProcess(env: Record<string, string>, logFile: string, traceFile: string | null): WorkerProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SERVER_VARIABLES.includes(name) && name !== 'BENCH_MONGO_TRACE'));
  const out = openSync(logFile, 'a');
  const preload = traceFile ? ['--import', path.join(import.meta.dirname, 'mongo-trace.ts')] : [];
  const child = spawn(process.execPath, [...preload, path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    // Any free ops port: a worker already running on this host holds the default 9464.
    env: { ...inherited, OPS_PORT: '0', OPS_HOST: '127.0.0.1', ...env, ...(traceFile ? { BENCH_MONGO_TRACE: traceFile } : {}) },
    stdio: ['ignore', out, out],
  });
  if (child.pid === undefined) throw new Error('the worker process did not start');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid,
    startedAt: Date.now(),
    logFile,
    exited,
    async stop(graceMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface IpcChild<In, Out> {
  readonly pid: number;
  send(message: In): void;
  /** The next message matching `accept` (others go to `onOther`); rejects if the child dies first. */
  next<T extends Out>(accept: (message: Out) => message is T, timeoutMs?: number): Promise<T>;
  onOther(listener: (message: Out) => void): void;
  readonly exited: Promise<number | null>;
  kill(): void;
}

/** A TypeScript child with an IPC channel; its settings go as one JSON argument. */
export function forkChild<In, Out>(file: string, settings: unknown, logFile: string): IpcChild<In, Out> {
  const out = openSync(logFile, 'a');
  const child: ChildProcess = fork(path.join(import.meta.dirname, file), [JSON.stringify(settings)], {
    cwd: ROOT, stdio: ['ignore', out, out, 'ipc'],
  });
  if (child.pid === undefined) throw new Error(`${file} did not start`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const queue: Out[] = [];
  let wake: (() => void) | null = null;
  let other: (message: Out) => void = () => undefined;
  child.on('message', (message) => {
    queue.push(message as Out);
    wake?.();
  });
  void exited.then(() => wake?.());
  return {
    pid: child.pid,
    send: (message) => { child.send(message as object); },
    onOther: (listener) => { other = listener; },
    async next(accept, timeoutMs = 30 * 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (queue.length > 0) {
          const message = queue.shift() as Out;
          if (accept(message)) return message;
          other(message);
        }
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${file} exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
        if (Date.now() > deadline) throw new Error(`${file}: no answer within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1_000);
        });
        wake = null;
      }
    },
    exited,
    kill: () => { child.kill('SIGTERM'); },
  };
}

// The worker as an operator runs it: `node src/main.ts` in a child process with its own
// environment. Collects its JSON log lines (stdout) and stderr, finds the ops listener's port
// (OPS_PORT=0 unless the test says otherwise), and stops it by a signal, giving its exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pollUntil } from './poll-until.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');

export interface LogLine {
  readonly msg?: string;
  readonly level?: number;
  readonly [field: string]: unknown;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  stderr(): string;
  /** Resolves with the first log line `pick` accepts; rejects after `timeoutMs` or if the process exits first. */
  waitForLog(pick: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** The ops listener's base URL, once it has logged its port. */
  opsUrl(): Promise<string>;
  /** Resolves with the exit code (or the signal's name). */
  exited(): Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** `entry`: the process's main module, `src/main.ts` (the worker) unless given (`src/api/main.ts`, the read API). */
export function startWorkerProcess(env: Record<string, string>, options: { args?: string[]; nodeArgs?: string[]; entry?: string } = {}): WorkerProcess {
  const child = spawn(NODE, [...(options.nodeArgs ?? []), path.join(ROOT, options.entry ?? 'src/main.ts'), ...(options.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', OPS_PORT: '0', OPS_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let stderr = '';
  let pending = '';
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const exit = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  exit.then(() => { for (const listener of listeners) listener(); }, () => undefined);
  let exitedWith: number | string | null = null;
  void exit.then((code) => { exitedWith = code; });

  const waitForLog: WorkerProcess['waitForLog'] = (pick, what, timeoutMs = 30_000) => new Promise((resolve, reject) => {
    const check = (): void => {
      const found = logs.find(pick);
      if (found) return done(() => resolve(found));
      if (exitedWith !== null) done(() => reject(new Error(`worker exited (${exitedWith}) before ${what}; stderr: ${stderr.slice(-2_000)}`)));
    };
    const timer = setTimeout(() => done(() => reject(new Error(`no ${what} within ${timeoutMs} ms; last log lines: ${JSON.stringify(logs.slice(-5))}`))), timeoutMs);
    const done = (then: () => void): void => {
      clearTimeout(timer);
      listeners.delete(check);
      then();
    };
    listeners.add(check);
    check();
  });

  return {
    child,
    logs,
    stderr: () => stderr,
    waitForLog,
    async opsUrl() {
      const line = await waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('ops listener started'), 'the ops listener');
      return `${typeof line['scheme'] === 'string' ? line['scheme'] : 'http'}://127.0.0.1:${String(line['port'])}`;
    },
    exited: () => exit,
    async stop(signal = 'SIGTERM') {
      if (exitedWith === null) child.kill(signal);
      return exit;
    },
  };
}

/** Polls `url` until `accept` says yes; returns the last response's status and body. */
export async function pollUrlUntil(url: string, accept: (status: number, body: string) => boolean, what: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: '' };
  const answered = async (): Promise<{ status: number; body: string } | null> => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      last = { status: response.status, body: await response.text() };
      return accept(last.status, last.body) ? last : null;
    } catch (error) {
      last = { status: 0, body: String(error) };
      return null;
    }
  };
  return pollUntil(answered, { timeoutMs, intervalMs: 250 }).catch(() => {
    throw new Error(`${what} not seen within ${timeoutMs} ms; last: ${last.status} ${last.body.slice(0, 500)}`);
  });
}

/** Deletes the topics (and DLQs) an isolated environment's worker created. */
export async function deleteTopicsOf(env: Record<string, string>): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'test-cleanup', brokers: (env['KAFKA_BROKERS'] ?? '').split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = Object.entries(env).filter(([name]) => name.endsWith('_TOPIC')).flatMap(([, topic]) => [topic, `${topic}.dlq`]);
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

// A redis-server of the test's own, on a port of its own, that the test may stop and start again
// (the shared stack's Redis is used by everyone and must never be stopped).
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { pollUntil } from './poll-until.ts';

export interface PrivateRedis {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function privateRedis(port: number): PrivateRedis {
  let child: ChildProcess | null = null;
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      const answers = async (): Promise<boolean> => {
        const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => undefined); // refused until the server listens: expected here
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      };
      await pollUntil(answers, { timeoutMs: 10_000, intervalMs: 100, what: `redis-server on ${port} to answer` });
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGTERM');
      });
    },
  };
}

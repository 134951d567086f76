// What the tests of refusals share: a Redis login that reports why it failed, a password file
// holding the wrong password, the check that a refused worker says so, and the scan of a run's
// logs for its secrets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { pollUrlUntil, type WorkerProcess } from './worker-process.ts';

/** One Redis node's PING, rejected with the reason the connection failed (not "Connection is closed"). */
export async function redisPing(url: string, tls: Record<string, unknown> | null): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000, ...(tls ? { tls } : {}) });
  // ioredis reports why the connection failed as an event, and rejects with "Connection is closed".
  let cause: unknown = null;
  redis.on('error', (error) => { cause ??= error; });
  try {
    await redis.connect();
    return await redis.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

export const WRONG_PASSWORD = 'not-the-password';

/** A password file (mode 600) holding WRONG_PASSWORD. */
export function wrongPasswordFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'cw-secure-')), 'wrong.password');
  writeFileSync(file, `${WRONG_PASSWORD}\n`, { mode: 0o600 });
  return file;
}

/**
 * A refused worker says so: one error line naming the refusal, and /readyz red (503) with the
 * reason in one of its checks; and the wrong password itself is in none of its output.
 */
export async function expectRefusalReported(worker: WorkerProcess, reason: RegExp): Promise<void> {
  const line = await worker.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('a server refused the worker'), 'the refusal', 60_000);
  expect(line.level).toBe(50);
  expect(String(line['refusal'])).toMatch(reason);
  const { status, body } = await pollUrlUntil(`${await worker.opsUrl()}/readyz`, (code, text) => code === 503 && text.includes('refused'), 'readiness red with the reason');
  expect(status).toBe(503);
  const report = JSON.parse(body) as { ready: boolean; checks: Record<string, string> };
  expect(report.ready).toBe(false);
  // Kafka and the registry refuse the start (check "start"); Redis connects lazily, so the
  // worker runs and its "redis" check carries the reason.
  expect(Object.values(report.checks).some((check) => reason.test(check))).toBe(true);
  // ioredis attaches the AUTH it tried to its error: the log must not carry it.
  expect(JSON.stringify(worker.logs) + worker.stderr()).not.toContain(WRONG_PASSWORD);
}

/** Which of `secrets` (name → value) appear in which of `logs` (name → text): "<secret> in <log>". */
export function secretsFoundIn(logs: Readonly<Record<string, string>>, secrets: Readonly<Record<string, string>>): string[] {
  return Object.entries(logs).flatMap(([log, text]) => Object.entries(secrets).filter(([, secret]) => text.includes(secret)).map(([name]) => `${name} in ${log}`));
}

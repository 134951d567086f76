// `npm run api` as an operator runs it (node src/api/main.ts in a child process): the worker's ops
// surface (/healthz, /readyz pinging MongoDB and Redis, /metrics), a bad configuration named
// whole (exit 2), REDIS_TLS honoured, and the stop: 0 when clean, 3 past SHUTDOWN_TIMEOUT_MS.
// Redis here is a private redis-server where it is stopped: the shared one must not be.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isolatedEnv } from '../support/isolated-env.ts';
import { privateRedis } from '../support/private-redis.ts';
import { JWT_SECRET, PAGE_SECRET, serviceToken } from '../support/read-api.ts';
import { pollUrlUntil, startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

const API = { entry: 'src/api/main.ts' };
const env = {
  ...isolatedEnv(inject('servers'), 'cwtest', randomUUID().slice(0, 8)), LOG_LEVEL: 'info',
  API_PORT: '0', API_JWT_SECRET: JWT_SECRET, API_PAGE_TOKEN_SECRET: PAGE_SECRET,
};
const started: WorkerProcess[] = [];
const startApi = (overrides: Record<string, string> = {}): WorkerProcess => {
  const api = startWorkerProcess({ ...env, ...overrides }, API);
  started.push(api);
  return api;
};
const redis = privateRedis(16_397);
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await redis.stop();
});

/** The read API's base URL, once it has logged it. */
async function apiUrl(api: WorkerProcess): Promise<string> {
  return String((await api.waitForLog((l) => l.msg === 'read API listening', 'the read API listening'))['url']);
}

/** The value of one sample line of a Prometheus text, e.g. `name{a="b"} 3`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('npm run api', () => {
  it('serves /healthz, /readyz (MongoDB and Redis) and /metrics with request durations, 429s and token-cache hits', async () => {
    const api = startApi({ API_RATE_LIMIT: '2' });
    const ops = await api.opsUrl();
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    const ready = await pollUrlUntil(`${ops}/readyz`, (status) => status === 200, 'ready', 30_000);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, state: 'running', checks: { mongodb: 'ok', redis: 'ok' } });

    const base = await apiUrl(api);
    const token = await serviceToken('svc-ops');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await fetch(`${base}/v1/services/svc-ops/users/usr-ops/consents`, { headers: { authorization: `Bearer ${token}` } })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect((await fetch(`${base}/v1/no-such-route`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);

    const text = await (await fetch(`${ops}/metrics`)).text();
    const route = '/v1/services/:serviceId/users/:userId/consents';
    expect(sample(text, 'consent_read_api_request_duration_seconds_count', { route, method: 'GET', status_code: '200' })).toBe(2);
    expect(sample(text, 'consent_read_api_request_duration_seconds_count', { route, method: 'GET', status_code: '429' })).toBe(1);
    expect(sample(text, 'consent_read_api_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBe(1);
    expect(sample(text, 'consent_read_api_rate_limited_total', { budget: 'caller' })).toBe(1);
    expect(sample(text, 'consent_read_api_token_cache_total', { outcome: 'miss' })).toBe(1);
    expect(sample(text, 'consent_read_api_token_cache_total', { outcome: 'hit' })).toBe(3);
    expect(sample(text, 'consent_read_api_process_resident_memory_bytes')).toBeGreaterThan(0);

    api.child.kill('SIGTERM');
    await api.waitForLog((l) => l.msg === 'stopping', 'the stop', 5_000);
    expect(await api.exited()).toBe(0);
  });

  it('exits 2 naming every bad variable, of the read API and the rest, before connecting anywhere', async () => {
    const api = startApi({ API_PORT: 'eighty', API_PAGE_TOKEN_SECRET: '', API_JWT_SECRET: 'short', REDIS_URL: 'http://127.0.0.1:6379', SHUTDOWN_TIMEOUT_MS: '5' });
    expect(await api.exited()).toBe(2);
    for (const variable of ['API_PORT', 'API_PAGE_TOKEN_SECRET', 'API_JWT_SECRET', 'REDIS_URL', 'SHUTDOWN_TIMEOUT_MS']) {
      expect(api.stderr()).toContain(`configuration error: ${variable}: `);
    }
    expect(api.logs).toEqual([]);
  });

  it('speaks TLS to Redis when REDIS_TLS=true (a plain Redis then fails its readiness check)', async () => {
    const api = startApi({ REDIS_TLS: 'true' });
    const ops = await api.opsUrl();
    const notReady = await pollUrlUntil(`${ops}/readyz`, (status, body) => status === 503 && body.includes('"state":"running"'), 'not ready', 30_000);
    const checks = (JSON.parse(notReady.body) as { checks: Record<string, string> }).checks;
    expect(checks['mongodb']).toBe('ok');
    expect(checks['redis']).not.toBe('ok');
  });

  it('turns not ready while Redis is down, and exits 3 when a read in flight outlasts SHUTDOWN_TIMEOUT_MS', async () => {
    await redis.start();
    const api = startApi({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '100' });
    const ops = await api.opsUrl();
    await pollUrlUntil(`${ops}/readyz`, (status) => status === 200, 'ready', 30_000);
    const base = await apiUrl(api);
    const token = await serviceToken('svc-stop');
    await redis.stop();
    await pollUrlUntil(`${ops}/readyz`, (status) => status === 503, 'not ready with Redis down', 15_000);

    // The read waits on its rate counter while ioredis retries the connection.
    const inFlight = fetch(`${base}/v1/services/svc-stop/users/usr-stop/consents`, { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
    await new Promise((resolve) => setTimeout(resolve, 30));
    api.child.kill('SIGTERM');
    expect(await api.exited()).toBe(3);
    expect(api.logs.some((l) => l.msg === 'stop deadline passed; exiting with what was committed')).toBe(true);
    await inFlight;
  });
});

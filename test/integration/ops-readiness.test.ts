// /readyz of a running worker process: ready once it joined its group and every server answers;
// not ready while Redis is down, ready again when it returns, not ready while stopping. Redis here
// is a private redis-server: the shared one must not be stopped.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isolatedEnv } from '../support/isolated-env.ts';
import { privateRedis } from '../support/private-redis.ts';
import { deleteTopicsOf, pollUrlUntil, startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

const redis = privateRedis(16390);
let worker: WorkerProcess | null = null;
const env = { ...isolatedEnv(inject('servers'), 'cwtest', randomUUID().slice(0, 8)), TOPIC_PARTITIONS: '1', LOG_LEVEL: 'info' };
afterAll(async () => {
  await worker?.stop();
  await redis.stop();
  await deleteTopicsOf(env);
});

interface Report { ready: boolean; state: string; checks: Record<string, string> }
const report = (body: string): Report => JSON.parse(body) as Report;

describe('/readyz', () => {
  it('turns not ready when Redis stops and ready when it returns, and not ready while stopping', async () => {
    await redis.start();
    worker = startWorkerProcess({ ...env, REDIS_URL: redis.url });
    const url = `${await worker.opsUrl()}/readyz`;
    expect((await fetch(`${await worker.opsUrl()}/healthz`)).status).toBe(200);

    const ready = await pollUrlUntil(url, (status) => status === 200, 'ready', 60_000);
    expect(report(ready.body)).toEqual({ ready: true, state: 'running',
      checks: { consumerGroup: 'ok', kafka: 'ok', registry: 'ok', mongodb: 'ok', redis: 'ok' } });

    await redis.stop();
    const down = await pollUrlUntil(url, (status) => status === 503, 'not ready with Redis down', 15_000);
    expect(report(down.body)).toMatchObject({ ready: false, state: 'running', checks: { kafka: 'ok', mongodb: 'ok' } });
    expect(report(down.body).checks['redis']).not.toBe('ok');
    expect((await fetch(`${await worker.opsUrl()}/healthz`)).status).toBe(200); // alive all the same

    // The outage reaches the JSON log once (ioredis's reconnect errors are not printed on stderr).
    await worker.waitForLog((l) => l.msg === 'redis connection lost; reconnecting', 'the outage in the log', 10_000);
    await redis.start();
    const back = await pollUrlUntil(url, (status) => status === 200, 'ready again with Redis back', 30_000);
    expect(report(back.body).checks['redis']).toBe('ok');
    expect(worker.logs.filter((l) => l.msg === 'redis connection lost; reconnecting')).toHaveLength(1);
    await worker.waitForLog((l) => l.msg === 'redis connection back', 'the reconnection in the log', 5_000);
    expect(worker.stderr()).not.toContain('Unhandled error event');

    // While it stops: not ready at once (the stop takes a second or two: the consumer leaves its
    // group, the connections close; the ops listener closes last).
    worker.child.kill('SIGTERM');
    await worker.waitForLog((l) => l.msg === 'stopping', 'the stop', 5_000);
    const stopping = await fetch(url);
    expect(stopping.status).toBe(503);
    expect(report(await stopping.text()).state).toBe('stopping');
    expect(await worker.exited()).toBe(0);
  });
});

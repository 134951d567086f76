// A bad configuration stops `node src/main.ts` with exit code 2 before it connects anywhere, and
// stderr names every bad variable at once.
import { describe, expect, it } from 'vitest';
import { startWorkerProcess } from '../support/worker-process.ts';

describe('the worker process with a bad configuration', () => {
  it('exits 2 naming every bad variable, before connecting anywhere', async () => {
    const worker = startWorkerProcess({
      KAFKA_BROKERS: 'kafka-without-port',
      SCHEMA_REGISTRY_URL: 'not a url',
      REDIS_URL: 'http://127.0.0.1:6379',
      LOG_LEVEL: 'loud',
      LOCK_TTL_MS: 'ten seconds',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      // The read API beside the worker: its variables are named in the same start.
      READ_API_ENABLED: 'true',
      API_JWT_SECRET: 'short',
    });
    expect(await worker.exited()).toBe(2);
    const stderr = worker.stderr();
    for (const variable of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL', 'LOG_LEVEL', 'LOCK_TTL_MS', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD',
      'API_PAGE_TOKEN_SECRET', 'API_JWT_SECRET']) {
      expect(stderr).toContain(`configuration error: ${variable}: `);
    }
    // Nothing was started: no ops listener, no connection attempt, no log line at all.
    expect(worker.logs).toEqual([]);
  });

  it('exits 2 naming OPS_PORT when the ops port is taken', async () => {
    const first = startWorkerProcess({ KAFKA_BROKERS: '127.0.0.1:1' });
    const port = new URL(await first.opsUrl()).port;
    try {
      const second = startWorkerProcess({ KAFKA_BROKERS: '127.0.0.1:1', OPS_PORT: port });
      expect(await second.exited()).toBe(2);
      expect(second.stderr()).toContain('configuration error: OPS_PORT: ');
    } finally {
      await first.stop();
    }
  });
});

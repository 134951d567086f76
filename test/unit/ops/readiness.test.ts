// Readiness (no servers): not ready while starting or stopping, nor while any check fails or
// does not answer in time; each check's outcome is reported by name.
import { describe, expect, it } from 'vitest';
import { Readiness } from '../../../src/ops/readiness.ts';

const ok = async (): Promise<void> => undefined;
const down = async (): Promise<void> => { throw new Error('connection refused'); };
const silent = (): Promise<void> => new Promise(() => undefined);

describe('Readiness', () => {
  it('is not ready while starting', async () => {
    expect(await new Readiness().report()).toEqual({ ready: false, state: 'starting', checks: {} });
  });

  it('names why a start was refused (credentials, certificate, ACL) until the worker runs', async () => {
    const readiness = new Readiness();
    readiness.refused('Kafka refused: SASL SCRAM SHA512 authentication failed');
    expect(await readiness.report()).toEqual({ ready: false, state: 'starting', checks: { start: 'Kafka refused: SASL SCRAM SHA512 authentication failed' } });
    readiness.running({ kafka: ok });
    expect(await readiness.report()).toEqual({ ready: true, state: 'running', checks: { kafka: 'ok' } });
  });

  it('is ready once running with every check passing', async () => {
    const readiness = new Readiness();
    readiness.running({ kafka: ok, redis: ok });
    expect(await readiness.report()).toEqual({ ready: true, state: 'running', checks: { kafka: 'ok', redis: 'ok' } });
  });

  it('is not ready while a check fails, and says why by name', async () => {
    const readiness = new Readiness();
    readiness.running({ kafka: ok, redis: down });
    expect(await readiness.report()).toEqual({ ready: false, state: 'running', checks: { kafka: 'ok', redis: 'connection refused' } });
  });

  it('counts a check that does not answer within 800 ms as failed', async () => {
    const readiness = new Readiness();
    readiness.running({ mongodb: silent });
    const started = Date.now();
    expect(await readiness.report()).toEqual({ ready: false, state: 'running', checks: { mongodb: 'no answer within 800 ms' } });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('is not ready from the moment it stops, even if a late start reports running', async () => {
    const readiness = new Readiness();
    readiness.running({ kafka: ok });
    readiness.stopping();
    readiness.running({ kafka: ok });
    expect(await readiness.report()).toMatchObject({ ready: false, state: 'stopping' });
  });
});

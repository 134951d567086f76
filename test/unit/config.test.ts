// The configuration's limits on outbox clearing, read from the environment (no I/O).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('outbox clear settings', () => {
  it('defaults to clearing 30 s after the publish, at most 20,000 waiting, 200 per write', () => {
    expect(loadConfig({}).outboxClears).toEqual({ delayMs: 30_000, maxPending: 20_000, batchSize: 200 });
  });

  it('accepts 0 (clear right after the publish) and refuses a delay the published-entries ledger would outlast', () => {
    expect(loadConfig({ OUTBOX_CLEAR_DELAY_MS: '0' }).outboxClears.delayMs).toBe(0);
    expect(loadConfig({ OUTBOX_CLEAR_DELAY_MS: '600000' }).outboxClears.delayMs).toBe(600_000);
    expect(() => loadConfig({ OUTBOX_CLEAR_DELAY_MS: '600001' })).toThrow(ConfigError);
  });
});

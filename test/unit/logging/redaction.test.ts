// What a log line may never carry, checked on what pino really writes: personal data and secrets
// attached to errors by the clients (a bulk write error carries the documents it could not write).
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.ts';

/** The real logger (its redaction paths) writing into a string. */
function captured(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  let text = '';
  const sink = new Writable({ write(chunk, _encoding, done) { text += String(chunk); done(); } });
  return { logger: createLogger('info', 'redaction-test', sink), text: () => text };
}

describe('the logger', () => {
  it('keeps the documents a MongoDB bulk write error carries (consentData, an org owner email) out of the line', () => {
    const { logger, text } = captured();
    const err = Object.assign(new Error('E11000-like refusal'), {
      code: 121,
      writeErrors: [{ index: 0, code: 121, err: { op: { state: { consentData: { diagnosis: 'secret-value' }, targetOrgOwnerEmail: 'owner@example.org' } } } }],
      result: { insertedIds: { 0: 'c-1:1' }, op: { targetOrgOwnerEmail: 'owner@example.org' } },
    });
    logger.warn({ err, commandId: 'cmd-1' }, 'round failed');
    expect(text()).toContain('cmd-1');
    expect(text()).toContain('E11000-like refusal');
    expect(text()).not.toContain('owner@example.org');
    expect(text()).not.toContain('secret-value');
  });

  it('keeps the password ioredis tried out of the line, on one Redis and on a Redis Cluster', () => {
    const { logger, text } = captured();
    const refused = (): Error => Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), { command: { name: 'auth', args: ['worker', 'tried-password'] } });
    logger.error({ err: refused() }, 'one Redis refused');
    logger.error({ err: Object.assign(new Error('Failed to refresh slots cache.'), { name: 'ClusterAllFailedError', lastNodeError: refused() }) }, 'the cluster refused');
    expect(text()).toContain('WRONGPASS');
    expect(text()).toContain('the cluster refused');
    expect(text()).not.toContain('tried-password');
  });
});

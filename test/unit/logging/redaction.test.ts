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
});

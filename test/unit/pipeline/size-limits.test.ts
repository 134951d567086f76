// What leaves the worker fits the broker's limit: DLQ copies and results are bounded, commands
// too large to answer are refused with 413.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commandSizeRejection } from '../../../src/domain/size.ts';
import { deadLetterOf } from '../../../src/pipeline/dead-letter.ts';
import type { InboundMessage } from '../../../src/pipeline/ports.ts';
import type { ResultBody } from '../../../src/pipeline/result.ts';
import {
  COMMAND_HEADROOM_BYTES, fitResult, maxCommandBytes, MAX_ECHOED_ID_CHARS, MAX_ECHOED_TEXT_CHARS, RECORD_OVERHEAD_BYTES, recordBytes,
} from '../../../src/pipeline/size-limits.ts';

const LIMIT = 1_048_588;
const NOW = new Date('2030-01-01T00:00:00.000Z');

const inbound = (value: Buffer, headers: Record<string, string> = {}): InboundMessage => ({
  topic: 'consent.commands.v1', partition: 2, offset: '41', key: 'consent-1', value, headers,
});

describe('recordBytes', () => {
  it.each([
    [{ key: '', value: Buffer.alloc(0) }, RECORD_OVERHEAD_BYTES],
    [{ key: 'abc', value: Buffer.alloc(10) }, RECORD_OVERHEAD_BYTES + 13],
    [{ key: 'é', value: null }, RECORD_OVERHEAD_BYTES + 2], // bytes, not characters
    [{ key: null, value: Buffer.alloc(1), headers: { ab: 'cd' } }, RECORD_OVERHEAD_BYTES + 1 + 4 + 10],
  ])('counts key, value and headers plus the record overhead (%#)', (message, expected) => {
    expect(recordBytes(message)).toBe(expected);
  });
});

describe('a dead-letter copy', () => {
  it('under the limit keeps the original value and every header', () => {
    const copy = deadLetterOf(inbound(Buffer.from('garbage'), { trace: 't1' }), 'NOT_CONFLUENT_AVRO', 'no magic byte', NOW, LIMIT);
    expect(copy.value.toString()).toBe('garbage');
    expect(copy.headers).toMatchObject({ trace: 't1', 'dlq.reason': 'NOT_CONFLUENT_AVRO', 'dlq.source.offset': '41' });
    expect(copy.headers?.['dlq.value.truncated']).toBeUndefined();
  });

  it('whose value just under the limit plus headers would exceed it keeps headers and reason, drops the value, describes it', () => {
    const value = Buffer.alloc(LIMIT - RECORD_OVERHEAD_BYTES - 20, 7); // the 1,048,511-byte command
    const copy = deadLetterOf(inbound(value, { trace: 't1' }), 'MALFORMED_AVRO', 'bad', NOW, LIMIT);
    expect(copy.value.length).toBe(0);
    expect(copy.key).toBe('consent-1');
    expect(copy.headers).toMatchObject({
      trace: 't1',
      'dlq.reason': 'MALFORMED_AVRO',
      'dlq.value.truncated': 'true',
      'dlq.value.bytes': String(value.length),
      'dlq.value.sha256': createHash('sha256').update(value).digest('hex'),
    });
    expect(recordBytes(copy)).toBeLessThanOrEqual(LIMIT);
  });

  it('whose original headers alone exceed the limit keeps only the dlq headers', () => {
    const copy = deadLetterOf(inbound(Buffer.alloc(10), { huge: 'x'.repeat(LIMIT) }), 'EMPTY_VALUE', 'none', NOW, LIMIT);
    expect(copy.headers?.['huge']).toBeUndefined();
    expect(copy.headers).toMatchObject({ 'dlq.reason': 'EMPTY_VALUE', 'dlq.headers.truncated': 'true', 'dlq.value.bytes': '10' });
    expect(recordBytes(copy)).toBeLessThanOrEqual(LIMIT);
  });
});

describe('commandSizeRejection', () => {
  it.each([
    [maxCommandBytes(LIMIT), null],
    [maxCommandBytes(LIMIT) + 1, '413'],
    [1_048_511, '413'],
  ])('a command of %i bytes → %s', (bytes, status) => {
    expect(commandSizeRejection(bytes, maxCommandBytes(LIMIT))?.statusCode ?? null).toBe(status);
  });

  it('names COMMAND_TOO_LARGE', () => {
    expect(commandSizeRejection(LIMIT, maxCommandBytes(LIMIT))).toMatchObject({ statusCode: '413', errorCode: 'COMMAND_TOO_LARGE' });
    expect(maxCommandBytes(LIMIT)).toBe(LIMIT - COMMAND_HEADROOM_BYTES);
  });
});

describe('fitResult', () => {
  const body: ResultBody = {
    commandId: 'cmd-1', correlationId: 'c'.repeat(1_048_576), commandType: 'CreateConsent', statusCode: '201',
    errorCode: null, message: null, field: null, requestId: 'req-1', processedAt: NOW.toISOString(), state: { type: 'x', value: {} } as never,
  };

  it('returns a result that fits unchanged', () => {
    expect(fitResult(body, LIMIT, LIMIT)).toBe(body);
  });

  it('replaces one over the limit by a small 413 RESULT_TOO_LARGE with the correlationId cut', () => {
    const fitted = fitResult(body, LIMIT + 1, LIMIT);
    expect(fitted).toMatchObject({
      commandId: 'cmd-1', commandType: 'CreateConsent', statusCode: '413', errorCode: 'RESULT_TOO_LARGE', state: null, requestId: 'req-1',
    });
    expect(fitted.correlationId).toHaveLength(MAX_ECHOED_ID_CHARS);
    expect(JSON.stringify(fitted).length).toBeLessThan(2_000);
  });

  it('keeps a refusal\'s reason (COMMAND_TOO_LARGE) when its echo does not fit, dropping only the bulk', () => {
    const refused: ResultBody = { ...body, statusCode: '413', errorCode: 'COMMAND_TOO_LARGE', message: 'the command is 2000000 bytes', field: null, state: null };
    const fitted = fitResult(refused, LIMIT + 1, LIMIT);
    expect(fitted).toMatchObject({ commandId: 'cmd-1', statusCode: '413', errorCode: 'COMMAND_TOO_LARGE', message: 'the command is 2000000 bytes', state: null });
    expect(fitted.correlationId).toHaveLength(MAX_ECHOED_ID_CHARS);
  });

  it('keeps a 409\'s code but drops its state when the echo does not fit', () => {
    const conflict: ResultBody = { ...body, statusCode: '409', errorCode: 'VERSION_CONFLICT', message: 'x'.repeat(5_000) };
    const fitted = fitResult(conflict, LIMIT + 1, LIMIT);
    expect(fitted).toMatchObject({ statusCode: '409', errorCode: 'VERSION_CONFLICT', state: null });
    expect(fitted.message).toHaveLength(MAX_ECHOED_TEXT_CHARS);
  });
});

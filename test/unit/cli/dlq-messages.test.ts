import { describe, expect, it } from 'vitest';
import { ReplayRefused, replayOf, selectDeadLetters, viewOf } from '../../../src/cli/dlq-messages.ts';
import type { InboundMessage } from '../../../src/pipeline/ports.ts';

const letter = (offset: string, reason: string, more: Record<string, string> = {}): InboundMessage => ({
  topic: 'consent.commands.v1.dlq', partition: 0, offset, key: 'c-1', value: Buffer.from([0, 0, 0, 0, 7, 1]),
  headers: {
    'dlq.reason': reason, 'dlq.detail': 'schema id 7 is not in the registry', 'dlq.source.topic': 'consent.commands.v1',
    'dlq.source.partition': '2', 'dlq.source.offset': '41', 'dlq.failed.at': '2026-12-03T08:00:00.000Z', ...more,
  },
});
const commandTopics = new Set(['consent.commands.v1', 'permission.commands.v1']);

describe('dead letters in the CLI', () => {
  it('selects letters by reason, all of them without one', () => {
    const all = [letter('0', 'UNKNOWN_SCHEMA_ID'), letter('1', 'NOT_CONFLUENT_AVRO'), letter('2', 'UNKNOWN_SCHEMA_ID')];
    expect(selectDeadLetters(all, { reason: 'UNKNOWN_SCHEMA_ID' }).map((m) => m.offset)).toEqual(['0', '2']);
    expect(selectDeadLetters(all, {})).toHaveLength(3);
  });

  it('replays the original key and bytes onto the source topic, keeping the producer headers and dropping every dlq.* one', () => {
    const m = letter('3', 'UNKNOWN_SCHEMA_ID', { traceparent: '00-abc-def-01' });
    expect(replayOf(m, commandTopics)).toEqual({ topic: 'consent.commands.v1', key: 'c-1', value: m.value, headers: { traceparent: '00-abc-def-01' } });
    expect(replayOf(letter('4', 'X'), commandTopics)).not.toHaveProperty('headers');
  });

  it('refuses to replay onto a topic that is not a commands topic, or a letter without a source', () => {
    expect(() => replayOf(letter('5', 'X', { 'dlq.source.topic': 'consent.events.v1' }), commandTopics)).toThrow(ReplayRefused);
    const { 'dlq.source.topic': _gone, ...headers } = letter('6', 'X').headers;
    expect(() => replayOf({ ...letter('6', 'X'), headers }, commandTopics)).toThrow(/no dlq.source.topic/);
  });

  it('shows where a letter came from and why', () => {
    expect(viewOf(letter('7', 'UNKNOWN_SCHEMA_ID'))).toMatchObject({ offset: '7', reason: 'UNKNOWN_SCHEMA_ID', source: 'consent.commands.v1[2]@41', bytes: 6 });
  });
});

import { describe, expect, it } from 'vitest';
import { chunkBytes, MAX_PRODUCE_BYTES, produceChunks } from '../../../bench/throughput/produce-chunks.ts';

/** The raw pipe's output for one fetched batch: a result (keyed by commandId) and an event (by consentId) a command. */
function pipeOutput(commands: number, resultBytes = 365, eventBytes = 407): { key: string; value: Buffer }[] {
  return Array.from({ length: commands }, (_, i) => [
    { key: `cmd-00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, value: Buffer.alloc(resultBytes, 0x61) },
    { key: `bc-1a2b3c4d-s2000-${i}`, value: Buffer.alloc(eventBytes, 0x62) },
  ]).flat();
}
const BROKER_MAX_MESSAGE_BYTES = 1_048_588; // Kafka's default message.max.bytes

describe('produceChunks (the raw pipe\'s produce requests)', () => {
  it('cuts the output of a fetched batch of the sustained row (3,366 commands) into requests the broker accepts', () => {
    const out = pipeOutput(3_366);
    const chunks = produceChunks(out);
    expect(chunks.length).toBeGreaterThan(1);
    // Even if every record of a chunk went to the same partition, its batch stays under the broker's limit.
    for (const chunk of chunks) expect(chunkBytes(chunk)).toBeLessThanOrEqual(MAX_PRODUCE_BYTES);
    expect(MAX_PRODUCE_BYTES).toBeLessThan(BROKER_MAX_MESSAGE_BYTES);
  });

  it('keeps every record, in order', () => {
    const out = pipeOutput(3_366);
    expect(produceChunks(out).flat()).toEqual(out);
  });

  it('sends a backlog\'s batch (about 330 commands a partition) as one request, as before', () => {
    expect(produceChunks(pipeOutput(330))).toHaveLength(1);
  });

  it('sends a record larger than the limit alone rather than dropping it', () => {
    const big = { key: 'k', value: Buffer.alloc(MAX_PRODUCE_BYTES + 1) };
    const small = { key: 'k', value: Buffer.alloc(10) };
    expect(produceChunks([small, big, small]).map((chunk) => chunk.length)).toEqual([1, 1, 1]);
  });

  it('sends nothing for an empty batch', () => {
    expect(produceChunks([])).toEqual([]);
  });
});

// The raw pipe's output cut into produce requests the broker accepts. One fetched batch of a
// partition holds up to a megabyte of command records (kafkajs's maxBytesPerPartition). Backlogs of
// 2,000 put about 330 records in a partition, but the open-loop and sustained rows put thousands:
// the pipe's one produce for a fetched batch of 3,366 commands (a result and an event each, about
// 2.7 MB) was refused by the broker (MESSAGE_TOO_LARGE, its message.max.bytes being 1 MiB), the
// idempotent producer's sequence broke, the consumer retried the batch until the phase's time ran
// out and the row ended INCOMPLETE. A chunk is kept under half of that limit even if every record
// of it went to the same partition.

/** The broker's default message.max.bytes (1 MiB), halved: room for the record batch's own framing. */
export const MAX_PRODUCE_BYTES = 512 * 1_024;
/** What a record adds to its key and value in a v2 record batch (length, attributes, deltas, headers count), at most. */
export const RECORD_OVERHEAD_BYTES = 32;

/** A record to produce, as kafkajs takes it. */
export interface SizedMessage {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
}

const bytesOf = (data: Buffer | string | null | undefined): number => (data === null || data === undefined ? 0 : Buffer.byteLength(data));
const sizeOf = (message: SizedMessage): number => RECORD_OVERHEAD_BYTES + bytesOf(message.key) + bytesOf(message.value);

/** The messages in order, cut into runs of at most `maxBytes` each (a single larger message goes alone). */
export function produceChunks<T extends SizedMessage>(messages: readonly T[], maxBytes = MAX_PRODUCE_BYTES): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = sizeOf(message);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The estimated bytes of a chunk, as produceChunks counts them. */
export const chunkBytes = (messages: readonly SizedMessage[]): number => messages.reduce((sum, message) => sum + sizeOf(message), 0);

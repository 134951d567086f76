// One partition's batch, in chunks of up to `chunkSize` messages, each chunk one pipeline batch
// (handle-message.ts). Offsets are committed only once every message of the chunk is done. A
// retryable failure (a server outage) pauses and retries the chunk's messages not yet done, in
// their order: it never skips one. A failure no retry is known to help (a bug, a refusal nobody
// expected) is retried a few times too, then the chunk is taken one message at a time, and a
// message that still fails alone is parked (`park`: the DLQ), so it never holds its partition.
import type { Logger } from '../logging/logger.ts';
import { backoffDelay } from './backoff.ts';
import { sleep } from './concurrency.ts';
import { isRetryable } from './errors.ts';
import type { PipelineObserver } from './observer.ts';
import type { InboundMessage, PartitionBatch } from './ports.ts';

/** Tries of a chunk, then of a message alone, with an unexpected (non-retryable) failure before it is given up on. */
export const UNEXPECTED_FAILURE_TRIES = 3;

export interface BatchOptions {
  /** Commit after this many messages, so a crash redoes (idempotently) at most this many. */
  readonly chunkSize: number;
  readonly logger: Logger;
  readonly observer: PipelineObserver;
  /**
   * Where a message goes that fails alone, UNEXPECTED_FAILURE_TRIES times, with an error no retry
   * helps (the worker: the DLQ with reason PROCESSING_FAILED). Without it such an error is thrown.
   */
  readonly park?: (message: InboundMessage, error: unknown) => Promise<void>;
}

export class BatchAbandoned extends Error {
  override readonly name = 'BatchAbandoned';
}

/** Handles a chunk's messages, adding each to `done` once it is answered. */
export type ChunkHandler = (messages: readonly InboundMessage[], done: Set<InboundMessage>) => Promise<void>;

function reasonOf(error: unknown): string {
  const server = (error as { server?: unknown } | null)?.server;
  return typeof server === 'string' ? server : isRetryable(error) ? 'unknown' : 'unexpected';
}

/** The pause before the next try, and a heartbeat after it; throws if the consumer is stopping. */
async function pauseBeforeRetry(error: unknown, attempt: number, left: number, batch: PartitionBatch, options: BatchOptions): Promise<void> {
  if (!batch.isRunning()) throw new BatchAbandoned('consumer stopping; the uncommitted commands will be redelivered');
  const pause = backoffDelay(attempt);
  options.observer.retry(reasonOf(error));
  const where = { err: error, attempt, pauseMs: pause, topic: batch.topic, partition: batch.partition, left };
  if (isRetryable(error)) options.logger.warn(where, 'server unavailable; retrying the commands not yet done');
  else options.logger.error(where, 'unexpected failure; retrying the commands not yet done');
  await sleep(pause);
  await batch.heartbeat().catch(() => undefined);
}

/** The chunk's messages one by one: one that fails alone with unexpected errors is parked. */
async function oneByOne(messages: readonly InboundMessage[], handle: ChunkHandler, batch: PartitionBatch, options: BatchOptions, park: NonNullable<BatchOptions['park']>): Promise<void> {
  for (const message of messages) {
    let unexpected = 0;
    let lastError: unknown = null;
    for (let attempt = 1; ; attempt++) {
      try {
        if (unexpected >= UNEXPECTED_FAILURE_TRIES) {
          options.logger.error({ err: lastError, topic: message.topic, partition: message.partition, offset: message.offset },
            'a message fails alone with an unexpected error; parked so that its partition goes on');
          await park(message, lastError);
        } else {
          await handle([message], new Set());
        }
        break;
      } catch (error) {
        if (!isRetryable(error)) { unexpected++; lastError = error; }
        await pauseBeforeRetry(error, attempt, 1, batch, options);
      }
    }
  }
}

async function untilDone(chunk: readonly InboundMessage[], handle: ChunkHandler, batch: PartitionBatch, options: BatchOptions): Promise<void> {
  const done = new Set<InboundMessage>();
  const left = () => chunk.filter((message) => !done.has(message));
  let unexpected = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle(attempt === 1 ? chunk : left(), done);
    } catch (error) {
      if (!isRetryable(error)) {
        if (!options.park) throw error;
        // Which message is the cause is not known: alone, each one either goes through or is parked.
        if (++unexpected >= UNEXPECTED_FAILURE_TRIES) return oneByOne(left(), handle, batch, options, options.park);
      }
      await pauseBeforeRetry(error, attempt, chunk.length - done.size, batch, options);
    }
  }
}

export function batchHandler(options: BatchOptions, handle: ChunkHandler) {
  return async (batch: PartitionBatch): Promise<void> => {
    const highWatermark = Number(batch.highWatermark);
    for (let start = 0; start < batch.messages.length; start += options.chunkSize) {
      if (!batch.isRunning()) return;
      const chunk = batch.messages.slice(start, start + options.chunkSize);
      await untilDone(chunk, handle, batch, options);
      const last = chunk[chunk.length - 1] as InboundMessage;
      await batch.commitThrough(last);
      options.observer.consumerLag(batch.topic, batch.partition, Math.max(0, highWatermark - Number(last.offset) - 1));
      await batch.heartbeat();
    }
  };
}

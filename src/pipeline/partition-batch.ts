// One partition's batch, in chunks of up to `chunkSize` messages, each chunk one pipeline batch
// (handle-message.ts). Offsets are committed only once every message of the chunk is done. A
// retryable failure (a server outage) pauses and retries the chunk's messages not yet done, in
// their order: it never skips one. Non-retryable failures never reach here: each is answered.
import type { Logger } from '../logging/logger.ts';
import { backoffDelay } from './backoff.ts';
import { sleep } from './concurrency.ts';
import { isRetryable } from './errors.ts';
import type { PipelineObserver } from './observer.ts';
import type { InboundMessage, PartitionBatch } from './ports.ts';

export interface BatchOptions {
  /** Commit after this many messages, so a crash redoes (idempotently) at most this many. */
  readonly chunkSize: number;
  readonly logger: Logger;
  readonly observer: PipelineObserver;
}

export class BatchAbandoned extends Error {
  override readonly name = 'BatchAbandoned';
}

/** Handles a chunk's messages, adding each to `done` once it is answered. */
export type ChunkHandler = (messages: readonly InboundMessage[], done: Set<InboundMessage>) => Promise<void>;

function reasonOf(error: unknown): string {
  const server = (error as { server?: unknown } | null)?.server;
  return typeof server === 'string' ? server : 'unknown';
}

async function untilDone(chunk: readonly InboundMessage[], handle: ChunkHandler, batch: PartitionBatch, options: BatchOptions): Promise<void> {
  const done = new Set<InboundMessage>();
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle(attempt === 1 ? chunk : chunk.filter((message) => !done.has(message)), done);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (!batch.isRunning()) throw new BatchAbandoned('consumer stopping; the uncommitted commands will be redelivered');
      const pause = backoffDelay(attempt);
      options.observer.retry(reasonOf(error));
      options.logger.warn({ err: error, attempt, pauseMs: pause, topic: batch.topic, partition: batch.partition, left: chunk.length - done.size },
        'server unavailable; retrying the commands not yet done');
      await sleep(pause);
      await batch.heartbeat().catch(() => undefined);
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

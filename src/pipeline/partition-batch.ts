// One partition's batch: commands with different keys run concurrently (bounded), commands
// with the same key run in their offset order, and offsets are committed only once every
// command up to them is fully done. A server outage pauses the batch and retries the same
// command; it never skips one.
import type { Logger } from '../logging/logger.ts';
import { runBounded, sleep } from './concurrency.ts';
import { isInfrastructureError } from './errors.ts';
import { groupBy } from './group-by.ts';
import type { InboundMessage, PartitionBatch } from './ports.ts';

export interface BatchOptions {
  readonly keyConcurrency: number;
  /** Commit after this many messages, so a crash redoes (idempotently) at most this many. */
  readonly chunkSize: number;
  readonly logger: Logger;
}

export class BatchAbandoned extends Error {
  override readonly name = 'BatchAbandoned';
}

async function untilDone(handle: () => Promise<void>, batch: PartitionBatch, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle();
    } catch (error) {
      if (!isInfrastructureError(error)) throw error;
      if (!batch.isRunning()) throw new BatchAbandoned('consumer stopping; the uncommitted commands will be redelivered');
      const pause = Math.min(100 * 2 ** Math.min(attempt, 8), 10_000);
      logger.warn({ err: error, attempt, pauseMs: pause, topic: batch.topic, partition: batch.partition }, 'server unavailable; retrying the same command');
      await sleep(pause);
      await batch.heartbeat().catch(() => undefined);
    }
  }
}

function byKey(messages: readonly InboundMessage[]): InboundMessage[][] {
  return [...groupBy(messages, (message) => message.key ?? '', (message) => message).values()];
}

export function batchHandler(options: BatchOptions, handle: (message: InboundMessage) => Promise<void>) {
  return async (batch: PartitionBatch): Promise<void> => {
    for (let start = 0; start < batch.messages.length; start += options.chunkSize) {
      if (!batch.isRunning()) return;
      const chunk = batch.messages.slice(start, start + options.chunkSize);
      await runBounded(byKey(chunk), options.keyConcurrency, async (group) => {
        for (const message of group) await untilDone(() => handle(message), batch, options.logger);
      });
      await batch.commitThrough(chunk[chunk.length - 1] as InboundMessage);
      await batch.heartbeat();
    }
  };
}

// The bus's consuming side: one kafkajs consumer per consume() call, its batches handed to the
// pipeline as PartitionBatches, and its restart after a crash kafkajs would not restart from.
import type { Consumer, ConsumerRunConfig, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { Logger } from '../../logging/logger.ts';
import type { ConsumerHandle, InboundMessage, MessageBus, PartitionBatch } from '../../pipeline/ports.ts';
import { backoffDelay } from '../../wait/backoff.ts';
import { sleep } from '../../wait/sleep.ts';
import { untilReady } from './kafka-readiness.ts';
import { OffsetCommits, type PartitionOffset } from './offset-commits.ts';

export type ConsumeOptions = Parameters<MessageBus['consume']>[0];

/** What every consumer of one bus shares. */
export interface KafkaConsumerSetting {
  readonly kafka: Kafka;
  /** A client that logs nothing, for set-up steps whose "not yet" answers are expected. */
  readonly quiet: Kafka;
  readonly logger: Logger;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly onRequest?: ((apiName: string) => void) | undefined;
}

/** The broker's answer to a session timeout outside its group.min/max.session.timeout.ms. */
function isInvalidSessionTimeout(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.type === 'INVALID_SESSION_TIMEOUT') return true;
  }
  return false;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return out;
}

/** Starts a consumer of `topics` in `groupId`; `consumers` gets it, for the bus to disconnect on close. */
export async function startKafkaConsumer(setting: KafkaConsumerSetting, consume: ConsumeOptions, consumers: Consumer[]): Promise<ConsumerHandle> {
  const { groupId, topics } = consume;
  await untilCoordinator(setting.quiet, groupId);
  // kafkajs has neither cooperative rebalancing nor static membership: a killed replica's
  // partitions, and (eager rebalance) every other replica's too, wait for its session to
  // expire. A short session is what keeps that pause short.
  const consumer = setting.kafka.consumer({
    groupId, allowAutoTopicCreation: false, sessionTimeout: setting.sessionTimeoutMs, heartbeatInterval: setting.heartbeatIntervalMs,
  });
  consumers.push(consumer);
  const onRequest = setting.onRequest;
  if (onRequest) consumer.on(consumer.events.REQUEST, (event) => onRequest(event.payload.apiName));
  const membership = trackMembership(consumer);
  const commits = offsetCommitsOf(setting, consume, consumer);
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  const runConfig = runConfigOf(consume, setting.heartbeatIntervalMs, commits);
  const restart = restartOnCrash(setting, consumer, groupId, runConfig);
  await consumer.run(runConfig);
  return {
    async stop() {
      restart.stop();
      // What waits is committed while the consumer still runs; a batch still running commits at once.
      await commits.flush({ stopping: true }).catch((error: unknown) => {
        setting.logger.warn({ err: error, groupId }, 'committing the finished offsets at stop failed; their commands will be redelivered');
      });
      await consumer.disconnect();
    },
    joined: membership.joined,
  };
}

/** Offsets as kafkajs's OffsetCommit payload wants them: grouped by topic. */
function byTopic(offsets: readonly PartitionOffset[]): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const partitions = topics.get(topic) ?? [];
    partitions.push({ partition, offset });
    topics.set(topic, partitions);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

function toKafkajs(offsets: readonly PartitionOffset[]) {
  return offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
}

/**
 * The consumer's deferred commits: by the timer through the consumer's commitOffsets; at a
 * rebalance committed first (best effort: the group may already refuse them) and then forgotten,
 * since the partitions may be another member's once it is over. A crash forgets them too.
 */
function offsetCommitsOf(setting: KafkaConsumerSetting, consume: ConsumeOptions, consumer: Consumer): OffsetCommits {
  const commits = new OffsetCommits(
    { maxMessages: consume.commitEvery ?? 1, maxDelayMs: consume.commitIntervalMs ?? 0 },
    (offsets) => consumer.commitOffsets(toKafkajs(offsets)),
    setting.logger,
  );
  consumer.on(consumer.events.REBALANCING, () => {
    const flushed = commits.flush();
    commits.forget();
    flushed.catch(() => undefined);
  });
  consumer.on(consumer.events.CRASH, () => { commits.forget(); });
  return commits;
}

/**
 * On a fresh broker the group coordinator (__consumer_offsets) is created on first use and
 * answers "not available" meanwhile: awaited here, quietly, before the consumer joins.
 */
async function untilCoordinator(quiet: Kafka, groupId: string): Promise<void> {
  const admin = quiet.admin();
  await admin.connect();
  try {
    await untilReady(`the coordinator of group ${groupId}`, async () => (await admin.describeGroups([groupId])).groups.length === 1);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Group membership for readiness: joined once the group assigned partitions, out again while it
 * rebalances and once the consumer stops or crashes.
 */
function trackMembership(consumer: Consumer): { joined: () => boolean } {
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => { joined = true; });
  for (const left of [consumer.events.REBALANCING, consumer.events.STOP, consumer.events.CRASH, consumer.events.DISCONNECT]) {
    consumer.on(left, () => { joined = false; });
  }
  return { joined: () => joined };
}

function runConfigOf({ partitionsConsumedConcurrently, onBatch }: ConsumeOptions, heartbeatIntervalMs: number, commits: OffsetCommits): ConsumerRunConfig {
  return {
    partitionsConsumedConcurrently,
    eachBatchAutoResolve: false, // an offset is resolved only once its command is fully done
    // kafkajs's auto-commit commits after every batch: one OffsetCommit a command at a low rate.
    // Commits are OffsetCommits' (a short timer, or every COMMIT_EVERY messages) instead.
    autoCommit: false,
    eachBatch: async (payload: EachBatchPayload) => {
      const partitionBatch = partitionBatchOf(payload, commits);
      // kafkajs heartbeats only between batches or when asked: a round longer than the
      // session (a slow store, the pauses of an outage) would cost this live replica its
      // partitions. So it is asked every interval while the batch runs (it sends only when due).
      const keepAlive = setInterval(() => { payload.heartbeat().catch(() => undefined); }, heartbeatIntervalMs);
      try {
        await onBatch(partitionBatch);
      } finally {
        clearInterval(keepAlive);
      }
    },
  };
}

function partitionBatchOf(payload: EachBatchPayload, commits: OffsetCommits): PartitionBatch {
  const { batch } = payload;
  // The batch's first offset not yet handed to `commits`, to count the messages each commit covers.
  let uncounted = BigInt(batch.messages[0]?.offset ?? batch.firstOffset() ?? '0');
  const messages: InboundMessage[] = batch.messages.map((m) => ({
    topic: batch.topic,
    partition: batch.partition,
    offset: m.offset,
    key: m.key?.toString('utf8') ?? null,
    value: m.value,
    headers: headersOf(m.headers),
  }));
  return {
    topic: batch.topic,
    partition: batch.partition,
    messages,
    async commitThrough(message) {
      payload.resolveOffset(message.offset); // where the next fetch of this partition starts
      // The committed offset is the next one to read. Committed now (through this batch, which
      // commits even while the consumer stops) when due, else by the timer.
      const next = BigInt(message.offset) + 1n;
      const messages = Number(next - uncounted);
      uncounted = next;
      await commits.finished({ topic: batch.topic, partition: batch.partition, offset: next.toString() }, messages, (offsets) =>
        payload.commitOffsetsIfNecessary({ topics: byTopic(offsets) }));
    },
    heartbeat: () => payload.heartbeat(),
    isRunning: () => payload.isRunning() && !payload.isStale(),
    highWatermark: batch.highWatermark,
  };
}

/**
 * kafkajs restarts its consumer after a crash only when the error was retriable; after any
 * other (a coordinator not found after a broker restart, a bug in a handler) it stays stopped
 * while the process lives on, consuming nothing. Restarted here instead, with the one backoff:
 * what was not committed is redelivered and answered idempotently. `stop()` ends the restarts.
 */
function restartOnCrash(setting: KafkaConsumerSetting, consumer: Consumer, groupId: string, runConfig: ConsumerRunConfig): { stop(): void } {
  const { logger } = setting;
  const state = { stopping: false };
  // A consumer that crashes again right after each restart (a broker refusing its session
  // timeout does so at every join) backs off further each time, not from the start: counted
  // until it joins the group again.
  let crashesSinceJoin = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => { crashesSinceJoin = 0; });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || state.stopping) return;
    crashesSinceJoin++;
    if (isInvalidSessionTimeout(payload.error)) {
      logger.error({ err: payload.error, groupId, sessionTimeoutMs: setting.sessionTimeoutMs },
        'the broker refuses this session timeout: lower its group.min.session.timeout.ms or raise KAFKA_SESSION_TIMEOUT_MS; retrying');
    } else {
      logger.error({ err: payload.error, groupId }, 'the Kafka consumer stopped on an error kafkajs does not retry; restarting it');
    }
    void runAgain(logger, consumer, groupId, runConfig, crashesSinceJoin, state);
  });
  return { stop: () => { state.stopping = true; } };
}

/** Connects and runs the consumer again, backing off from `firstAttempt` until it runs or is stopped. */
async function runAgain(logger: Logger, consumer: Consumer, groupId: string, runConfig: ConsumerRunConfig, firstAttempt: number, state: { readonly stopping: boolean }): Promise<void> {
  for (let attempt = firstAttempt; !state.stopping; attempt++) {
    await sleep(backoffDelay(attempt));
    if (state.stopping) return;
    try {
      await consumer.connect();
      await consumer.run(runConfig);
      logger.info({ groupId, attempt }, 'Kafka consumer running again');
      return;
    } catch (error) {
      logger.warn({ err: error, groupId, attempt }, 'restarting the Kafka consumer failed; trying again');
      await consumer.disconnect().catch(() => undefined);
    }
  }
}

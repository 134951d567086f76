// The bus's consuming side: one kafkajs consumer per consume() call, its batches handed to the
// pipeline as PartitionBatches, and its restart after a crash kafkajs would not restart from.
import type { Admin, Consumer, ConsumerRunConfig, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { Logger } from '../../logging/logger.ts';
import type { ConsumerHandle, InboundMessage, MessageBus, PartitionBatch } from '../../pipeline/ports.ts';
import { backoffDelay } from '../../wait/backoff.ts';
import { sleep } from '../../wait/sleep.ts';
import { untilReady } from './kafka-readiness.ts';
import { OffsetCommits, type PartitionOffset } from './offset-commits.ts';
import { brokerSessionRange, isInvalidSessionTimeout, sessionAfterRefusal } from './session-timeout.ts';

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

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return out;
}

/** One kafkajs consumer in the group, with the session it joined with. */
interface Member {
  readonly sessionTimeoutMs: number;
  /** The first join's refusal of this session (INVALID_SESSION_TIMEOUT), else null. */
  readonly refusal: { readonly error: unknown } | null;
  joined(): boolean;
  stop(): Promise<void>;
  /** What a refusal with no better session to try does: logged and retried, backing off. */
  retryRefused(): void;
}

/**
 * Starts a consumer of `topics` in `groupId`; `consumers` gets it, for the bus to disconnect on
 * close. A session the broker refuses at the join is replaced once by the nearest it allows.
 */
export async function startKafkaConsumer(setting: KafkaConsumerSetting, consume: ConsumeOptions, consumers: Consumer[]): Promise<ConsumerHandle> {
  const { groupId } = consume;
  const { logger, sessionTimeoutMs: configuredMs, heartbeatIntervalMs } = setting;
  await untilCoordinator(setting.quiet, groupId);
  let member = await joinGroup(setting, consume, consumers, configuredMs);
  if (member.refusal) {
    const range = await withAdmin(setting.quiet, brokerSessionRange).catch(() => null); // unknown: a stock floor is tried
    const next = sessionAfterRefusal(configuredMs, range);
    if (next !== null) {
      logger.warn({ groupId, configuredMs, sessionTimeoutMs: next, brokerMinMs: range?.minMs ?? null, brokerMaxMs: range?.maxMs ?? null },
        'the broker refuses KAFKA_SESSION_TIMEOUT_MS (group.min/max.session.timeout.ms); joining with the nearest session it allows');
      member = await joinGroup(setting, consume, consumers, next);
    }
    if (member.refusal) member.retryRefused();
  }
  // Once per start: how long a killed replica's partitions wait before the group moves them.
  logger.info({ groupId, sessionTimeoutMs: member.sessionTimeoutMs, heartbeatIntervalMs }, 'consumer group session');
  return {
    stop: () => member.stop(),
    joined: () => member.joined(),
    sessionTimeoutMs: () => member.sessionTimeoutMs,
  };
}

/** A kafkajs consumer joined (or refused) with `sessionTimeoutMs`, consuming into `consume.onBatch`. */
async function joinGroup(setting: KafkaConsumerSetting, consume: ConsumeOptions, consumers: Consumer[], sessionTimeoutMs: number): Promise<Member> {
  const { groupId, topics } = consume;
  const { heartbeatIntervalMs } = setting;
  // kafkajs has neither cooperative rebalancing nor static membership: a killed replica's
  // partitions, and (eager rebalance) every other replica's too, wait for its session to
  // expire. A short session is what keeps that pause short. kafkajs heartbeats only from its
  // consume loop, whose idle fetch waits maxWaitTimeInMs (5 s by default, longer than a 3 s
  // session: an idle member was taken for dead); half a heartbeat interval keeps it beating.
  const consumer = setting.kafka.consumer({
    groupId, allowAutoTopicCreation: false, sessionTimeout: sessionTimeoutMs, heartbeatInterval: heartbeatIntervalMs,
    maxWaitTimeInMs: Math.max(100, Math.floor(heartbeatIntervalMs / 2)),
  });
  consumers.push(consumer);
  const onRequest = setting.onRequest;
  if (onRequest) consumer.on(consumer.events.REQUEST, (event) => onRequest(event.payload.apiName));
  const membership = trackMembership(consumer);
  const commits = offsetCommitsOf(setting, consume, consumer);
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  const runConfig = runConfigOf(consume, heartbeatIntervalMs, commits);
  // A refused join is a crash inside run(): kafkajs emits it before run() resolves.
  const firstRun = crashDuring(consumer);
  await consumer.run(runConfig);
  const crash = firstRun.end();
  const refusal = crash !== null && isInvalidSessionTimeout(crash.error) ? { error: crash.error } : null;
  const restart = restartOnCrash(setting, consumer, groupId, runConfig, sessionTimeoutMs);
  if (crash !== null && refusal === null) restart.crashed(crash);
  return {
    sessionTimeoutMs,
    refusal,
    joined: membership.joined,
    retryRefused: () => { if (crash) restart.crashed(crash); },
    async stop() {
      restart.stop();
      // What waits is committed while the consumer still runs; a batch still running commits at once.
      await commits.flush({ stopping: true }).catch((error: unknown) => {
        setting.logger.warn({ err: error, groupId }, 'committing the finished offsets at stop failed; their commands will be redelivered');
      });
      await consumer.disconnect();
    },
  };
}

type Crash = { readonly error: unknown; readonly restart: boolean };

/** The crash (if any) the consumer reports until `end()`. */
function crashDuring(consumer: Consumer): { end(): Crash | null } {
  let crash: Crash | null = null;
  const remove = consumer.on(consumer.events.CRASH, ({ payload }) => { crash ??= { error: payload.error, restart: payload.restart }; });
  return { end: () => { remove(); return crash; } };
}

async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
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
  await withAdmin(quiet, (admin) => untilReady(`the coordinator of group ${groupId}`, async () => (await admin.describeGroups([groupId])).groups.length === 1));
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
      // partitions. So it is asked every half interval while the batch runs: kafkajs sends only
      // when a full interval has passed since its last one, so asking every interval would skip
      // every other tick (a heartbeat every 2 intervals, 2 s of a 3 s session).
      const keepAlive = setInterval(() => { payload.heartbeat().catch(() => undefined); }, Math.max(50, Math.floor(heartbeatIntervalMs / 2)));
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
function restartOnCrash(setting: KafkaConsumerSetting, consumer: Consumer, groupId: string, runConfig: ConsumerRunConfig, sessionTimeoutMs: number): { stop(): void; crashed(crash: Crash): void } {
  const { logger } = setting;
  const state = { stopping: false };
  // A consumer that crashes again right after each restart (a broker refusing its session
  // timeout does so at every join) backs off further each time, not from the start: counted
  // until it joins the group again.
  let crashesSinceJoin = 0;
  const crashed = ({ error, restart }: Crash) => {
    if (restart || state.stopping) return;
    crashesSinceJoin++;
    if (isInvalidSessionTimeout(error)) {
      logger.error({ err: error, groupId, sessionTimeoutMs },
        'the broker refuses this session timeout: lower its group.min.session.timeout.ms or raise KAFKA_SESSION_TIMEOUT_MS; retrying');
    } else {
      logger.error({ err: error, groupId }, 'the Kafka consumer stopped on an error kafkajs does not retry; restarting it');
    }
    void runAgain(logger, consumer, groupId, runConfig, crashesSinceJoin, state);
  };
  consumer.on(consumer.events.GROUP_JOIN, () => { crashesSinceJoin = 0; });
  consumer.on(consumer.events.CRASH, ({ payload }) => { crashed({ error: payload.error, restart: payload.restart }); });
  return { stop: () => { state.stopping = true; }, crashed };
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

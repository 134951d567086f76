// Waiting for what a broker is still setting up (fresh topics, a fresh group coordinator),
// shared by the bus's topic set-up and its consumers.
import type { Admin } from 'kafkajs';
import { TOPIC_READY_POLL_MS } from '../../wait/backoff.ts';
import { pollUntil } from '../../wait/sleep.ts';

/** How long a topic just created may take to have a leader on every partition. */
const TOPIC_READY_TIMEOUT_MS = 30_000;
// What a broker answers about a topic, a partition or a group coordinator it is still setting up.
const NOT_READY_YET = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER',
  'GROUP_COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR',
]);

function notReadyYet(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown; retriable?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string' && NOT_READY_YET.has(e.type)) return true;
  }
  return (error as { name?: string })?.name === 'KafkaJSNumberOfRetriesExceeded';
}

export async function untilReady(what: string, ready: () => Promise<boolean>): Promise<void> {
  const isReady = async (): Promise<true | undefined> => {
    try {
      return (await ready()) || undefined;
    } catch (error) {
      if (!notReadyYet(error)) throw error;
      return undefined;
    }
  };
  const done = await pollUntil(isReady, { deadline: Date.now() + TOPIC_READY_TIMEOUT_MS, intervalMs: TOPIC_READY_POLL_MS });
  if (!done) throw new Error(`${what} not ready after ${TOPIC_READY_TIMEOUT_MS} ms`);
}

/**
 * Waits until every partition of `names` is served by its leader. The metadata names a leader
 * a moment before that broker has become it (KRaft publishes the new metadata image before the
 * replica manager applies it), and kafkajs's own wait (createTopics with waitForLeaders) retries
 * only LEADER_NOT_AVAILABLE. A producer or consumer started in between got NOT_LEADER_FOR_PARTITION
 * and logged it at ERROR; so metadata with leaders is awaited, then a ListOffsets answered by the
 * leader of every partition. `admin` is a quiet client: these expected refusals are not logged.
 */
export async function untilLeaders(admin: Admin, names: readonly string[]): Promise<void> {
  await untilReady(`leaders of ${names.join(', ')}`, async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
    return topics.length === names.length && topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
  });
  for (const name of names) {
    await untilReady(`partitions of ${name}`, async () => (await admin.fetchTopicOffsets(name)).every((p) => p.high !== undefined));
  }
}

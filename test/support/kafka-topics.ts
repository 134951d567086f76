// One way for a test to create Kafka topics and know they are served. kafkajs's own wait
// (createTopics with waitForLeaders) retries only LEADER_NOT_AVAILABLE, but a KRaft broker under
// load also answers UNKNOWN_TOPIC_OR_PARTITION for a moment after the create, and names a leader
// before that leader serves the partition (see untilLeaders in src/adapters/kafka/kafka-readiness.ts).
// So the test asks again, tolerating both, until every partition answers a ListOffsets.
import { randomUUID } from 'node:crypto';
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { pollUntil } from './poll-until.ts';

export async function createServedTopics(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({ waitForLeaders: false, topics });
  let refusal: unknown = null;
  const served = async (): Promise<boolean> => {
    try {
      for (const { topic } of topics) await admin.fetchTopicOffsets(topic);
      return true;
    } catch (error) {
      refusal = error;
      return false;
    }
  };
  await pollUntil(served, { timeoutMs, intervalMs: 100, what: `topics ${topics.map((t) => t.topic).join(', ')} served` })
    .catch((timeout: unknown) => { throw refusal ?? timeout; });
}

/**
 * Throw-away one-partition topics for a test file, through one admin client connected before its
 * tests and deleting every topic it made after them (call at the file's top level: it registers
 * the hooks).
 */
export interface ScratchTopics {
  topic(configEntries?: ITopicConfig['configEntries']): Promise<string>;
  /** A topic made otherwise (e.g. a DLQ the code under test names), deleted with the others. */
  adopt(name: string): void;
  admin(): Admin;
}

export function scratchTopics(kafka: Kafka, prefix: string): ScratchTopics {
  let admin: Admin | undefined;
  const created: string[] = [];
  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.deleteTopics({ topics: created }).catch(() => undefined);
    await admin?.disconnect();
  });
  const connected = (): Admin => {
    if (!admin) throw new Error('scratchTopics: the admin connects in beforeAll; use it inside a test');
    return admin;
  };
  return {
    async topic(configEntries = []) {
      const name = `${prefix}-${randomUUID().slice(0, 8)}`;
      created.push(name);
      await createServedTopics(connected(), [{ topic: name, numPartitions: 1, replicationFactor: -1, configEntries }]);
      return name;
    },
    adopt: (name) => { created.push(name); },
    admin: connected,
  };
}

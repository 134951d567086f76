// One way for a test to create Kafka topics and know they are served. kafkajs's own wait
// (createTopics with waitForLeaders) retries only LEADER_NOT_AVAILABLE, but a KRaft broker under
// load also answers UNKNOWN_TOPIC_OR_PARTITION for a moment after the create, and names a leader
// before that leader serves the partition (see untilLeaders in src/adapters/kafka/kafka-readiness.ts).
// So the test asks again, tolerating both, until every partition answers a ListOffsets.
import type { Admin, ITopicConfig } from 'kafkajs';
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

// What the benchmark asks of a Kafka client, so kafkajs and @platformatic/kafka run the very same
// measurement: produce records (acks=all, idempotent) and consume a topic in a group with the
// protocol, assignor and membership a variant names.

export type ClientName = 'kafkajs' | 'platformatic';

export interface GroupSetting {
  readonly groupId: string;
  readonly topic: string;
  /** `classic` (JoinGroup/SyncGroup) or `consumer` (KIP-848: the broker assigns). */
  readonly protocol: 'classic' | 'consumer';
  /** Classic only: `eager` revokes every partition from every member on each rebalance. */
  readonly assignor: 'eager' | 'cooperative-sticky';
  /** Static membership (KIP-345) when set. */
  readonly groupInstanceId: string | null;
  /** Classic only: with `consumer` the session is the broker's group.consumer.session.timeout.ms. */
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  /** The longest a fetch waits for records when there are none. */
  readonly maxWaitMs: number;
  readonly autocommitIntervalMs: number;
}

export interface OutRecord {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly partition?: number;
}

export interface BenchClient {
  /** Sends the records in one request set and resolves once the broker acknowledged all (acks=all). */
  produce(topic: string, records: readonly OutRecord[]): Promise<void>;
  /** Joins the group and calls `onRecords` each time the client hands records of one partition over. */
  consume(group: GroupSetting, onRecords: (partition: number, count: number) => void): Promise<void>;
  close(): Promise<void>;
}

// The benchmark's dealings with the broker that are not the clients under test (always kafkajs,
// so they cost the same in every variant): where it is, its group settings, topics, and the
// steady producer of the kill scenario.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { sleep } from '../../src/wait/sleep.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const RUN_DIR = path.join(process.env['CONSENT_STACK_HOME'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'consent-worker'), 'run');

/** KAFKA_BROKERS, else the running native stack's (its endpoints.env; the stack is not started here). */
export function brokersOf(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env['KAFKA_BROKERS']?.trim();
  if (fromEnv) return fromEnv.split(',');
  const file = path.join(RUN_DIR, 'endpoints.env');
  if (!existsSync(file)) throw new Error(`no KAFKA_BROKERS and no ${file}: run npm run stack:up first`);
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  if (!line) throw new Error(`${file} names no KAFKA_BROKERS`);
  return line.slice('KAFKA_BROKERS='.length).split(',');
}

/** The native stack's broker version, from its command line (null for a broker found otherwise). */
export function nativeBrokerVersion(): string | null {
  try {
    const pid = readFileSync(path.join(RUN_DIR, 'kafka/pid'), 'utf8').trim();
    return /kafka-(\d+\.\d+\.\d+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** The broker settings that decide a group's sessions and protocols. */
export const GROUP_SETTINGS = [
  'group.min.session.timeout.ms', 'group.max.session.timeout.ms', 'group.initial.rebalance.delay.ms',
  'group.coordinator.rebalance.protocols',
  'group.consumer.session.timeout.ms', 'group.consumer.min.session.timeout.ms', 'group.consumer.heartbeat.interval.ms',
];

/** ConfigResourceTypes.BROKER (kafkajs's CommonJS build has no named export of the enum under ESM). */
const BROKER_RESOURCE = 4;

export function adminKafka(brokers: readonly string[]): Kafka {
  return new Kafka({ clientId: 'bench-kafka-clients', brokers: [...brokers], logLevel: logLevel.NOTHING });
}

/** The broker's values of GROUP_SETTINGS (as the first broker of the metadata reports them). */
export async function brokerGroupSettings(kafka: Kafka): Promise<Record<string, string | null>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    const id = String(brokers[0]?.nodeId ?? 1);
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: BROKER_RESOURCE, name: id, configNames: GROUP_SETTINGS }] });
    const entries = described.resources[0]?.configEntries ?? [];
    return Object.fromEntries(GROUP_SETTINGS.map((name) => [name, entries.find((e) => e.configName === name)?.configValue ?? null]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Whether the broker would take a KIP-848 group's session of `sessionMs` (the per-group
 * `consumer.session.timeout.ms`, bounded by group.consumer.min/max.session.timeout.ms): asked with
 * validateOnly, so nothing changes. Through @platformatic/kafka: kafkajs's admin knows no GROUP
 * config resource. Resolves 'accepted' or the broker's refusal.
 */
export async function probeGroupSession(brokers: readonly string[], sessionMs: number): Promise<string> {
  const admin = new Admin({ clientId: 'bench-kafka-clients-probe', bootstrapBrokers: [...brokers] });
  try {
    await admin.incrementalAlterConfigs({
      validateOnly: true,
      resources: [{ resourceType: ConfigResourceTypes.GROUP, resourceName: 'bench-kc-session-probe', configs: [{ name: 'consumer.session.timeout.ms', value: String(sessionMs), configOperation: IncrementalAlterConfigOperationTypes.SET }] }],
    });
    return 'accepted';
  } catch (error) {
    // An AggregateError whose first error carries the broker's response with its message.
    const first = (error as { errors?: { response?: { responses?: { errorMessage?: string | null }[] } }[] }).errors?.[0];
    return `refused: ${first?.response?.responses?.[0]?.errorMessage ?? String(error)}`;
  } finally {
    await admin.close();
  }
}

export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}

export interface SteadyProducer {
  /** Records acknowledged so far. */
  sent(): number;
  stop(): Promise<void>;
}

/**
 * Sends `perSecond` records of `recordBytes` to `topic`, spread evenly over its `partitions`, in
 * ticks of 50 ms held to a schedule (a slow tick is caught up, not lost), until stopped.
 */
export async function startSteadyProducer(kafka: Kafka, topic: string, partitions: number, perSecond: number, recordBytes: number): Promise<SteadyProducer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(recordBytes, 0x63);
  const tickMs = 50;
  const stop = new AbortController();
  let sent = 0;
  const loop = (async () => {
    const start = Date.now();
    for (let tick = 1; !stop.signal.aborted; tick++) {
      const due = Math.floor((perSecond * tick * tickMs) / 1000) - sent;
      const messages = Array.from({ length: Math.max(0, due) }, (_, i) => ({ partition: (sent + i) % partitions, key: null, value }));
      if (messages.length > 0) await producer.send({ topic, acks: -1, messages }).catch(() => undefined);
      sent += messages.length;
      await sleep(Math.max(0, start + tick * tickMs - Date.now()), stop.signal);
    }
  })();
  return {
    sent: () => sent,
    async stop() {
      stop.abort();
      await loop;
      await producer.disconnect();
    },
  };
}

// "A schema change that breaks compatibility fails loudly, before any message is consumed."
import { randomUUID } from 'node:crypto';
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/adapters/registry/avro-codec.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startWorker } from '../../src/worker.ts';
import { createServedTopics } from '../support/kafka-topics.ts';
import { testEnv } from '../support/worker-harness.ts';

describe('schema registration at start-up', () => {
  it('refuses to start, naming the subject, when a topic schema is not BACKWARD-compatible, and consumes nothing', async () => {
    const config = loadConfig(testEnv(randomUUID().slice(0, 8)));
    const kafka = new Kafka({ clientId: 'schema-compatibility-test', brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    try {
      // A command is waiting: a worker that consumed anything would commit its offset.
      await createServedTopics(admin, [{ topic: config.topics.consentCommands, numPartitions: 1 }]);
      await producer.send({ topic: config.topics.consentCommands, messages: [{ key: 'k', value: Buffer.from('waiting') }] });

      // An earlier result schema that ours cannot read (ours adds fields without defaults).
      const subject = `${config.topics.consentResults}-value`;
      await createRegistry(config.schemaRegistryUrl).register({
        type: SchemaType.AVRO,
        schema: JSON.stringify({ type: 'record', name: 'ConsentCommandResult', namespace: 'consentworker.v1', fields: [{ name: 'commandId', type: 'string' }] }),
      }, { subject, compatibility: COMPATIBILITY.BACKWARD });

      await expect(startWorker(config, createLogger('silent'), { consume: true, sweep: true }))
        .rejects.toThrow(`schema consent-results is not BACKWARD-compatible with the latest version of ${subject}`);

      const [committed] = await admin.fetchOffsets({ groupId: config.consumerGroup, topics: [config.topics.consentCommands] });
      expect(committed?.partitions.map((p) => p.offset)).toEqual(['-1']);
    } finally {
      await admin.deleteTopics({ topics: Object.values(config.topics) }).catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});

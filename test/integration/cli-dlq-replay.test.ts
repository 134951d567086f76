// A dead letter replayed by the operator CLI is answered. The letter is a valid consent command
// put on the DLQ with the headers the worker writes for UNKNOWN_SCHEMA_ID (as after a producer
// used a schema id the registry did not have yet, since fixed); `dlq list` shows it, selected by
// reason and offset range; `dlq replay --dry-run` sends nothing; `dlq replay` puts the original
// key and bytes back on the commands topic without the dlq.* headers, and the worker answers it.
// Also: `schemas register` prints the ids producers look up, and bad usage exits 2.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopic } from '../../src/adapters/kafka/topic-reader.ts';
import { createRegistry } from '../../src/adapters/registry/avro-codec.ts';
import type { DeadLetterView } from '../../src/cli/dlq-messages.ts';
import { jsonLines, runCli } from '../support/cli.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
let producer: Producer;
beforeAll(async () => {
  h = await startHarness();
  producer = new Kafka({ clientId: 'cli-dlq-test', brokers: [...h.config.kafkaBrokers], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await h?.stop();
});

const dlqHeaders = (reason: string, detail: string): Record<string, string> => ({
  'dlq.reason': reason, 'dlq.detail': detail, 'dlq.source.topic': h.topics.consentCommands,
  'dlq.source.partition': '0', 'dlq.source.offset': '17', 'dlq.failed.at': new Date().toISOString(),
});

describe('dlq list and replay', () => {
  it('lists dead letters by reason and offset, and a replayed one is answered once, dry run sending nothing', async () => {
    const consentId = `c-replay-${randomUUID().slice(0, 8)}`;
    const { commandId, value } = await h.producer.encode(h.topics.consentCommands, 'CreateConsent',
      { consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' });
    const dlq = `${h.topics.consentCommands}.dlq`;
    await producer.send({ topic: dlq, acks: -1, messages: [
      { partition: 0, key: consentId, value, headers: { traceparent: '00-trace-span-01', ...dlqHeaders('UNKNOWN_SCHEMA_ID', 'schema id 4242 is not in the registry') } },
      { partition: 0, key: 'c-garbage', value: Buffer.from('not avro'), headers: dlqHeaders('NOT_CONFLUENT_AVRO', 'no magic byte 0 and 4-byte schema id') },
    ] });

    const all = await runCli(h.config, ['dlq', 'list', '--json']);
    expect(all.code).toBe(0);
    expect(jsonLines<DeadLetterView>(all.stdout).map((v) => [v.offset, v.key, v.reason])).toEqual([
      ['0', consentId, 'UNKNOWN_SCHEMA_ID'], ['1', 'c-garbage', 'NOT_CONFLUENT_AVRO']]);
    const byReason = await runCli(h.config, ['dlq', 'list', '--json', '--reason', 'NOT_CONFLUENT_AVRO']);
    expect(jsonLines<DeadLetterView>(byReason.stdout).map((v) => v.key)).toEqual(['c-garbage']);
    const byOffset = await runCli(h.config, ['dlq', 'list', '--json', '--partition', '0', '--from-offset', '0', '--to-offset', '0']);
    expect(jsonLines<DeadLetterView>(byOffset.stdout).map((v) => v.key)).toEqual([consentId]);

    const dry = await runCli(h.config, ['dlq', 'replay', '--reason', 'UNKNOWN_SCHEMA_ID', '--dry-run']);
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain(`would replay 0@0  key=${consentId}`);
    const replay = await runCli(h.config, ['dlq', 'replay', '--reason', 'UNKNOWN_SCHEMA_ID']);
    expect(replay.code).toBe(0);
    expect(replay.stderr).toContain('replayed 1 of 1 message(s)');

    expect(await h.result(commandId)).toMatchObject({ commandType: 'CreateConsent', statusCode: '201' });
    const [replayed, ...more] = (await readTopic({ brokers: h.config.kafkaBrokers, clientId: 'cli-dlq-test' }, h.topics.consentCommands))
      .filter((m) => m.key === consentId);
    expect(more).toEqual([]); // the dry run produced nothing
    expect(replayed?.value).toEqual(value);
    expect(replayed?.headers).toEqual({ traceparent: '00-trace-span-01' });
    expect(h.results(commandId)).toHaveLength(1);
  });

  it('registers the schemas of its configuration\'s topics, printing the ids producers look up', async () => {
    const run = await runCli(h.config, ['schemas', 'register']);
    expect(run.code).toBe(0);
    const id = await createRegistry(h.config.schemaRegistryUrl).getLatestSchemaId(`${h.topics.consentCommands}-value`);
    expect(run.stdout).toMatch(new RegExp(`${h.topics.consentCommands.replaceAll('.', '\\.')}-value\\s+id ${id}\\s`));
    expect(run.stdout.trim().split('\n')).toHaveLength(7); // six topics and the service policies' events
  });

  it('refuses bad usage with exit code 2 and the help', async () => {
    const run = await runCli(h.config, ['dlq', 'list', '--topic', 'orders']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--topic must be consent or permission[\s\S]*dlq replay/);
  });
});

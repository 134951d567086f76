// The seed of `npm run bench:clients` (docs/supported-versions.md): its raw pipe, a few hundred
// records, through each client on the real broker, and its probe of the broker's KIP-848 session
// bounds. Only that each record arrives and the broker answers: no timing is asserted.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, inject } from 'vitest';
import type { ClientName } from '../../bench/kafka-clients/bench-client.ts';
import { adminKafka, probeGroupSession } from '../../bench/kafka-clients/broker.ts';
import { runRawPipe } from '../../bench/kafka-clients/raw-pipe.ts';

const brokers = inject('servers').kafkaBrokers.split(',');
const kafka = adminKafka(brokers);
const RECORDS = 300;

describe('the kafka clients bench seed', () => {
  it.each<ClientName>(['kafkajs', 'platformatic'])('pipes every record through %s: produced with acks=all, consumed in a group', async (client) => {
    const topic = `cwtest.kc-${client}-${randomUUID().slice(0, 8)}`;
    const run = await runRawPipe(kafka, {
      client, brokers, topic, groupId: topic, records: RECORDS, recordBytes: 300, batch: 100, maxWaitMs: 100, timeoutMs: 30_000,
    }, 3, path.join(tmpdir(), 'kafka-clients-bench-seed.log'));
    expect(run.produce.records).toBe(RECORDS);
    expect(run.consume.records).toBe(RECORDS);
    expect(run.consume.cpuMs).toBeGreaterThan(0);
  }, 60_000);

  it('gets an answer from the broker on a KIP-848 group session', async () => {
    expect(await probeGroupSession(brokers, 45_000)).toBe('accepted');
    expect(await probeGroupSession(brokers, 1)).toMatch(/^refused: consumer.session.timeout.ms must be in the range/);
  }, 30_000);
});

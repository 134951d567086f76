// Raw limit (a), a child process of main.ts: the least a Kafka worker of this shape must do with
// the same command records on the same servers (the backlog scenarios', up to the end offsets
// main.ts noted after producing them: pipe-ends.ts). A plain kafkajs consumer decodes each command
// through the registry, produces records the size of the worker's result and events for it
// (acknowledged, acks=all), and commits — no store, no lock, no domain. Its rate and CPU per
// command are what the worker is compared with.
import { Kafka, logLevel, type Message } from 'kafkajs';
import { kafkaClientSecurity, registryClient, type ClientSecurity } from './bench-stack.ts';
import type { FromBaseline } from './messages.ts';
import { beforeEnd, recordsWithin, type EndOffsets } from './pipe-ends.ts';
import { produceChunks } from './produce-chunks.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

export interface RawPipeSettings {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly groupId: string;
  /** The secure stack's CA and credentials (by file), or null. */
  readonly security: ClientSecurity | null;
  readonly outputTopic: string;
  /** Each command partition's records to pipe, from offset 0 to its end; the measurement ends when all are done. */
  readonly ends: EndOffsets;
  readonly partitionsConsumedConcurrently: number;
  /** The worker's output per command, as the load generator measured it. */
  readonly resultBytes: number;
  readonly eventsPerCommand: number;
  readonly eventBytes: number;
  readonly timeoutMs: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as RawPipeSettings;
const tell = (message: FromBaseline): void => { process.send?.(message); };

const kafka = new Kafka({ clientId: `${settings.groupId}-pipe`, brokers: [...settings.kafkaBrokers], logLevel: logLevel.NOTHING, ...kafkaClientSecurity(settings.security) });
const registry = registryClient(settings.schemaRegistryUrl, settings.security);
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 }); // as the worker's: acks=all, idempotent
const consumer = kafka.consumer({ groupId: settings.groupId, maxWaitTimeInMs: 20 });

const resultBody = Buffer.alloc(Math.max(1, settings.resultBytes), 0x61);
const eventBody = Buffer.alloc(Math.max(1, settings.eventBytes), 0x62);
// Fractional events per command (e.g. 1.0 for creates, 1.0 for accepts) rounded over the run.
let eventsOwed = 0;

let done = 0;
let errors = 0;
let produceFailed = false;
let finished: () => void = () => undefined;
const allDone = new Promise<void>((resolve) => { finished = resolve; });

await producer.connect();
await consumer.connect();
const expected = recordsWithin(settings.ends);
await consumer.subscribe({ topics: Object.keys(settings.ends), fromBeginning: true });
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
  eachBatch: async ({ batch, heartbeat, pause }) => {
    const { take, reachedEnd } = beforeEnd(batch.messages, settings.ends[batch.topic]?.[batch.partition] ?? 0);
    if (reachedEnd) pause(); // this partition's backlog records are done: the rest is not the pipe's
    if (take.length === 0) return;
    if (done === 0) tell({ op: 'segment-start', name: 'raw-pipe', at: Date.now() });
    const out: Message[] = [];
    for (const message of take) {
      if (!message.value) continue;
      try {
        const command = (await registry.decode(message.value)) as { commandId?: string };
        out.push({ key: String(command.commandId), value: resultBody });
        eventsOwed += settings.eventsPerCommand;
        for (; eventsOwed >= 1; eventsOwed--) out.push({ key: message.key, value: eventBody });
      } catch {
        errors++;
      }
    }
    try {
      for (const messages of produceChunks(out)) await producer.send({ topic: settings.outputTopic, acks: -1, messages });
    } catch (error) {
      // Said once, so a refused produce shows in the run's output instead of a silent stall.
      if (!produceFailed) tell({ op: 'error', message: `produce failed: ${error instanceof Error ? error.message : String(error)}` });
      produceFailed = true;
      throw error;
    }
    const last = take[take.length - 1];
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last?.offset) + 1) }]);
    await heartbeat();
    done += take.length;
    if (done >= expected) finished();
  },
});

const timer = setTimeout(finished, settings.timeoutMs);
await allDone;
clearTimeout(timer);
tell({ op: 'segment-end', name: 'raw-pipe', at: Date.now(), ops: done, errors });
await consumer.disconnect().catch(() => undefined);
await producer.disconnect().catch(() => undefined);
process.exit(0);

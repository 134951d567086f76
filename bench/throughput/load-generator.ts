// The load generator, a child process of main.ts (so its CPU is not the worker's): it encodes
// and produces commands as a producer service would (test/support/command-producer.ts), consumes
// the results and events the worker publishes, and reports per labelled set of commands when the
// first and last result arrived, the status codes, record sizes and send-to-result latencies.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { CommandProducer } from '../../test/support/command-producer.ts';
import { kafkaClientSecurity, registryClient, type ClientSecurity } from './bench-stack.ts';
import { commandsOf, interleave, type CommandSpec, type OutgoingCommand } from './commands.ts';
import { latencyOf, type FromGenerator, type LabelStats, type ToGenerator } from './messages.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

export interface GeneratorSettings {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly groupId: string;
  /** The secure stack's CA and credentials (by file), or null. */
  readonly security: ClientSecurity | null;
  readonly topics: { consentCommands: string; consentResults: string; consentEvents: string; permissionCommands: string; permissionResults: string; permissionEvents: string };
}

const SEND_CHUNK = 500; // messages per produce request of a backlog
const PROGRESS_EVERY_MS = 2_000;
const OPEN_TICK_MS = 5;

const settings = JSON.parse(process.argv[2] ?? '{}') as GeneratorSettings;
const t = settings.topics;
const tell = (message: FromGenerator): void => { process.send?.(message); };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Label {
  sent: number;
  answered: number;
  firstAt: number | null;
  lastAt: number | null;
  statuses: Record<string, number>;
  resultBytes: number;
  events: number;
  eventBytes: number;
  latencies: number[];
  onFirst: (() => void) | null;
}

const labels = new Map<string, Label>();
const pending = new Map<string, { label: Label; sentAt: number }>(); // commandId → its send
const labelOfKey = new Map<string, Label>(); // aggregate key → the label of its latest command

function labelNamed(name: string): Label {
  let label = labels.get(name);
  if (!label) {
    label = { sent: 0, answered: 0, firstAt: null, lastAt: null, statuses: {}, resultBytes: 0, events: 0, eventBytes: 0, latencies: [], onFirst: null };
    labels.set(name, label);
  }
  return label;
}

function statsOf(name: string, label: Label, sending?: LabelStats['sending']): LabelStats {
  return {
    label: name, sent: label.sent, answered: label.answered, firstAt: label.firstAt, lastAt: label.lastAt, statuses: label.statuses,
    resultBytes: label.answered ? Math.round(label.resultBytes / label.answered) : 0,
    eventsPerCommand: label.sent ? Math.round((label.events / label.sent) * 100) / 100 : 0,
    eventBytes: label.events ? Math.round(label.eventBytes / label.events) : 0,
    latencyMs: latencyOf(label.latencies),
    ...(sending ? { sending } : {}),
  };
}

const kafka = new Kafka({ clientId: `${settings.groupId}-generator`, brokers: [...settings.kafkaBrokers], logLevel: logLevel.NOTHING, ...kafkaClientSecurity(settings.security) });
const registry = registryClient(settings.schemaRegistryUrl, settings.security);
const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
const commands = new CommandProducer(registry, producer);
const consumer = kafka.consumer({ groupId: settings.groupId, sessionTimeout: 30_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 20 });
const resultTopics = new Set([t.consentResults, t.permissionResults]);

async function startConsumer(): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topics: [t.consentResults, t.permissionResults, t.consentEvents, t.permissionEvents], fromBeginning: true });
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { joined = resolve; });
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      const receivedAt = Date.now(); // one fetch: every record in it arrived now
      const results = resultTopics.has(batch.topic);
      for (const message of batch.messages) {
        if (!message.value || !message.key) continue;
        const key = message.key.toString();
        if (!results) {
          const label = labelOfKey.get(key);
          if (label) { label.events++; label.eventBytes += message.value.length; }
          continue;
        }
        const sent = pending.get(key); // a result's key is its commandId
        if (!sent) continue;
        pending.delete(key);
        const { label } = sent;
        const value = (await registry.decode(message.value)) as { statusCode?: string };
        const status = String(value.statusCode);
        label.statuses[status] = (label.statuses[status] ?? 0) + 1;
        label.answered++;
        label.resultBytes += message.value.length;
        label.latencies.push(receivedAt - sent.sentAt);
        label.lastAt = receivedAt;
        if (label.firstAt === null) {
          label.firstAt = receivedAt;
          label.onFirst?.();
          label.onFirst = null;
        }
      }
    },
  });
  await ready;
}

const topicOf = (command: OutgoingCommand): string => (command.family === 'consent' ? t.consentCommands : t.permissionCommands);

async function encodeAll(list: readonly OutgoingCommand[]): Promise<{ topic: string; key: string; value: Buffer; commandId: string }[]> {
  return Promise.all(list.map(async (command) => {
    const topic = topicOf(command);
    const { commandId, value } = await commands.encode(topic, command.type, command.payload);
    return { topic, key: command.key, value, commandId };
  }));
}

function track(label: Label, encoded: readonly { key: string; commandId: string }[], sentAt: number): void {
  for (const { key, commandId } of encoded) {
    pending.set(commandId, { label, sentAt });
    labelOfKey.set(key, label);
  }
  label.sent += encoded.length;
}

/** Produces a backlog, acknowledged, in chunks (each chunk to its own topic). */
async function sendBacklog(name: string, specs: readonly CommandSpec[], mix: boolean): Promise<void> {
  const started = Date.now();
  const lists = specs.map((spec) => commandsOf(spec, started));
  const all = mix ? interleave(...lists) : lists.flat();
  const label = labelNamed(name);
  for (let i = 0; i < all.length; i += SEND_CHUNK) {
    const encoded = await encodeAll(all.slice(i, i + SEND_CHUNK));
    track(label, encoded, Date.now());
    const byTopic = new Map<string, { key: string; value: Buffer }[]>();
    for (const { topic, key, value } of encoded) {
      const list = byTopic.get(topic) ?? [];
      list.push({ key, value });
      byTopic.set(topic, list);
    }
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
  tell({ op: 'sent', label: name, count: all.length, ms: Date.now() - started });
}

/** Tells main.ts when the label's first result arrives (at once if it has), so it can sample CPU then. */
function watchFirst(name: string, label: Label): void {
  if (label.onFirst) return;
  if (label.firstAt !== null) tell({ op: 'first', label: name, at: label.firstAt });
  else label.onFirst = () => tell({ op: 'first', label: name, at: label.firstAt as number });
}

async function awaitLabel(name: string, timeoutMs: number, sending?: LabelStats['sending']): Promise<void> {
  const label = labelNamed(name);
  const deadline = Date.now() + timeoutMs;
  watchFirst(name, label);
  let lastProgress = Date.now();
  while (label.answered < label.sent && Date.now() < deadline) {
    await sleep(5);
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      tell({ op: 'progress', label: name, answered: label.answered, sent: label.sent });
      lastProgress = Date.now();
    }
  }
  const complete = label.answered >= label.sent;
  if (complete) tell({ op: 'last', label: name, at: label.lastAt as number });
  await sleep(300); // events of the last commands may trail their results by a fetch
  tell({ op: 'done', label: name, stats: statsOf(name, label, sending), complete });
}

/**
 * Open loop: commands go out at a fixed rate whatever the worker does (encoded beforehand, so
 * encoding does not delay the schedule); each send is timed from the moment it leaves.
 */
async function openLoop(name: string, spec: CommandSpec, rate: number, seconds: number, timeoutMs: number): Promise<void> {
  const label = labelNamed(name);
  const encoded = await encodeAll(commandsOf(spec, Date.now()));
  watchFirst(name, label);
  const startedAt = Date.now();
  let next = 0;
  let maxBehindMs = 0;
  const sends: Promise<unknown>[] = [];
  let lastProgress = startedAt;
  while (next < encoded.length) {
    const now = Date.now();
    if (now - lastProgress >= PROGRESS_EVERY_MS) {
      tell({ op: 'progress', label: name, answered: label.answered, sent: label.sent });
      lastProgress = now;
    }
    const due = Math.min(encoded.length, Math.floor(((now - startedAt) * rate) / 1_000) + 1);
    if (due > next) {
      const slice = encoded.slice(next, due);
      maxBehindMs = Math.max(maxBehindMs, now - (startedAt + (next * 1_000) / rate));
      track(label, slice, now);
      sends.push(producer.send({ topic: slice[0]?.topic as string, acks: -1, messages: slice.map(({ key, value }) => ({ key, value })) }));
      next = due;
    }
    await sleep(OPEN_TICK_MS);
  }
  const endedAt = Date.now();
  const answeredWhenEnded = label.answered;
  await Promise.all(sends);
  await awaitLabel(name, timeoutMs, { startedAt, endedAt, maxBehindMs: Math.round(maxBehindMs), answeredWhenEnded });
}

async function handle(message: ToGenerator): Promise<void> {
  switch (message.op) {
    case 'send': return sendBacklog(message.label, message.specs, message.mix);
    case 'await': return awaitLabel(message.label, message.timeoutMs);
    case 'open': return openLoop(message.label, message.spec, message.rate, message.seconds, message.timeoutMs);
    case 'stop':
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      process.exit(0);
  }
}

process.on('message', (message: ToGenerator) => {
  handle(message).catch((error: unknown) => {
    tell({ op: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  });
});

await producer.connect();
await startConsumer();
tell({ op: 'ready' });

// `consent-worker dlq list|replay`: reads a commands topic's DLQ up to its current end, selects
// letters by reason and offset range, and lists them or produces them again onto the commands
// topic they came from (a commandId is applied at most once, so replaying twice is harmless).
import { pino } from 'pino';
import { createKafkaBus } from '../../adapters/kafka/kafka-bus.ts';
import { readTopic, type TopicRange } from '../../adapters/kafka/topic-reader.ts';
import type { Config } from '../../config/config.ts';
import { dlqTopicOf } from '../../pipeline/dead-letter.ts';
import { replayOf, selectDeadLetters, viewOf, type DeadLetterView } from '../dlq-messages.ts';
import type { Output } from '../output.ts';

export interface DlqOptions extends TopicRange {
  readonly family: 'consent' | 'permission';
  readonly reason?: string;
  readonly json: boolean;
}

async function deadLetters(config: Config, options: DlqOptions) {
  const commands = options.family === 'consent' ? config.topics.consentCommands : config.topics.permissionCommands;
  const topic = dlqTopicOf(commands);
  const range: TopicRange = {
    ...(options.partition !== undefined ? { partition: options.partition } : {}),
    ...(options.fromOffset !== undefined ? { fromOffset: options.fromOffset } : {}),
    ...(options.toOffset !== undefined ? { toOffset: options.toOffset } : {}),
  };
  const all = await readTopic({ brokers: config.kafkaBrokers, clientId: `${config.clientId}-cli`, ...config.kafkaSecurity }, topic, range);
  return { topic, letters: selectDeadLetters(all, options.reason !== undefined ? { reason: options.reason } : {}) };
}

function show(out: Output, view: DeadLetterView, json: boolean, prefix = ''): void {
  if (json) out.line(JSON.stringify(view));
  else out.line(`${prefix}${view.partition}@${view.offset}  key=${view.key ?? '(none)'}  ${view.reason ?? '?'}  from ${view.source ?? '?'}  at ${view.failedAt ?? '?'}  ${view.bytes} B  ${view.detail ?? ''}`);
}

export async function listDeadLetters(config: Config, options: DlqOptions, out: Output): Promise<number> {
  const { topic, letters } = await deadLetters(config, options);
  for (const letter of letters) show(out, viewOf(letter), options.json);
  if (!options.json) out.error(`${letters.length} message(s) on ${topic}`);
  return 0;
}

export async function replayDeadLetters(config: Config, options: DlqOptions & { readonly dryRun: boolean }, out: Output): Promise<number> {
  const { topic, letters } = await deadLetters(config, options);
  const commandTopics = new Set([config.topics.consentCommands, config.topics.permissionCommands]);
  const replays = [];
  let refused = 0;
  for (const letter of letters) {
    try {
      replays.push({ letter, message: replayOf(letter, commandTopics) });
    } catch (error) {
      refused++;
      out.error(`skipped ${letter.partition}@${letter.offset}: ${(error as Error).message}`);
    }
  }
  for (const { letter, message } of replays) show(out, viewOf(letter), options.json, options.dryRun ? 'would replay ' : `replay → ${message.topic} `);
  if (!options.dryRun && replays.length > 0) {
    const logger = pino({ name: 'consent-worker-cli', level: config.logLevel }, pino.destination(2));
    const bus = createKafkaBus({ brokers: config.kafkaBrokers, clientId: `${config.clientId}-cli`, logger, ...config.kafkaSecurity });
    try {
      await bus.publish(replays.map((r) => r.message));
    } finally {
      await bus.close();
    }
  }
  out.error(`${options.dryRun ? 'dry run: would replay' : 'replayed'} ${replays.length} of ${letters.length} message(s) from ${topic}${refused > 0 ? `, ${refused} refused` : ''}`);
  return refused > 0 ? 1 : 0;
}

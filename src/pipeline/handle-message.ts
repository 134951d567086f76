// A chunk of one partition's command messages, as one batch: decode all (undecodable → DLQ),
// one look-up of the stored results of their commandIds, then rounds that keep each key's
// commands (and each commandId's copies) in offset order; each round is parsed, addressed and
// applied (apply-round.ts), its answers published with its changes. A message is marked done once
// its answer is published; a retryable failure stops the chunk, and the caller retries the
// messages not done, so nothing is skipped and nothing done is redone.
import { createHash, randomUUID } from 'node:crypto';
import { judgeRedelivery } from '../domain/command-id.ts';
import { refuse } from '../domain/decision.ts';
import { commandSizeRejection } from '../domain/size.ts';
import type { CommandEnvelope } from '../domain/envelope.ts';
import { isRejection } from '../domain/status.ts';
import { applyRound, lockKeyOf, publishAnswers, type ItemOutcome, type Origin, type PipelineDeps, type RoundItem } from './apply-round.ts';
import { commandDecoded, commandStep, endCommand, startCommandSpan, type CommandTrace } from './command-tracing.ts';
import { sendToDeadLetter } from './dead-letter.ts';
import { isRetryable } from './errors.ts';
import type { DomainCommand, FamilyRuntime, Versioned } from './family.ts';
import type { Answer } from './outbox.ts';
import type { InboundMessage, StoredResult } from './ports.ts';
import { resultOf, unexpectedResult, type ResultBody, type ResultHeader } from './result.ts';
import { maxCommandBytes, recordBytes } from './size-limits.ts';

/**
 * The content a commandId stands for: its type, actor and payload (not issuedAt or correlationId,
 * which a producer may set anew when it sends the same command again).
 */
export function commandPayloadHash(envelope: CommandEnvelope): string {
  return createHash('sha256').update(JSON.stringify([envelope.commandType, envelope.actor, envelope.payload])).digest('base64url');
}

interface Decoded {
  readonly message: InboundMessage;
  readonly envelope: CommandEnvelope;
  readonly origin: Extract<Origin, { kind: 'consumed' }>;
}

/** What a command seen earlier under its commandId (stored, or answered earlier in this chunk) gets. */
function answerSeen<C extends DomainCommand, S extends Versioned, X, P>(
  runtime: FamilyRuntime<C, S, X, P>, item: Decoded, seen: { readonly body: unknown; readonly payloadHash: string | null }, now: Date,
): Answer {
  const verdict = judgeRedelivery(item.envelope.commandId, seen.payloadHash, item.origin.payloadHash);
  if (verdict.kind === 'replay') {
    // The stored result as it was: same requestId and processedAt. Nothing is stored again.
    return { body: seen.body as ResultBody, payloadHash: seen.payloadHash, store: false, receivedAt: item.origin.receivedAt, trace: item.origin.trace };
  }
  // Not stored: the commandId's stored result stays the first command's.
  return {
    body: resultOf(runtime, item.origin.header, null, refuse(verdict.rejection), now), payloadHash: null, store: false,
    receivedAt: item.origin.receivedAt, trace: item.origin.trace,
  };
}

/**
 * Rounds of a chunk: the n-th message of a key (and the n-th copy of a commandId) goes to a round
 * after the one of its (n-1)-th, so a key's commands apply in offset order and a repeated
 * commandId is answered from its first copy's result.
 */
export function roundsOf<T>(items: readonly T[], keysOf: (item: T) => readonly string[]): T[][] {
  const rounds: T[][] = [];
  const lastRound = new Map<string, number>();
  for (const item of items) {
    const keys = keysOf(item);
    const round = Math.max(-1, ...keys.map((key) => lastRound.get(key) ?? -1)) + 1;
    for (const key of keys) lastRound.set(key, round);
    (rounds[round] ??= []).push(item);
  }
  return rounds;
}

type Prepared<C, P> =
  | { readonly kind: 'apply'; readonly item: Decoded; readonly round: RoundItem<C, P> }
  | { readonly kind: 'answer'; readonly item: Decoded; readonly answer: Answer };

/** Parses, prepares and addresses a round's new commands; refusals and failures become answers. */
async function prepareRound<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, items: readonly Decoded[],
): Promise<Prepared<C, P>[]> {
  const { family } = runtime;
  const now = deps.clock();
  const fresh = (item: Decoded, body: ResultBody): Prepared<C, P> =>
    ({ kind: 'answer', item, answer: { body, payloadHash: item.origin.payloadHash, store: true, receivedAt: item.origin.receivedAt, trace: item.origin.trace } });
  const failure = (item: Decoded, error: unknown): Prepared<C, P> => {
    if (isRetryable(error)) throw error; // the chunk retries it; nothing is skipped
    deps.logger.error({ err: error, commandId: item.envelope.commandId, requestId: item.origin.header.requestId }, 'unexpected failure; answering 500');
    return fresh(item, unexpectedResult(item.origin.header, deps.clock()));
  };

  return Promise.all(items.map(async (item): Promise<Prepared<C, P>> => {
    let command: C;
    try {
      // Too large to answer with its state and events within the broker's limit: a small 413, never applied.
      const tooLarge = commandSizeRejection(recordBytes(item.message), maxCommandBytes(deps.maxMessageBytes));
      if (tooLarge) return fresh(item, resultOf(runtime, item.origin.header, null, refuse(tooLarge), now));
      // The family's parse is the domain's door: envelope rules included, every 400 is decided there.
      const parsed = family.parse(item.envelope, now);
      if (isRejection(parsed)) return fresh(item, resultOf(runtime, item.origin.header, null, refuse(parsed), now));
      command = parsed;
    } catch (error) {
      return failure(item, error);
    }
    try {
      // Once per command, outside the version-race retries: prepare (e.g. a rate count), the target.
      const [prepared, target] = await Promise.all([family.prepare(command, now), family.target(command)]);
      if (target) return { kind: 'apply', item, round: { command, target, prepared, origin: item.origin } };
      // No aggregate can be meant (an unknown external key): the domain answers without one.
      const decision = family.decide(command, null, await family.loadContext(command, null, now, prepared), now);
      if (decision.kind === 'change') throw new Error(`${command.type} changed an aggregate it could not address`);
      return fresh(item, resultOf(runtime, item.origin.header, command, decision, now));
    } catch (error) {
      return failure(item, error);
    }
  }));
}

/**
 * Applies one chunk; marks each message in `done` once answered (see the file comment). Each
 * message has a span for this try, ended with it; a message retried gets a new one next try.
 */
export async function handleCommandChunk<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, messages: readonly InboundMessage[], done: Set<InboundMessage>,
): Promise<void> {
  const spans = new Map<InboundMessage, CommandTrace>();
  let failure: unknown = null;
  try {
    await handleTracedChunk(deps, runtime, messages, done, spans);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    for (const [message, command] of spans) {
      endCommand(command, done.has(message) ? undefined : `not answered this try (${failure instanceof Error ? failure.name : 'failed'}); retried`);
    }
  }
}

async function handleTracedChunk<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, messages: readonly InboundMessage[], done: Set<InboundMessage>,
  spans: Map<InboundMessage, CommandTrace>,
): Promise<void> {
  const receivedAt = Date.now();
  const decoded: Decoded[] = [];
  for (const message of messages) {
    const trace = startCommandSpan(message);
    spans.set(message, trace);
    // One after the other: the first of a writer schema fetches and caches its resolver, which
    // the others then find (all at once, each would fetch and build its own).
    const outcome = await runtime.decoder.decode(message.value);
    if (!outcome.ok) {
      deps.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset, reason: outcome.reason, detail: outcome.detail },
        'undecodable message sent to the DLQ');
      await sendToDeadLetter(deps.bus, message, outcome.reason, outcome.detail, deps.clock(), deps.maxMessageBytes);
      deps.observer.deadLettered(message.topic, outcome.reason);
      commandStep(trace, 'dead-lettered', { 'consent_worker.dlq.reason': outcome.reason });
      done.add(message);
      continue;
    }
    commandDecoded(trace, outcome.envelope.commandId, outcome.envelope.commandType);
    const header: ResultHeader = { envelope: outcome.envelope, requestId: randomUUID() };
    decoded.push({ message, envelope: outcome.envelope, origin: { kind: 'consumed', header, payloadHash: commandPayloadHash(outcome.envelope), receivedAt, trace } });
  }
  if (decoded.length === 0) return;

  const stored: Map<string, StoredResult> = await deps.results.getMany([...new Set(decoded.map((item) => item.envelope.commandId))]);
  /** Results answered in this chunk, for later copies of their commandIds. */
  const answeredHere = new Map<string, { body: ResultBody; payloadHash: string | null }>();

  for (const round of roundsOf(decoded, (item) => [`key:${item.message.key ?? ''}`, `id:${item.envelope.commandId}`])) {
    const earlier: Answer[] = [];
    const fresh: Decoded[] = [];
    for (const item of round) {
      const seen = answeredHere.get(item.envelope.commandId) ?? stored.get(item.envelope.commandId);
      if (seen) earlier.push(answerSeen(runtime, item, seen, deps.clock()));
      else fresh.push(item);
    }
    const prepared = await prepareRound(deps, runtime, fresh);
    for (const p of prepared) if (p.kind === 'answer') earlier.push(p.answer);
    const toApply = prepared.flatMap((p) => (p.kind === 'apply' ? [p] : []));

    // Two keys may address one aggregate: its commands go in sub-rounds, in offset order.
    const subRounds = roundsOf(toApply, (p) => [lockKeyOf(p.round.target)]);
    let retry: unknown = null;
    if (subRounds.length === 0) await publishAnswers(deps, runtime, earlier);
    for (const [n, sub] of subRounds.entries()) {
      const applied: ItemOutcome<S>[] = await applyRound(deps, runtime, sub.map((p) => p.round), n === 0 ? earlier : []);
      applied.forEach((outcome, i) => {
        const item = sub[i]?.item;
        if (!item) return;
        if (outcome.kind === 'failed') {
          retry ??= outcome.error;
          return;
        }
        if (outcome.result) answeredHere.set(item.envelope.commandId, { body: outcome.result, payloadHash: item.origin.payloadHash });
        done.add(item.message);
      });
      if (retry) break;
    }
    // New answers only: a replay or a COMMAND_ID_REUSED refusal is not what later copies compare with.
    for (const answer of earlier) if (answer.store) answeredHere.set(answer.body.commandId, { body: answer.body, payloadHash: answer.payloadHash });
    for (const item of round) if (!toApply.some((p) => p.item === item)) done.add(item.message);
    if (retry) throw retry; // the chunk retries what is not done; later rounds wait for it
  }
}

// What the pipeline tells OpenTelemetry, through @opentelemetry/api only. The SDK is registered
// (or not) where a process starts (src/tracing/start-tracing.ts); without it every call here
// lands on the API's no-op tracer and propagator: no span is recorded, no header is read or
// written, and the hot path pays a few property reads per command.
//
// The shape of a trace (docs/tracing.md):
//  - a command's span continues the producer's trace (its `traceparent` header); its result and
//    events carry the command span's `traceparent`, so a consumer's span links to the command
//    that caused it;
//  - a round serves many commands, so it has a span of its own, which each command's span links
//    to: a round is no command's parent. The steps (leased, written, published) are events of
//    the round's span, where they happen once for all its commands: as events of every command's
//    span they cost more than the span itself to export (docs/tracing.md, "Cost");
//  - the expiry sweep starts a trace per round; its events carry that trace.
// Attributes are ids, types, codes and Kafka positions, never personal data.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, isSpanContextValid, propagation, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { InboundMessage } from './ports.ts';

/** The instrumentation scope of every span the worker starts. */
export const TRACER_NAME = 'consent-worker';

/** A command's (or a sweep round's) span, and the `traceparent` its messages carry (undefined: tracing off). */
export interface CommandTrace {
  readonly span: Span;
  readonly traceparent: string | undefined;
}

export const ATTRIBUTE = {
  commandId: 'consent_worker.command.id',
  commandType: 'consent_worker.command.type',
  statusCode: 'consent_worker.command.status_code',
  family: 'consent_worker.family',
  roundSize: 'consent_worker.round.size',
} as const;

// Asked for on each use (cheap: the SDK caches its tracers): a provider registered after this
// module was loaded, or replaced (tests), is always the one used.
function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/**
 * The W3C `traceparent` of a span's context (version 00); undefined for the no-op span of
 * tracing off. Written here rather than through propagation.inject, which allocates a context
 * and a carrier per command for the same string (the profile of a traced run showed it).
 */
function traceparentOf(span: Span): string | undefined {
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return undefined;
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags & 1 ? '01' : '00'}`;
}

function traced(span: Span): CommandTrace {
  return { span, traceparent: traceparentOf(span) };
}

/** The span of one consumed command, a child of the producer's context found in its headers. */
export function startCommandSpan(message: InboundMessage): CommandTrace {
  const parent = propagation.extract(ROOT_CONTEXT, message.headers);
  const span = tracer().startSpan(`process ${message.topic}`, { kind: SpanKind.CONSUMER }, parent);
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': message.topic,
      'messaging.destination.partition.id': String(message.partition),
      'messaging.kafka.offset': Number(message.offset),
    });
  }
  return traced(span);
}

/** The command decoded: its id and type (the envelope's, never its payload). */
export function commandDecoded(command: CommandTrace, commandId: string, commandType: string): void {
  if (command.span.isRecording()) command.span.setAttributes({ [ATTRIBUTE.commandId]: commandId, [ATTRIBUTE.commandType]: commandType });
}

/** What befell one command alone (a version conflict, the DLQ), as an event of its span. */
export function commandStep(command: CommandTrace | undefined, step: string, attributes?: Attributes): void {
  if (command?.span.isRecording()) command.span.addEvent(step, attributes);
}

/** The command's answer went out: its contract status code. */
export function commandPublished(command: CommandTrace | undefined, statusCode: string): void {
  if (!command?.span.isRecording()) return;
  command.span.setAttribute(ATTRIBUTE.statusCode, statusCode);
  if (statusCode === '500') command.span.setStatus({ code: SpanStatusCode.ERROR, message: 'answered 500' });
}

/** Ends a command's span; `unfinished` says why it was not answered (retried, dead-lettered). */
export function endCommand(command: CommandTrace, unfinished?: string): void {
  if (unfinished && command.span.isRecording()) command.span.setStatus({ code: SpanStatusCode.ERROR, message: unfinished });
  command.span.end();
}

/**
 * The span of a round: a child of `parent` (a sweep's trace), else the root of a trace of its
 * own, which each command's span links to.
 */
export function startRoundSpan(family: string, commands: readonly (CommandTrace | undefined)[], parent?: CommandTrace): Span {
  const context = parent ? trace.setSpan(ROOT_CONTEXT, parent.span) : ROOT_CONTEXT;
  const round = tracer().startSpan(`${family} round`, { kind: SpanKind.INTERNAL }, context);
  if (!round.isRecording()) return round;
  round.setAttributes({ [ATTRIBUTE.family]: family, [ATTRIBUTE.roundSize]: commands.length });
  const link = { context: round.spanContext() };
  for (const command of commands) if (command?.span.isRecording()) command.span.addLink(link);
  return round;
}

/** A step of a round (leased, written, published), as an event of its span. */
export function roundStep(round: Span, step: string, attributes?: Attributes): void {
  if (round.isRecording()) round.addEvent(step, attributes);
}

/** A round (or a command) that failed as a whole: the error's name only (its message may quote data). */
export function spanFailed(span: Span, error: unknown): void {
  if (span.isRecording()) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'failed' });
}

/** The root span of one expiry round of the sweep: its events carry this trace. */
export function startSweepTrace(sweeperId: string, claimed: number): CommandTrace {
  const span = tracer().startSpan('consent expiry sweep', { kind: SpanKind.INTERNAL, root: true }, ROOT_CONTEXT);
  if (span.isRecording()) span.setAttributes({ 'consent_worker.sweeper.id': sweeperId, [ATTRIBUTE.roundSize]: claimed });
  return traced(span);
}

/** The headers a published message carries for its trace: none when tracing is off. */
export function traceHeaders(traceparent: string | undefined): Readonly<Record<string, string>> | undefined {
  return traceparent ? { traceparent } : undefined;
}

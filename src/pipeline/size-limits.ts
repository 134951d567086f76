// Size limits where a message leaves the worker. The broker refuses a record larger than its
// max.message.bytes (KAFKA_MAX_MESSAGE_BYTES here), and sending the same bytes again can never
// succeed: so what we send is measured first, and a DLQ copy or a result that would not fit is
// replaced by a bounded one. Pure: no I/O, no clock.
import { createHash } from 'node:crypto';
import { resultTooLarge } from '../domain/size.ts';
import type { OutboundMessage } from './ports.ts';
import type { ResultBody } from './result.ts';

/** Kafka's default max.message.bytes (1 MiB + 12): what a broker accepts unless told otherwise. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Counted on top of key, value and headers: a record batch's header (61 bytes) and one record's
 * varints, rounded up. The broker checks the batch, so this errs on the side of "too large".
 */
export const RECORD_OVERHEAD_BYTES = 128;

/**
 * A command's result and events carry its data again (state, correlationId) plus fields of their
 * own; a command is accepted only if it leaves this much room under the limit.
 */
export const COMMAND_HEADROOM_BYTES = 16 * 1024;

/** The longest correlationId a bounded result still echoes (the rest is cut). */
export const MAX_ECHOED_ID_CHARS = 128;

interface Sized {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, string>>;
}

function headerBytes(headers: Readonly<Record<string, string>> | undefined): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 10;
  return bytes;
}

/** A record's size as the broker counts it against max.message.bytes (rounded up). */
export function recordBytes(message: Sized): number {
  return RECORD_OVERHEAD_BYTES + Buffer.byteLength(message.key ?? '') + (message.value?.length ?? 0) + headerBytes(message.headers);
}

/** The largest command (as received: key + value + headers) the worker applies. */
export function maxCommandBytes(maxMessageBytes: number): number {
  return Math.max(0, maxMessageBytes - COMMAND_HEADROOM_BYTES);
}

/**
 * A DLQ copy that fits: unchanged if it does; otherwise the value is replaced by nothing and
 * headers say what it was (truncated flag, byte count, sha256), so it can still be matched with
 * the original. If even the original's headers do not fit, only the dlq.* headers are kept.
 */
export function boundedDeadLetter(copy: OutboundMessage, original: Buffer, limit: number): OutboundMessage {
  if (recordBytes(copy) <= limit) return copy;
  const described = {
    'dlq.value.truncated': 'true',
    'dlq.value.bytes': String(original.length),
    'dlq.value.sha256': createHash('sha256').update(original).digest('hex'),
  };
  const withHeaders: OutboundMessage = { ...copy, value: Buffer.alloc(0), headers: { ...copy.headers, ...described } };
  if (recordBytes(withHeaders) <= limit) return withHeaders;
  const ownHeaders = Object.fromEntries(Object.entries(copy.headers ?? {}).filter(([name]) => name.startsWith('dlq.')));
  return {
    topic: copy.topic,
    key: copy.key.length > MAX_ECHOED_ID_CHARS ? copy.key.slice(0, MAX_ECHOED_ID_CHARS) : copy.key,
    value: Buffer.alloc(0),
    headers: { ...ownHeaders, ...described, 'dlq.headers.truncated': 'true' },
  };
}

function cut(text: string | null): string | null {
  return text === null || text.length <= MAX_ECHOED_ID_CHARS ? text : text.slice(0, MAX_ECHOED_ID_CHARS);
}

/** The longest message or field name a bounded refusal still carries (the rest is cut). */
export const MAX_ECHOED_TEXT_CHARS = 1_024;

function cutTo(text: string | null, chars: number): string | null {
  return text === null || text.length <= chars ? text : text.slice(0, chars);
}

/**
 * The result to publish: `body` if its encoded record (`encodedBytes`, key included) fits the
 * limit. Otherwise the bulk goes (state, and ids cut to MAX_ECHOED_ID_CHARS: a 1 MB correlationId
 * cannot be echoed) but a refusal keeps its reason: a 413 COMMAND_TOO_LARGE whose echo does not
 * fit is still a COMMAND_TOO_LARGE to the producer. Only a result whose bulk is what the command
 * produced (a success with its state) becomes a small 413 RESULT_TOO_LARGE.
 */
export function fitResult(body: ResultBody, encodedBytes: number, limit: number): ResultBody {
  if (encodedBytes <= limit) return body;
  const refused = body.errorCode !== null;
  const rejection = refused ? null : resultTooLarge(encodedBytes, limit);
  return {
    commandId: cut(body.commandId) as string,
    correlationId: cut(body.correlationId),
    commandType: cut(body.commandType) as string,
    statusCode: rejection?.statusCode ?? body.statusCode,
    errorCode: rejection?.errorCode ?? body.errorCode,
    message: rejection?.message ?? cutTo(body.message, MAX_ECHOED_TEXT_CHARS),
    field: rejection ? null : cutTo(body.field, MAX_ECHOED_TEXT_CHARS),
    requestId: body.requestId,
    processedAt: body.processedAt,
    state: null,
  };
}

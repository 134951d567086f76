// The pipeline's CommandDecoder and RecordEncoder as JSON instead of Avro through the registry:
// what the pipeline asks of a codec is an envelope, or the reason it is not one.
import type { CommandEnvelope } from '../../../src/domain/envelope.ts';
import type { CommandDecoder, RecordEncoder } from '../../../src/pipeline/ports.ts';

export const jsonEncoder: RecordEncoder = {
  encode: async (record) => Buffer.from(JSON.stringify(record)),
};

export const jsonCommandDecoder: CommandDecoder = {
  async decode(value) {
    if (!value) return { ok: false, reason: 'EMPTY_VALUE', detail: 'the message has no value' };
    try {
      return { ok: true, envelope: JSON.parse(value.toString('utf8')) as CommandEnvelope };
    } catch (error) {
      return { ok: false, reason: 'UNDECODABLE', detail: (error as Error).message };
    }
  },
};

/** A message's value as the JSON it was encoded from. */
export function decoded<T = Record<string, unknown>>(value: Buffer): T {
  return JSON.parse(value.toString('utf8')) as T;
}

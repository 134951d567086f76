// Confluent-wire Avro through the Schema Registry: registers the topic schemas (BACKWARD),
// encodes results and events with their subject's id, and decodes commands against our own
// reader schema so that a message written with some other schema is recognised as such.
import type { Agent as HttpAgent } from 'node:http';
import https from 'node:https';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import { subjectOf, TOPIC_ROLES, TOPICS, type TopicNames, type TopicRole } from '../../catalogue/topics.ts';
import type { CommandEnvelope } from '../../domain/envelope.ts';
import { InfrastructureError } from '../../pipeline/errors.ts';
import type { CommandDecoder, DecodeOutcome, RecordEncoder } from '../../pipeline/ports.ts';
import { loadTopicSchema, type TopicSchemaName } from './schema-files.ts';

const NAMESPACE = 'consentworker.v1';

export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
}

export interface RegisteredSchema {
  readonly subject: string;
  readonly id: number;
  readonly type: avsc.Type;
}

/**
 * `auth`: basic auth, for a registry that asks for it (SCHEMA_REGISTRY_USERNAME/PASSWORD);
 * `tls`: the CA of an https registry signed by a private authority (SCHEMA_REGISTRY_CA_FILE).
 */
export function createRegistry(url: string, auth: RegistryAuth | null = null, tls: { readonly ca: string } | null = null): SchemaRegistry {
  return new SchemaRegistry({
    host: url,
    retry: { retries: 3 },
    ...(auth ? { auth: { ...auth } } : {}),
    // mappersmith types its agent as http's; an https.Agent is what it hands to https requests.
    ...(tls ? { agent: new https.Agent({ ca: tls.ca, keepAlive: true }) as unknown as HttpAgent } : {}),
  });
}

/** The registry refused a schema as incompatible: a deployment mistake, not an outage, so the start stops. */
export class IncompatibleSchemaError extends Error {
  override readonly name = 'IncompatibleSchemaError';
  readonly retryable = false;
}

function isHttpStatus(error: unknown, status: number): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === status;
}

interface Tap { readLong(): number; readString(): string }

/**
 * avsc reads an Avro map into `{}`, where a "__proto__" key sets the prototype and is silently
 * lost. Maps read into null-prototype objects keep every key as data, so the domain sees (and
 * refuses) it. A resolver reads with its reader type's `_read`, so the reader type is enough.
 */
class NullPrototypeMapType extends avsc.types.MapType {
  _read(tap: Tap): Record<string, unknown> {
    const values = this.valuesType as unknown as { _read(tap: Tap): unknown };
    const map = Object.create(null) as Record<string, unknown>;
    for (let n = tap.readLong(); n !== 0; n = tap.readLong()) {
      if (n < 0) { n = -n; tap.readLong(); } // a negative count is followed by the block's byte size
      while (n-- > 0) map[tap.readString()] = values._read(tap);
    }
    return map;
  }
}

function readerType(schema: unknown): avsc.Type {
  return avsc.Type.forSchema(schema as avsc.Schema, {
    typeHook: (s, opts) => (typeof s === 'object' && s !== null && (s as { type?: unknown }).type === 'map'
      ? new NullPrototypeMapType(s as never, opts as never) as unknown as avsc.Type
      : undefined),
  });
}

/**
 * Registers one topic's schema under `<topic>-value` with BACKWARD compatibility. A schema the
 * registry refuses as incompatible throws here, at start-up, before anything is consumed.
 */
export async function registerTopicSchema(registry: SchemaRegistry, topic: string, name: TopicSchemaName): Promise<RegisteredSchema> {
  const schema = loadTopicSchema(name);
  const subject = subjectOf(topic);
  try {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject, compatibility: COMPATIBILITY.BACKWARD });
    return { subject, id, type: readerType(JSON.parse(schema)) };
  } catch (error) {
    if (isHttpStatus(error, 409)) {
      throw new IncompatibleSchemaError(`schema ${name} is not BACKWARD-compatible with the latest version of ${subject}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

/** Registers the schema of every topic of the catalogue under its configured name, all at once. */
export async function registerTopicSchemas(registry: SchemaRegistry, names: TopicNames): Promise<Record<TopicRole, RegisteredSchema>> {
  const registered = await Promise.all(TOPIC_ROLES.map(async (role) => [role, await registerTopicSchema(registry, names[role], TOPICS[role].schema)] as const));
  return Object.fromEntries(registered) as Record<TopicRole, RegisteredSchema>;
}

/** Tagged union values ({type, value}) become avsc's wrapped form where the union needs it. */
export interface TaggedState {
  readonly type: string;
  readonly value: unknown;
  /** The record field that carries it instead of `state` (see pipeline/family.ts TaggedState). */
  readonly field?: string;
}

export function createEncoder(registry: SchemaRegistry, schema: RegisteredSchema): RecordEncoder {
  const stateField = (schema.type as avsc.types.RecordType).field('state');
  const wrapState = stateField?.type instanceof avsc.types.WrappedUnionType;
  return {
    async encode(record: unknown): Promise<Buffer> {
      const body = record as { state?: TaggedState | null };
      const state = body.state ?? null;
      if (state?.field !== undefined) return encodeChecked(registry, schema, { ...body, state: null, [state.field]: state.value });
      const value = state === null ? null : wrapState ? { [`${NAMESPACE}.${state.type}`]: state.value } : state.value;
      return encodeChecked(registry, schema, { ...body, state: value });
    },
  };
}

async function encodeChecked(registry: SchemaRegistry, schema: RegisteredSchema, record: unknown): Promise<Buffer> {
  try {
    return await registry.encode(schema.id, record);
  } catch (error) {
    // A record that does not fit its schema is a bug (500); anything else (unreachable,
    // an HTTP 5xx while fetching the schema) is an outage, retried: the change may already
    // be written, and its result must not be recorded as a failure.
    // (The client does not export its error classes; each sets its own name.)
    if ((error as Error)?.name === 'ConfluentSchemaRegistryValidationError') throw error;
    throw new InfrastructureError('schema-registry', error);
  }
}

function fail(reason: string, detail: string): DecodeOutcome {
  return { ok: false, reason, detail };
}

type AvroEnvelope = Omit<CommandEnvelope, 'payload' | 'payloadType'> & { payload: Record<string, Record<string, unknown>> };

export function createCommandDecoder(registry: SchemaRegistry, reader: RegisteredSchema): CommandDecoder {
  const resolvers = new Map<number, avsc.Resolver>();

  async function resolverFor(writerId: number): Promise<avsc.Resolver | DecodeOutcome> {
    const cached = resolvers.get(writerId);
    if (cached) return cached;
    let writer: avsc.Type;
    try {
      writer = (await registry.getSchema(writerId)) as unknown as avsc.Type;
    } catch (error) {
      if (isHttpStatus(error, 404)) return fail('UNKNOWN_SCHEMA_ID', `schema id ${writerId} is not in the registry`);
      throw new InfrastructureError('schema-registry', error);
    }
    try {
      const resolver = reader.type.createResolver(writer);
      resolvers.set(writerId, resolver);
      return resolver;
    } catch (error) {
      return fail('WRONG_RECORD', `schema id ${writerId} cannot be read as ${reader.subject}: ${(error as Error).message}`);
    }
  }

  return {
    async decode(value: Buffer | null): Promise<DecodeOutcome> {
      if (!value || value.length === 0) return fail('EMPTY_VALUE', 'the message has no value');
      if (value.length < 5 || value[0] !== 0) return fail('NOT_CONFLUENT_AVRO', 'no magic byte 0 and 4-byte schema id');
      const writerId = value.readInt32BE(1);
      const resolver = await resolverFor(writerId);
      if (!(resolver instanceof Object) || 'ok' in resolver) return resolver as DecodeOutcome;
      let decoded: AvroEnvelope;
      try {
        decoded = reader.type.fromBuffer(value.subarray(5), resolver) as AvroEnvelope;
      } catch (error) {
        return fail('MALFORMED_AVRO', `schema id ${writerId}: ${(error as Error).message}`);
      }
      const [branch, payload] = Object.entries(decoded.payload)[0] ?? ['', {}];
      return {
        ok: true,
        envelope: {
          commandId: decoded.commandId,
          commandType: decoded.commandType,
          issuedAt: decoded.issuedAt,
          actor: decoded.actor ? { ...decoded.actor, roles: [...decoded.actor.roles] } : null,
          correlationId: decoded.correlationId,
          payloadType: branch.slice(NAMESPACE.length + 1),
          payload: { ...payload },
        },
      };
    },
  };
}

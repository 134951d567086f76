// Sends commands the way a producer service would: it asks the registry for the latest schema
// of `<topic>-value`, encodes the envelope in the Confluent wire format, and produces it keyed
// by the aggregate id.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';

export interface CommandOptions {
  readonly commandId?: string;
  readonly key?: string;
  readonly actor?: { userId: string; orgId?: string | null; roles?: string[] } | null;
  readonly correlationId?: string | null;
  /** Payload record name when it differs from the command type (to test a mismatch). */
  readonly payloadType?: string;
}

export class CommandProducer {
  private readonly ids = new Map<string, number>();
  private readonly registry: SchemaRegistry;
  private readonly producer: Producer;

  constructor(registry: SchemaRegistry, producer: Producer) {
    this.registry = registry;
    this.producer = producer;
  }

  async encode(topic: string, commandType: string, payload: Record<string, unknown>, options: CommandOptions = {}): Promise<{ commandId: string; value: Buffer }> {
    let id = this.ids.get(topic);
    if (id === undefined) {
      id = await this.registry.getLatestSchemaId(`${topic}-value`);
      this.ids.set(topic, id);
    }
    const commandId = options.commandId ?? `cmd-${randomUUID()}`;
    const value = await this.registry.encode(id, {
      commandId,
      commandType,
      issuedAt: new Date().toISOString(),
      actor: options.actor ? { orgId: null, roles: [], ...options.actor } : null,
      correlationId: options.correlationId ?? `corr-${commandId}`,
      payload: { [`consentworker.v1.${options.payloadType ?? commandType}`]: payload },
    });
    return { commandId, value };
  }

  async send(topic: string, commandType: string, payload: Record<string, unknown>, options: CommandOptions = {}): Promise<string> {
    const { commandId, value } = await this.encode(topic, commandType, payload, options);
    await this.sendRaw(topic, options.key ?? commandId, value);
    return commandId;
  }

  async sendRaw(topic: string, key: string, value: Buffer, headers?: Record<string, string>): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages: [{ key, value, ...(headers ? { headers } : {}) }] });
  }

  /** Sends encoded commands in one produce, so the worker fetches them as one batch. */
  async sendRawMany(topic: string, messages: readonly { key: string; value: Buffer }[]): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages: messages.map(({ key, value }) => ({ key, value })) });
  }
}

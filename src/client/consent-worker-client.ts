// The typed producer client: encodes a command through the Schema Registry (the latest schema
// of `<topic>-value`, looked up once per topic), produces it to its family's commands topic
// under the contract's key, and resolves with the CommandResult of the same commandId.
import { randomUUID } from 'node:crypto';
import type { Agent as HttpAgent } from 'node:http';
import https from 'node:https';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DEFAULT_TOPIC_NAMES, subjectOf } from '../catalogue/topics.ts';
import { familyOf, keyOf, type Command, type CommandType } from './commands.ts';
import { toCommandResult, type CommandResult } from './results.ts';
import { createKafkaClientTransport } from './kafka-transport.ts';
import { ClientOptionsError, problemsOf, type ClientOptions, type ClientTopics } from './options.ts';
import { startSendSpan } from './send-tracing.ts';
import type { ClientTransport, ResultMessage } from './transport.ts';

export type { ClientOptions, ClientTopics } from './options.ts';

export const DEFAULT_TOPICS: ClientTopics = {
  consentCommands: DEFAULT_TOPIC_NAMES.consentCommands,
  consentResults: DEFAULT_TOPIC_NAMES.consentResults,
  permissionCommands: DEFAULT_TOPIC_NAMES.permissionCommands,
  permissionResults: DEFAULT_TOPIC_NAMES.permissionResults,
};

export interface SendOptions {
  readonly timeoutMs?: number;
}

/**
 * No result within the timeout. The command may still be applied later: send it again with the
 * same commandId to wait again (a commandId is applied at most once; a repeat gets the same result).
 */
export class CommandTimeoutError extends Error {
  override readonly name = 'CommandTimeoutError';
  readonly commandId: string;
  constructor(commandId: string, timeoutMs: number) {
    super(`no result for command ${commandId} within ${timeoutMs} ms`);
    this.commandId = commandId;
  }
}

interface Pending {
  resolve(result: CommandResult): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const NAMESPACE = 'consentworker.v1';

export class ConsentWorkerClient {
  private readonly pending = new Map<string, Pending>();
  private readonly schemaIds = new Map<string, Promise<number>>();
  private readonly topics: ClientTopics;
  private readonly timeoutMs: number;
  private readonly registry: SchemaRegistry;
  private readonly transport: ClientTransport;
  private closed = false;

  private constructor(options: ClientOptions, transport: ClientTransport) {
    this.topics = { ...DEFAULT_TOPICS, ...options.topics };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    // Built here rather than by the worker's registry adapter: the client imports no worker internals.
    this.registry = new SchemaRegistry({
      host: options.registryUrl,
      retry: { retries: 3 },
      ...(options.registryAuth ? { auth: { ...options.registryAuth } } : {}),
      // mappersmith types its agent as http's; an https.Agent is what it hands to https requests.
      ...(options.registryCa !== undefined ? { agent: new https.Agent({ ca: options.registryCa, keepAlive: true }) as unknown as HttpAgent } : {}),
    });
    this.transport = transport;
  }

  /** Connects and starts reading the results topics; resolves once no result can be missed. */
  static async connect(options: ClientOptions): Promise<ConsentWorkerClient> {
    const problems = problemsOf(options);
    if (problems.length > 0) throw new ClientOptionsError(problems);
    const transport = createKafkaClientTransport({
      brokers: options.brokers, clientId: options.clientId ?? 'consent-worker-client',
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}), ...(options.sasl ? { sasl: options.sasl } : {}),
    });
    const client = new ConsentWorkerClient(options, transport);
    try {
      await transport.listen([client.topics.consentResults, client.topics.permissionResults], (m) => { void client.onResult(m); });
    } catch (error) {
      await transport.close();
      throw error;
    }
    return client;
  }

  /** Sends one command and resolves with its result (whatever its statusCode). */
  async send<T extends CommandType>(command: Extract<Command, { commandType: T }>, options: SendOptions = {}): Promise<CommandResult<T>> {
    if (this.closed) throw new Error('the client is closed');
    const family = familyOf(command.commandType);
    const topic = family === 'consent' ? this.topics.consentCommands : this.topics.permissionCommands;
    const commandId = command.commandId ?? `cmd-${randomUUID()}`;
    const value = await this.registry.encode(await this.schemaIdOf(topic), {
      commandId,
      commandType: command.commandType,
      issuedAt: new Date().toISOString(),
      actor: command.actor ? { orgId: null, roles: [], ...command.actor } : null,
      correlationId: command.correlationId ?? null,
      payload: { [`${NAMESPACE}.${command.commandType}`]: command.payload },
    });
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    // Waiting before producing: a result can arrive before produce() returns.
    const answered = new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(commandId);
        reject(new CommandTimeoutError(commandId, timeoutMs));
      }, timeoutMs);
      this.pending.set(commandId, { resolve, reject, timer });
    });
    const traced = startSendSpan(topic, commandId, command.commandType);
    try {
      await this.transport.produce(topic, keyOf(command, commandId), value, traced.headers);
      traced.end();
    } catch (error) {
      traced.end(error);
      this.settle(commandId)?.reject(error as Error);
    }
    return answered as Promise<CommandResult<T>>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new Error('the client was closed before the result came'));
    await this.transport.close();
  }

  private schemaIdOf(topic: string): Promise<number> {
    let id = this.schemaIds.get(topic);
    if (!id) {
      id = this.registry.getLatestSchemaId(subjectOf(topic));
      id.catch(() => this.schemaIds.delete(topic)); // asked again next time
      this.schemaIds.set(topic, id);
    }
    return id;
  }

  private settle(commandId: string): Pending | undefined {
    const waiting = this.pending.get(commandId);
    if (!waiting) return undefined;
    this.pending.delete(commandId);
    clearTimeout(waiting.timer);
    return waiting;
  }

  private async onResult(message: ResultMessage): Promise<void> {
    // Keyed by commandId: results of other producers' commands are skipped undecoded.
    if (message.key === null || !message.value || !this.pending.has(message.key)) return;
    let result: CommandResult;
    try {
      const decoded = (await this.registry.decode(message.value)) as Record<string, unknown>;
      result = toCommandResult(decoded, 'ConsentState'); // the only bare state: consent results
    } catch (error) {
      this.settle(message.key)?.reject(new Error(`the result of ${message.key} could not be decoded`, { cause: error }));
      return;
    }
    this.settle(result.commandId)?.resolve(result);
  }
}

// The AsyncAPI 3 document of the worker's eight topics, built from schemas/: each message's
// payload is its topic's schema inlined exactly as the worker registers it, so the document
// cannot describe another schema than the one on the wire. `npm run asyncapi` writes it to
// docs/asyncapi.json; test/unit/asyncapi.test.ts fails when schemas/ changed without it.
import { loadTopicSchema, SCHEMA_DIR } from '../adapters/registry/schema-files.ts';
import { dlqTopicOf, TOPICS, type TopicRole } from '../catalogue/topics.ts';

const AVRO = 'application/vnd.apache.avro+json;version=1.9.0';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface TopicSpec {
  /** The channel's id in the document. */
  readonly channel: string;
  /** The catalogue's topic: its default name is the address, its schema the payload. */
  readonly topic: TopicRole;
  /** The DLQ of that (commands) topic: the original bytes, no schema. */
  readonly dlq?: true;
  readonly message: string;
  readonly key: string;
  readonly action: 'receive' | 'send';
  readonly summary: string;
}

const CHANNELS: readonly TopicSpec[] = [
  { channel: 'consentCommands', topic: 'consentCommands', message: 'ConsentCommand', key: 'consentId (any stable key when not yet known); serviceId for SetServicePolicy', action: 'receive',
    summary: 'CreateConsent, UpdateConsent, RequestOrgConsent, DecideOrgConsent, SetServicePolicy (a service\'s default lifetime and reminder lead; actor role service_admin). `payload` is a union of the five records; `commandType` names the one used.' },
  { channel: 'permissionCommands', topic: 'permissionCommands', message: 'PermissionCommand', key: 'entity key: entityId, or extType:extKey; reference data by its own id', action: 'receive',
    summary: 'RegisterEntity, DefinePermission, RegisterSource, DefineContract, AcceptPermission, WithdrawPermission.' },
  { channel: 'consentResults', topic: 'consentResults', message: 'ConsentCommandResult', key: 'commandId', action: 'send',
    summary: 'One CommandResult per consent command, with the contract status code; a redelivered command gets the same result again. SetServicePolicy\'s result carries the policy in `servicePolicy` (`state` null).' },
  { channel: 'permissionResults', topic: 'permissionResults', message: 'PermissionCommandResult', key: 'commandId', action: 'send',
    summary: 'One CommandResult per permission command; `state` is a PermissionState, EntityState or ReferenceState.' },
  { channel: 'consentEvents', topic: 'consentEvents', message: 'ConsentEvent', key: 'consentId', action: 'send',
    summary: 'ConsentCreated, ConsentUpdated, ConsentRequested, ConsentApproved, ConsentRejected, ConsentRevoked, ConsentExpired, ConsentExpiringSoon (the renewal reminder, at expiry minus the service policy\'s lead); eventId = aggregateId:version:eventType (drop duplicates by it).' },
  { channel: 'servicePolicyEvents', topic: 'servicePolicyEvents', message: 'ServicePolicyEvent', key: 'serviceId', action: 'send',
    summary: 'ServicePolicySet: a service\'s consent policy after SetServicePolicy changed it; eventId = serviceId:version:ServicePolicySet.' },
  { channel: 'permissionEvents', topic: 'permissionEvents', message: 'PermissionEvent', key: 'entityId', action: 'send',
    summary: 'PermissionAccepted, PermissionWithdrawn; eventId = aggregateId:version:eventType.' },
  { channel: 'consentCommandsDlq', topic: 'consentCommands', dlq: true, message: 'ConsentDeadLetter', key: 'the original key', action: 'send',
    summary: 'Consent commands that could not be decoded, with their original key and bytes untouched and the reason in headers.' },
  { channel: 'permissionCommandsDlq', topic: 'permissionCommands', dlq: true, message: 'PermissionDeadLetter', key: 'the original key', action: 'send',
    summary: 'Permission commands that could not be decoded, with their original key and bytes untouched and the reason in headers.' },
];

const DLQ_HEADERS: Json = {
  type: 'object',
  description: 'The original message headers, plus these added by the worker.',
  required: ['dlq.reason', 'dlq.detail', 'dlq.source.topic', 'dlq.source.partition', 'dlq.source.offset', 'dlq.failed.at'],
  properties: {
    'dlq.reason': { type: 'string', enum: ['EMPTY_VALUE', 'NOT_CONFLUENT_AVRO', 'UNKNOWN_SCHEMA_ID', 'WRONG_RECORD', 'MALFORMED_AVRO', 'PROCESSING_FAILED'] },
    'dlq.detail': { type: 'string', maxLength: 1000 },
    'dlq.source.topic': { type: 'string' },
    'dlq.source.partition': { type: 'string', description: 'decimal' },
    'dlq.source.offset': { type: 'string', description: 'decimal' },
    'dlq.failed.at': { type: 'string', format: 'date-time' },
  },
};

function addressOf(spec: TopicSpec): string {
  const name = TOPICS[spec.topic].defaultName;
  return spec.dlq ? dlqTopicOf(name) : name;
}

/** W3C trace context (docs/tracing.md): optional on a command, present on what the worker sends when tracing is on. */
function traceHeaders(action: TopicSpec['action']): Json {
  return {
    type: 'object',
    properties: {
      traceparent: {
        type: 'string', pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description: action === 'receive'
          ? 'W3C trace context of the producer (optional): the worker continues this trace (the producer client sets it).'
          : 'W3C trace context of the command (or sweep round) that caused this message; only when the worker runs with tracing on.',
      },
    },
  };
}

function message(spec: TopicSpec, schemaDir: string): Json {
  const key = { type: 'string', description: spec.key };
  if (spec.dlq) {
    return {
      name: spec.message, title: spec.message, summary: spec.summary, contentType: 'application/octet-stream',
      headers: DLQ_HEADERS,
      payload: { type: 'string', format: 'binary', description: 'the original value, byte for byte (replay: `consent-worker dlq replay`)' },
      bindings: { kafka: { key, bindingVersion: '0.5.0' } },
    };
  }
  return {
    name: spec.message, title: spec.message, summary: spec.summary, contentType: 'application/vnd.apache.avro+binary',
    headers: traceHeaders(spec.action),
    payload: { schemaFormat: AVRO, schema: JSON.parse(loadTopicSchema(TOPICS[spec.topic].schema, schemaDir)) as Json },
    bindings: {
      kafka: {
        key,
        // Confluent wire format: magic byte 0, then the 4-byte schema id, under subject <topic>-value.
        schemaIdLocation: 'payload', schemaIdPayloadEncoding: 'confluent', schemaLookupStrategy: 'TopicIdStrategy', bindingVersion: '0.5.0',
      },
    },
  };
}

export function asyncApiDocument(schemaDir = SCHEMA_DIR): Json {
  const channels: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const messages: Record<string, Json> = {};
  for (const spec of CHANNELS) {
    const address = addressOf(spec);
    messages[spec.message] = message(spec, schemaDir);
    channels[spec.channel] = {
      address,
      description: `${spec.summary} Key: ${spec.key}. The name is configurable (see docs/configuration.md).`,
      messages: { [spec.message]: { $ref: `#/components/messages/${spec.message}` } },
      bindings: { kafka: { topic: address, bindingVersion: '0.5.0' } },
    };
    const verb = spec.action === 'receive' ? 'receive' : 'send';
    operations[`${verb}${spec.channel[0]!.toUpperCase()}${spec.channel.slice(1)}`] = {
      action: spec.action,
      channel: { $ref: `#/channels/${spec.channel}` },
      summary: spec.action === 'receive' ? `The worker consumes ${address}.` : `The worker publishes to ${address}.`,
      messages: [{ $ref: `#/channels/${spec.channel}/messages/${spec.message}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'consent-worker',
      version: '1.0.0',
      description: 'Consent and permission commands in, one result per command and change events out (Avro, Confluent wire format, '
        + 'schemas registered under <topic>-value with BACKWARD compatibility). Generated from schemas/ by `npm run asyncapi`; '
        + 'the human contract is docs/contract.md.',
    },
    defaultContentType: 'application/vnd.apache.avro+binary',
    servers: {
      local: { host: '127.0.0.1:19092', protocol: 'kafka', description: 'the native development stack (npm run stack:up)' },
    },
    channels,
    operations,
    components: { messages },
  };
}

/** The document as committed: two-space JSON with a final newline. */
export const renderAsyncApi = (schemaDir = SCHEMA_DIR): string => `${JSON.stringify(asyncApiDocument(schemaDir), null, 2)}\n`;

// The AsyncAPI 3 document of the worker's eight topics, built from schemas/: each message's
// payload is its topic's schema inlined exactly as the worker registers it, so the document
// cannot describe another schema than the one on the wire. `npm run asyncapi` writes it to
// docs/asyncapi.json; test/unit/asyncapi.test.ts fails when schemas/ changed without it.
import { loadTopicSchema, SCHEMA_DIR, type TopicSchemaName } from '../adapters/registry/schema-files.ts';

const AVRO = 'application/vnd.apache.avro+json;version=1.9.0';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface TopicSpec {
  /** The channel's id in the document. */
  readonly channel: string;
  readonly address: string;
  readonly message: string;
  readonly schema: TopicSchemaName | null;
  readonly key: string;
  readonly action: 'receive' | 'send';
  readonly summary: string;
}

const TOPICS: readonly TopicSpec[] = [
  { channel: 'consentCommands', address: 'consent.commands.v1', message: 'ConsentCommand', schema: 'consent-commands', key: 'consentId (any stable key when not yet known); serviceId for SetServicePolicy', action: 'receive',
    summary: 'CreateConsent, UpdateConsent, RequestOrgConsent, DecideOrgConsent, SetServicePolicy (a service\'s default lifetime and reminder lead; actor role service_admin). `payload` is a union of the five records; `commandType` names the one used.' },
  { channel: 'permissionCommands', address: 'permission.commands.v1', message: 'PermissionCommand', schema: 'permission-commands', key: 'entity key: entityId, or extType:extKey; reference data by its own id', action: 'receive',
    summary: 'RegisterEntity, DefinePermission, RegisterSource, DefineContract, AcceptPermission, WithdrawPermission.' },
  { channel: 'consentResults', address: 'consent.results.v1', message: 'ConsentCommandResult', schema: 'consent-results', key: 'commandId', action: 'send',
    summary: 'One CommandResult per consent command, with the contract status code; a redelivered command gets the same result again. SetServicePolicy\'s result carries the policy in `servicePolicy` (`state` null).' },
  { channel: 'permissionResults', address: 'permission.results.v1', message: 'PermissionCommandResult', schema: 'permission-results', key: 'commandId', action: 'send',
    summary: 'One CommandResult per permission command; `state` is a PermissionState, EntityState or ReferenceState.' },
  { channel: 'consentEvents', address: 'consent.events.v1', message: 'ConsentEvent', schema: 'consent-events', key: 'consentId', action: 'send',
    summary: 'ConsentCreated, ConsentUpdated, ConsentRequested, ConsentApproved, ConsentRejected, ConsentRevoked, ConsentExpired, ConsentExpiringSoon (the renewal reminder, at expiry minus the service policy\'s lead); eventId = aggregateId:version:eventType (drop duplicates by it).' },
  { channel: 'servicePolicyEvents', address: 'consent.events.v1.policies', message: 'ServicePolicyEvent', schema: 'service-policy-events', key: 'serviceId', action: 'send',
    summary: 'ServicePolicySet: a service\'s consent policy after SetServicePolicy changed it; eventId = serviceId:version:ServicePolicySet. The name is the consent events topic\'s with `.policies` appended.' },
  { channel: 'permissionEvents', address: 'permission.events.v1', message: 'PermissionEvent', schema: 'permission-events', key: 'entityId', action: 'send',
    summary: 'PermissionAccepted, PermissionWithdrawn; eventId = aggregateId:version:eventType.' },
  { channel: 'consentCommandsDlq', address: 'consent.commands.v1.dlq', message: 'ConsentDeadLetter', schema: null, key: 'the original key', action: 'send',
    summary: 'Consent commands that could not be decoded, with their original key and bytes untouched and the reason in headers.' },
  { channel: 'permissionCommandsDlq', address: 'permission.commands.v1.dlq', message: 'PermissionDeadLetter', schema: null, key: 'the original key', action: 'send',
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
  if (spec.schema === null) {
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
    payload: { schemaFormat: AVRO, schema: JSON.parse(loadTopicSchema(spec.schema, schemaDir)) as Json },
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
  for (const spec of TOPICS) {
    messages[spec.message] = message(spec, schemaDir);
    channels[spec.channel] = {
      address: spec.address,
      description: `${spec.summary} Key: ${spec.key}. The name is configurable (see docs/configuration.md).`,
      messages: { [spec.message]: { $ref: `#/components/messages/${spec.message}` } },
      bindings: { kafka: { topic: spec.address, bindingVersion: '0.5.0' } },
    };
    const verb = spec.action === 'receive' ? 'receive' : 'send';
    operations[`${verb}${spec.channel[0]!.toUpperCase()}${spec.channel.slice(1)}`] = {
      action: spec.action,
      channel: { $ref: `#/channels/${spec.channel}` },
      summary: spec.action === 'receive' ? `The worker consumes ${spec.address}.` : `The worker publishes to ${spec.address}.`,
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

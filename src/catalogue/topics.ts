// The worker's topics, the one place that says which schema each carries: its default name, its
// schema file (schemas/topics/<schema>.avsc) and its registry subject (`<topic>-value`, Confluent's
// TopicNameStrategy). The worker's wiring, the configuration's defaults, the CLI's `schemas
// register`, the AsyncAPI generator, the schema bundle and the producer client all read it, so a
// new topic or a renamed schema is written once. It imports nothing: the client package may
// carry it (docs/architecture.md).

/** A topic by its role; a deployment may rename each one (the configuration's *_TOPIC). */
export type TopicRole =
  | 'consentCommands' | 'consentResults' | 'consentEvents' | 'servicePolicyEvents'
  | 'permissionCommands' | 'permissionResults' | 'permissionEvents';

/** The schema files of schemas/topics, one per topic. */
export type TopicSchemaName =
  | 'consent-commands' | 'consent-results' | 'consent-events' | 'service-policy-events'
  | 'permission-commands' | 'permission-results' | 'permission-events';

export interface TopicEntry {
  /** The name the worker uses unless configured otherwise. */
  readonly defaultName: string;
  readonly schema: TopicSchemaName;
  /** Commands topics are consumed by the worker (and get a `<topic>.dlq`); the others it publishes. */
  readonly kind: 'commands' | 'results' | 'events';
}

export const TOPICS: Readonly<Record<TopicRole, TopicEntry>> = {
  consentCommands: { defaultName: 'consent.commands.v1', schema: 'consent-commands', kind: 'commands' },
  consentResults: { defaultName: 'consent.results.v1', schema: 'consent-results', kind: 'results' },
  consentEvents: { defaultName: 'consent.events.v1', schema: 'consent-events', kind: 'events' },
  // ServicePolicySet beside the consent events, not among them: a policy in consent.events.v1's
  // `state` would break every consumer decoding it with its own reader schema (docs/policy-and-reminders.md).
  servicePolicyEvents: { defaultName: 'consent.events.v1.policies', schema: 'service-policy-events', kind: 'events' },
  permissionCommands: { defaultName: 'permission.commands.v1', schema: 'permission-commands', kind: 'commands' },
  permissionResults: { defaultName: 'permission.results.v1', schema: 'permission-results', kind: 'results' },
  permissionEvents: { defaultName: 'permission.events.v1', schema: 'permission-events', kind: 'events' },
};

export const TOPIC_ROLES = Object.keys(TOPICS) as readonly TopicRole[];

/** The seven topic names, by role: the configuration's `topics`, the defaults below. */
export type TopicNames = Readonly<Record<TopicRole, string>>;

export const DEFAULT_TOPIC_NAMES: TopicNames = Object.fromEntries(
  TOPIC_ROLES.map((role) => [role, TOPICS[role].defaultName]),
) as Record<TopicRole, string>;

/** The schema files, in catalogue order. */
export const TOPIC_SCHEMAS: readonly TopicSchemaName[] = TOPIC_ROLES.map((role) => TOPICS[role].schema);

/** The registry subject of a topic's values (TopicNameStrategy). */
export const subjectOf = (topic: string): string => `${topic}-value`;

/** Where a command that cannot be decoded is parked, with its key and bytes untouched. */
export const dlqTopicOf = (commandsTopic: string): string => `${commandsTopic}.dlq`;

/** A topic schema's file, relative to schemas/. */
export const schemaFileOf = (schema: TopicSchemaName): string => `topics/${schema}.avsc`;

/** Every topic the worker creates at start: the seven, and the DLQ of each commands topic. */
export function topicsToCreate(names: TopicNames): string[] {
  const dlqs = TOPIC_ROLES.filter((role) => TOPICS[role].kind === 'commands').map((role) => dlqTopicOf(names[role]));
  return [...TOPIC_ROLES.map((role) => names[role]), ...dlqs];
}

// The Kafka ACLs of one deployment of the worker, per principal, least privilege:
//   worker    reads the command topics (its group), writes results, events and the DLQs; may
//             create those topics (it ensures them at start) and read the DLQs (CLI replay)
//   producer  writes the command topics only, reads the results only (its client's groups)
//   events    reads the events topics only (its groups)
// Literal topic names, never prefixes: a prefix covering `consent.commands.v1` would also cover
// its DLQ `consent.commands.v1.dlq`, which a producer must not write.
import kafkajs, { type Admin } from 'kafkajs';
import { dlqTopicOf, type TopicNames } from '../../../src/catalogue/topics.ts';

// kafkajs is CommonJS: its enums are not named exports under Node's ESM loader.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** The six topic names by role, as the worker's configuration has them (src/catalogue/topics.ts). */
export type DeploymentTopics = TopicNames;

export interface Deployment {
  readonly topics: DeploymentTopics;
  /** The worker's consumer group (CONSUMER_GROUP). */
  readonly workerGroup: string;
  /** Prefix of the producer client's groups: `<clientId>-results-`. */
  readonly producerGroupPrefix: string;
  /** Prefix of the event consumers' groups. */
  readonly eventsGroupPrefix: string;
}

type Operation = keyof typeof AclOperationTypes;
interface Grant { principal: string; resource: 'TOPIC' | 'GROUP'; name: string; prefixed?: boolean; operation: Operation }

export function grantsOf(d: Deployment): Grant[] {
  const t = d.topics;
  const commands = [t.consentCommands, t.permissionCommands];
  const results = [t.consentResults, t.permissionResults];
  const events = [t.consentEvents, t.servicePolicyEvents, t.permissionEvents];
  const dlqs = commands.map(dlqTopicOf);
  const topic = (principal: string, operation: Operation) => (name: string): Grant => ({ principal, resource: 'TOPIC', name, operation });
  return [
    ...commands.map(topic('User:worker', 'READ')),
    ...[...results, ...events, ...dlqs].map(topic('User:worker', 'WRITE')),
    ...dlqs.map(topic('User:worker', 'READ')),
    ...[...commands, ...results, ...events, ...dlqs].map(topic('User:worker', 'CREATE')),
    { principal: 'User:worker', resource: 'GROUP', name: d.workerGroup, operation: 'READ' },
    ...commands.map(topic('User:producer', 'WRITE')),
    ...results.map(topic('User:producer', 'READ')),
    { principal: 'User:producer', resource: 'GROUP', name: d.producerGroupPrefix, prefixed: true, operation: 'READ' },
    ...events.map(topic('User:events', 'READ')),
    { principal: 'User:events', resource: 'GROUP', name: d.eventsGroupPrefix, prefixed: true, operation: 'READ' },
  ];
}

/** Creates the deployment's ACLs (Kafka keeps one copy of an ACL created twice). */
export async function grantDeploymentAcls(admin: Admin, deployment: Deployment): Promise<void> {
  await admin.createAcls({
    acl: grantsOf(deployment).map((g) => ({
      resourceType: g.resource === 'TOPIC' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
      resourceName: g.name,
      resourcePatternType: g.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      principal: g.principal,
      host: '*',
      operation: AclOperationTypes[g.operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  });
}

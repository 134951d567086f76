// The environment of a worker that shares the servers but nothing else: its own topics,
// consumer group, database and Redis key prefix, all named `<tag>…<suffix>`. Used by the test
// harness (tag cwtest) and the benchmark (tag cwbench); the native stack clears databases
// with those prefixes when it next starts FerretDB.
import type { Servers } from './servers.ts';

export function isolatedEnv(servers: Servers, tag: 'cwtest' | 'cwbench', suffix: string): Record<string, string> {
  const topic = (name: string): string => `${name}.${tag}-${suffix}`;
  return {
    KAFKA_BROKERS: servers.kafkaBrokers,
    SCHEMA_REGISTRY_URL: servers.schemaRegistryUrl,
    MONGODB_URI: servers.mongodbUri,
    REDIS_URL: servers.redisUrl,
    MONGODB_DATABASE: `${tag}_${suffix}`,
    REDIS_KEY_PREFIX: `${tag}:${suffix}:`,
    CONSUMER_GROUP: `${tag}-${suffix}`,
    CONSENT_COMMANDS_TOPIC: topic('consent.commands'),
    CONSENT_RESULTS_TOPIC: topic('consent.results'),
    CONSENT_EVENTS_TOPIC: topic('consent.events'),
    SERVICE_POLICY_EVENTS_TOPIC: topic('consent.events.policies'),
    PERMISSION_COMMANDS_TOPIC: topic('permission.commands'),
    PERMISSION_RESULTS_TOPIC: topic('permission.results'),
    PERMISSION_EVENTS_TOPIC: topic('permission.events'),
  };
}

// Real servers in containers, for machines with a Docker engine: the same images as
// docker-compose.yml. MongoDB runs as a single-node replica set, like production. Kafka is the
// native stack's default line (4.4.0), and STACK_KAFKA_VERSION picks another (3.9.2) as there.
import { GenericContainer, Network, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import type { Servers } from './servers.ts';

/** The native stack's default broker (scripts/stack/kafka.sh); docker-compose.yml names it too. */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

/** The apache/kafka image of the broker version asked for (STACK_KAFKA_VERSION, as the native stack reads it). */
export function kafkaImage(env: NodeJS.ProcessEnv = process.env): string {
  return `apache/kafka:${env['STACK_KAFKA_VERSION']?.trim() || DEFAULT_KAFKA_VERSION}`;
}

export async function dockerAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function startContainers(): Promise<{ servers: Servers; stop: () => Promise<void> }> {
  const network = await new Network().start();
  const kafka = await new GenericContainer(kafkaImage())
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .withExposedPorts({ container: 19092, host: 19092 })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093',
      KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:19092,INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://localhost:19092,INTERNAL://kafka:9092',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const registry = await new GenericContainer('confluentinc/cp-schema-registry:7.7.1')
    .withNetwork(network)
    .withExposedPorts(8081)
    .withEnvironment({
      SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:9092',
      SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
    })
    .withWaitStrategy(Wait.forHttp('/subjects', 8081))
    .start();
  const mongo = await new GenericContainer('mongo:7.0')
    .withCommand(['--replSet', 'rs0', '--bind_ip_all'])
    .withExposedPorts(27017)
    .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
    .start();
  await mongo.exec(['mongosh', '--quiet', '--eval', "rs.initiate({_id:'rs0',members:[{_id:0,host:'localhost:27017'}]})"]);
  const redis = await new GenericContainer('redis:7.4').withExposedPorts(6379).start();

  const started: StartedTestContainer[] = [redis, mongo, registry, kafka];
  return {
    servers: {
      kafkaBrokers: 'localhost:19092',
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
      mongodbUri: `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/?directConnection=true`,
      redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
      origin: 'docker',
    },
    stop: async () => {
      for (const container of started) await container.stop();
      await network.stop();
    },
  };
}

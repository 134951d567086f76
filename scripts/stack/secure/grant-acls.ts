// Grants the ACLs of the default deployment (the worker's default topics and group, the producer
// client's default client id) on the secure stack, as its admin principal. Run by stack.sh up.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { kafkajsSecurity } from '../../../src/adapters/kafka/kafka-security.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { grantDeploymentAcls } from './acls.ts';

const config = loadConfig();
const password = readFileSync(process.env['SECURE_ADMIN_PASSWORD_FILE'] ?? '', 'utf8').trim();
const admin = new Kafka({
  clientId: 'secure-stack-acls', brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING,
  ...kafkajsSecurity({ ssl: config.kafkaSecurity.ssl, sasl: { mechanism: 'scram-sha-512', username: 'admin', password } }),
}).admin();
await admin.connect();
try {
  await grantDeploymentAcls(admin, {
    topics: config.topics, workerGroup: config.consumerGroup,
    producerGroupPrefix: 'consent-worker-client-results-', eventsGroupPrefix: 'consent-events-',
  });
  console.log('ACLs granted for the default deployment (worker, producer, events)');
} finally {
  await admin.disconnect();
}

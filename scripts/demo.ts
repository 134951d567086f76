// What `npm run local` shows a new user once the worker runs: a CreateConsent going in, its
// CommandResult (through the typed producer client) and ConsentCreated event coming out, and five seconds later its ConsentExpired.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createRegistry } from '../src/adapters/registry/avro-codec.ts';
import { kafkajsSecurity } from '../src/adapters/kafka/kafka-security.ts';
import { clientConnectionOf } from './client-connection.ts';
import { loadConfig } from '../src/config/config.ts';
import { ConsentWorkerClient } from '../src/client/index.ts';
import { TopicCollector } from '../test/support/topic-collector.ts';

process.removeAllListeners('warning');
const config = loadConfig();
const t = config.topics;
const kafka = new Kafka({ clientId: 'consent-worker-demo', brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING, ...kafkajsSecurity(config.kafkaSecurity) });
const registry = createRegistry(config.schemaRegistryUrl, config.schemaRegistryAuth, config.schemaRegistryTls);
// The worker creates its topics as it starts; wait for them rather than race it.
const admin = kafka.admin();
await admin.connect();
for (let waited = 0; ; waited += 500) {
  const topics = new Set(await admin.listTopics());
  if ([t.consentCommands, t.consentResults, t.consentEvents].every((name) => topics.has(name))) break;
  if (waited > 60_000) throw new Error('the worker did not create its topics within 60 s; see its log above');
  await new Promise((resolve) => setTimeout(resolve, 500));
}
await admin.disconnect();
// The typed producer client (src/client) sends and awaits the result; events are read apart.
const client = await ConsentWorkerClient.connect({ ...clientConnectionOf(config), topics: t, timeoutMs: 60_000 });
const collector = new TopicCollector(kafka, registry, [t.consentEvents]);
await collector.start([t.consentEvents], `demo-${randomUUID()}`);

const consentId = `demo-${randomUUID().slice(0, 8)}`;
const payload = {
  consentId, serviceId: 'newsletter', userId: 'user-42', status: 'ACTIVE', consentType: 'marketing',
  consentData: { channel: 'email' }, expiryTime: new Date(Date.now() + 5_000).toISOString(),
} as const;
const show = (label: string, value: unknown): void => console.log(`\n${label}\n${JSON.stringify(value, null, 2)}`);

show(`→ ${t.consentCommands}  CreateConsent (key ${consentId})`, payload);
const result = await client.send({ commandType: 'CreateConsent', payload });
show(`← ${t.consentResults}  (key ${result.commandId})`, result);
for (const eventType of ['ConsentCreated', 'ConsentExpired']) {
  const event = await collector.waitFor(
    (all) => all.find((r) => r.topic === t.consentEvents && r.key === consentId && (r.value as { eventType?: string })?.eventType === eventType),
    eventType, 60_000);
  show(`← ${t.consentEvents}  ${eventType} (key ${consentId})`, event.value);
}
await collector.stop();
await client.close();

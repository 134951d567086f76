// A BenchClient by name.
import type { BenchClient, ClientName } from './bench-client.ts';
import { kafkajsClient } from './kafkajs-client.ts';
import { platformaticClient } from './platformatic-client.ts';

export function benchClient(name: ClientName, brokers: readonly string[], clientId: string): BenchClient {
  return name === 'kafkajs' ? kafkajsClient(brokers, clientId) : platformaticClient(brokers, clientId);
}

// The producer client's connection options from the worker's configuration (the same variables:
// brokers, registry, TLS, SASL, registry auth), for the tools and tests that run it beside a worker.
import type { ClientOptions } from '../src/client/options.ts';
import type { Config } from '../src/config/config.ts';

export type ClientConnection = Pick<ClientOptions, 'brokers' | 'registryUrl' | 'ssl' | 'sasl' | 'registryAuth' | 'registryCa'>;

export function clientConnectionOf(config: Config): ClientConnection {
  const { ssl, sasl } = config.kafkaSecurity;
  return {
    brokers: config.kafkaBrokers,
    registryUrl: config.schemaRegistryUrl,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    ...(config.schemaRegistryAuth ? { registryAuth: config.schemaRegistryAuth } : {}),
    ...(config.schemaRegistryTls ? { registryCa: config.schemaRegistryTls.ca } : {}),
  };
}

// TLS and SASL for every kafkajs client of the project (worker bus, producer client, CLI reader),
// so the three never differ in how they reach a secured broker.
import type { KafkaConfig, SASLOptions } from 'kafkajs';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSecurityOptions {
  /** TLS: `true` trusts the system's CAs; `{ ca }` trusts only that CA (PEM contents). */
  readonly ssl?: boolean | { readonly ca: string };
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string } | null;
}

export function kafkajsSecurity(options: KafkaSecurityOptions): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(options.ssl ? { ssl: options.ssl === true ? true : { ca: [options.ssl.ca] } } : {}),
    ...(options.sasl ? { sasl: { ...options.sasl } as SASLOptions } : {}),
  };
}

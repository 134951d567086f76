// `consent-worker schemas register`: registers every topic schema under `<topic>-value` with
// BACKWARD compatibility (the worker does the same at start) and prints subject and id.
import { createRegistry, registerTopicSchema } from '../../adapters/registry/avro-codec.ts';
import { schemaFileOf, subjectOf, TOPIC_ROLES, TOPICS } from '../../catalogue/topics.ts';
import type { Config } from '../../config/config.ts';
import type { Output } from '../output.ts';

export async function registerSchemas(config: Config, out: Output): Promise<number> {
  const registry = createRegistry(config.schemaRegistryUrl, config.schemaRegistryAuth, config.schemaRegistryTls);
  let failed = false;
  for (const role of TOPIC_ROLES) {
    const topic = config.topics[role];
    const { schema } = TOPICS[role];
    try {
      const { subject, id } = await registerTopicSchema(registry, topic, schema);
      out.line(`${subject.padEnd(32)} id ${id}  (schemas/${schemaFileOf(schema)})`);
    } catch (error) {
      failed = true;
      out.error(`${subjectOf(topic)}: ${(error as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}

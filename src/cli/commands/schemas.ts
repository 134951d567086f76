// `consent-worker schemas register`: registers every topic schema under `<topic>-value` with
// BACKWARD compatibility (the worker does the same at start) and prints subject and id.
import { createRegistry, registerTopicSchema } from '../../adapters/registry/avro-codec.ts';
import type { TopicSchemaName } from '../../adapters/registry/schema-files.ts';
import { policyEventsTopicOf } from '../../catalogue/topics.ts';
import type { Config } from '../../config/config.ts';
import type { Output } from '../output.ts';

export async function registerSchemas(config: Config, out: Output): Promise<number> {
  const registry = createRegistry(config.schemaRegistryUrl, config.schemaRegistryAuth, config.schemaRegistryTls);
  const t = config.topics;
  const pairs: [string, TopicSchemaName][] = [
    [t.consentCommands, 'consent-commands'], [t.consentResults, 'consent-results'], [t.consentEvents, 'consent-events'],
    [policyEventsTopicOf(t.consentEvents), 'service-policy-events'],
    [t.permissionCommands, 'permission-commands'], [t.permissionResults, 'permission-results'], [t.permissionEvents, 'permission-events'],
  ];
  let failed = false;
  for (const [topic, name] of pairs) {
    try {
      const { subject, id } = await registerTopicSchema(registry, topic, name);
      out.line(`${subject.padEnd(32)} id ${id}  (schemas/topics/${name}.avsc)`);
    } catch (error) {
      failed = true;
      out.error(`${topic}-value: ${(error as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}

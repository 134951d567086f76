// `npm run schemas:register`: registers every topic schema under `<topic>-value` with BACKWARD
// compatibility (the worker does the same at start) and prints subject, id and version.
// Exits non-zero, naming the subject, when the registry refuses a schema as incompatible.
import { createRegistry, registerTopicSchema } from '../adapters/registry/avro-codec.ts';
import type { TopicSchemaName } from '../adapters/registry/schema-files.ts';
import { loadConfig } from '../config/config.ts';

const config = loadConfig();
const registry = createRegistry(config.schemaRegistryUrl, config.schemaRegistryAuth);
const t = config.topics;
const pairs: [string, TopicSchemaName][] = [
  [t.consentCommands, 'consent-commands'], [t.consentResults, 'consent-results'], [t.consentEvents, 'consent-events'],
  [t.permissionCommands, 'permission-commands'], [t.permissionResults, 'permission-results'], [t.permissionEvents, 'permission-events'],
];
let failed = false;
for (const [topic, name] of pairs) {
  try {
    const { subject, id } = await registerTopicSchema(registry, topic, name);
    console.log(`${subject.padEnd(32)} id ${id}  (schemas/topics/${name}.avsc)`);
  } catch (error) {
    failed = true;
    console.error(`${topic}-value: ${(error as Error).message}`);
  }
}
process.exit(failed ? 1 : 0);

// `npm run schemas:bundle`: writes schemas/bundled/<name>.avsc, one self-contained schema per
// topic, generated from schemas/topics + schemas/types (which name each other's records and so
// cannot be loaded alone). A producer in another language loads a bundled file as it is
// (fastavro.parse_schema, Confluent's AvroSerializer, Apache Avro's Schema.Parser): see
// docs/producers.md. `npm run schemas:bundle -- --check` writes nothing and exits 1 when the
// committed bundle is stale; test/unit/schemas-bundle.test.ts fails in that case too.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadTopicSchema, SCHEMA_DIR } from '../src/adapters/registry/schema-files.ts';
import { TOPIC_SCHEMAS } from '../src/catalogue/topics.ts';

export const BUNDLE_COMMAND = 'npm run schemas:bundle';

/** File name → content of every bundled schema: the very schema the worker registers, indented. */
export function renderBundles(schemaDir = SCHEMA_DIR): Map<string, string> {
  return new Map([...TOPIC_SCHEMAS].sort().map((name) => {
    const schema = loadTopicSchema(name, schemaDir);
    return [`${name}.avsc`, `${JSON.stringify(JSON.parse(schema), null, 2)}\n`];
  }));
}

/** The names of bundled files that are missing, stale or left over from a removed topic. */
export function staleBundles(schemaDir = SCHEMA_DIR): string[] {
  const bundleDir = path.join(schemaDir, 'bundled');
  const fresh = renderBundles(schemaDir);
  let committed: string[] = [];
  try { committed = readdirSync(bundleDir).filter((f) => f.endsWith('.avsc')); } catch { /* no bundle yet: all stale */ }
  const stale = [...fresh].filter(([file, text]) => !committed.includes(file) || readFileSync(path.join(bundleDir, file), 'utf8') !== text)
    .map(([file]) => file);
  return [...stale, ...committed.filter((file) => !fresh.has(file))].sort();
}

function main(): void {
  const bundleDir = path.join(SCHEMA_DIR, 'bundled');
  if (process.argv.includes('--check')) {
    const stale = staleBundles();
    if (stale.length > 0) {
      console.error(`schemas/bundled is stale (${stale.join(', ')}): run \`${BUNDLE_COMMAND}\` and commit schemas/bundled`);
      process.exit(1);
    }
    console.log('schemas/bundled matches schemas/topics and schemas/types');
    return;
  }
  rmSync(bundleDir, { recursive: true, force: true });
  mkdirSync(bundleDir, { recursive: true });
  for (const [file, text] of renderBundles()) writeFileSync(path.join(bundleDir, file), text);
  console.log(`wrote schemas/bundled/ (${[...renderBundles().keys()].join(', ')})`);
}

if (import.meta.main) main();

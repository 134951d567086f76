// Reads the Avro schemas of schemas/: each topic's schema (schemas/topics) names shared record
// types (schemas/types) by their full name; here they are inlined, the first use of a name
// carrying its definition as Avro requires, so each subject gets one self-contained schema.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { schemaFileOf, type TopicSchemaName } from '../../catalogue/topics.ts';

export const SCHEMA_DIR = path.resolve(import.meta.dirname, '../../../schemas');

export type { TopicSchemaName } from '../../catalogue/topics.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function loadNamedTypes(dir: string): Map<string, Json> {
  const types = new Map<string, Json>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.avsc'))) {
    const schema = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { name: string; namespace: string };
    types.set(`${schema.namespace}.${schema.name}`, schema as unknown as Json);
  }
  return types;
}

function inline(node: Json, types: Map<string, Json>, defined: Set<string>): Json {
  if (typeof node === 'string') {
    const named = types.get(node);
    if (!named || defined.has(node)) return node;
    defined.add(node);
    return inline(named, types, defined);
  }
  if (Array.isArray(node)) return node.map((item) => inline(item, types, defined));
  if (node && typeof node === 'object') {
    const out: Record<string, Json> = {};
    for (const [key, value] of Object.entries(node)) {
      // Only positions that hold a type can name one; docs and defaults are left as written.
      out[key] = key === 'type' || key === 'items' || key === 'values' || key === 'fields' ? inline(value, types, defined) : value;
    }
    return out;
  }
  return node;
}

export function loadTopicSchema(name: TopicSchemaName, dir = SCHEMA_DIR): string {
  const types = loadNamedTypes(path.join(dir, 'types'));
  const root = JSON.parse(readFileSync(path.join(dir, schemaFileOf(name)), 'utf8')) as Json;
  return JSON.stringify(inline(root, types, new Set()));
}

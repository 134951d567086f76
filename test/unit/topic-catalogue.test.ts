import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_DIR } from '../../src/adapters/registry/schema-files.ts';
import { DEFAULT_TOPIC_NAMES, schemaFileOf, TOPIC_SCHEMAS, topicsToCreate } from '../../src/catalogue/topics.ts';
import { loadConfig } from '../../src/config/config.ts';

describe('the topic catalogue', () => {
  it('names every schema file of schemas/topics, and no file that is not there', () => {
    const files = readdirSync(path.join(SCHEMA_DIR, 'topics')).filter((f) => f.endsWith('.avsc')).map((f) => `topics/${f}`);
    expect(TOPIC_SCHEMAS.map(schemaFileOf).sort()).toEqual(files.sort());
  });

  it('gives the configuration its default topic names', () => {
    expect(loadConfig({}).topics).toEqual(DEFAULT_TOPIC_NAMES);
  });

  it('creates the seven topics and a DLQ beside each commands topic', () => {
    expect(topicsToCreate(DEFAULT_TOPIC_NAMES)).toEqual([
      'consent.commands.v1', 'consent.results.v1', 'consent.events.v1', 'consent.events.v1.policies',
      'permission.commands.v1', 'permission.results.v1', 'permission.events.v1',
      'consent.commands.v1.dlq', 'permission.commands.v1.dlq',
    ]);
  });
});

// schemas/bundled/ is generated from schemas/topics + schemas/types (`npm run schemas:bundle`).
// These tests fail when a schema changed without the bundle being regenerated, and prove each
// bundled file loads alone, as a producer in another language loads it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import avsc from 'avsc';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTopicSchema, SCHEMA_DIR, type TopicSchemaName } from '../../src/adapters/registry/schema-files.ts';
import { BUNDLE_COMMAND, renderBundles, staleBundles } from '../../scripts/schemas-bundle.ts';

let scratch: string | null = null;
afterEach(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); scratch = null; });

/** A copy of schemas/ in a temp dir, with a fresh bundle (whatever state the committed one is in). */
function copyOfSchemas(): string {
  scratch = mkdtempSync(path.join(tmpdir(), 'cw-bundle-'));
  cpSync(SCHEMA_DIR, scratch, { recursive: true });
  for (const [file, text] of renderBundles(scratch)) writeFileSync(path.join(scratch, 'bundled', file), text);
  expect(staleBundles(scratch)).toEqual([]);
  return scratch;
}

describe('the bundled schemas', () => {
  it(`are what schemas/topics and schemas/types generate (run \`${BUNDLE_COMMAND}\` after changing a schema)`, () => {
    const stale = staleBundles();
    expect(stale, `schemas/bundled is stale: run \`${BUNDLE_COMMAND}\` and commit schemas/bundled`).toEqual([]);
  });

  it('go stale when a shared record type gains an optional field', () => {
    const dir = copyOfSchemas();
    const target = path.join(dir, 'types/CreateConsent.avsc');
    const schema = JSON.parse(readFileSync(target, 'utf8')) as { fields: unknown[] };
    schema.fields.push({ name: 'channel', type: ['null', 'string'], default: null });
    writeFileSync(target, JSON.stringify(schema));
    expect(staleBundles(dir)).toEqual(['consent-commands.avsc']);
  });

  it('go stale when a bundled file is missing or one is left over', () => {
    const dir = copyOfSchemas();
    rmSync(path.join(dir, 'bundled/consent-results.avsc'));
    writeFileSync(path.join(dir, 'bundled/consent-audit.avsc'), '{}');
    expect(staleBundles(dir)).toEqual(['consent-audit.avsc', 'consent-results.avsc']);
  });

  it('are each the schema the worker registers, and load alone with no other file', () => {
    for (const [file, text] of renderBundles()) {
      const name = file.slice(0, -'.avsc'.length) as TopicSchemaName;
      expect(JSON.parse(text), file).toEqual(JSON.parse(loadTopicSchema(name)));
      // avsc, like fastavro and Apache Avro, refuses a schema naming a type it was not given.
      expect(() => avsc.Type.forSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, 'bundled', file), 'utf8')) as avsc.Schema), file).not.toThrow();
    }
    expect(() => avsc.Type.forSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, 'topics/consent-commands.avsc'), 'utf8')) as avsc.Schema))
      .toThrow(/consentworker\.v1\.Actor/);
  });
});

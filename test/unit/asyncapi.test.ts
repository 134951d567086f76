// docs/asyncapi.json is generated from schemas/ (npm run asyncapi). These tests fail when a
// schema changes without the document being regenerated, and when the document is not valid
// AsyncAPI 3 (checked by the AsyncAPI initiative's own parser, which also reads each payload through
// its Avro schema parser).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AvroSchemaParser } from '@asyncapi/avro-schema-parser';
import { Parser } from '@asyncapi/parser';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_DIR } from '../../src/adapters/registry/schema-files.ts';
import { renderAsyncApi } from '../../src/asyncapi/asyncapi-document.ts';

const COMMITTED = path.resolve(import.meta.dirname, '../../docs/asyncapi.json');
const committed = (): string => readFileSync(COMMITTED, 'utf8');

let scratch: string | null = null;
afterEach(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); scratch = null; });

/** A copy of schemas/ in a temp dir, with `edit` applied to one of its files. */
function schemasWith(file: string, edit: (schema: Record<string, unknown>) => void): string {
  scratch = mkdtempSync(path.join(tmpdir(), 'cw-schemas-'));
  cpSync(SCHEMA_DIR, scratch, { recursive: true });
  const target = path.join(scratch, file);
  const schema = JSON.parse(readFileSync(target, 'utf8')) as Record<string, unknown>;
  edit(schema);
  writeFileSync(target, JSON.stringify(schema));
  return scratch;
}

describe('the AsyncAPI document', () => {
  it('is what schemas/ generates (run `npm run asyncapi` after changing a schema)', () => {
    expect(committed()).toBe(renderAsyncApi());
  });

  it('no longer matches when a shared record type gains a field', () => {
    const dir = schemasWith('types/CreateConsent.avsc', (s) => {
      (s['fields'] as unknown[]).push({ name: 'channel', type: ['null', 'string'], default: null });
    });
    expect(renderAsyncApi(dir)).not.toBe(committed());
  });

  it('no longer matches when a field of a topic schema changes its doc', () => {
    const dir = schemasWith('topics/permission-events.avsc', (s) => {
      (s['fields'] as { doc?: string }[])[0]!.doc = 'changed';
    });
    expect(renderAsyncApi(dir)).not.toBe(committed());
  });

  it('is valid AsyncAPI 3 with nine channels, each Avro payload parsed as Avro', async () => {
    const parser = new Parser();
    parser.registerSchemaParser(AvroSchemaParser());
    const { document, diagnostics } = await parser.parse(committed());
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().all().map((c) => c.address()).sort()).toEqual([
      'consent.commands.v1', 'consent.commands.v1.dlq', 'consent.events.v1', 'consent.events.v1.policies', 'consent.results.v1',
      'permission.commands.v1', 'permission.commands.v1.dlq', 'permission.events.v1', 'permission.results.v1',
    ]);
    // The Avro parser turned the command schema into JSON Schema: it was read as Avro, not skipped.
    const command = document?.messages().all().find((m) => m.name() === 'ConsentCommand');
    expect((command?.payload()?.json() as { schema?: { required?: string[] } }).schema?.required).toContain('commandId');
  });
});

// The layering rules of .dependency-cruiser.js, run exactly as `npm run lint` runs them (the same
// CLI and config), on a small tree of fixture files written to a temporary folder, and on src/.
// The fixtures sit one and two folders deep on purpose: the eslint patterns these rules replaced
// matched one folder level only, so '../../pipeline/ports.ts' from src/domain/consent/ passed.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.js');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
  readonly cycle?: readonly unknown[];
}

/** Runs the lint's dependency-cruiser over `folder` of `cwd`; the violations it reports. */
function cruise(cwd: string, folder: string): Violation[] {
  const run = spawnSync(process.execPath, [DEPCRUISE, folder, '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8' });
  if (run.stdout === '') throw new Error(`depcruise printed nothing (exit ${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

// Each fixture file: its imports, and what the rules must say of them.
const FIXTURES: Record<string, string> = {
  // Targets the imports resolve to.
  'src/pipeline/ports.ts': 'export interface LockService { readonly held: boolean }\n',
  'src/pipeline/apply-round.ts': 'export const applyRound = (): void => undefined;\n',
  'src/domain/consent/consent.ts': 'export interface Consent { readonly consentId: string }\n',
  'src/adapters/redis/redis-services.ts': 'export const connectRedis = (): void => undefined;\n',
  // Refused: the domain reaching two folders up into the pipeline (the hole of the eslint patterns).
  'src/domain/consent/x.ts': "import type { LockService } from '../../pipeline/ports.ts';\nexport type L = LockService;\n",
  // Refused: the domain doing I/O through a node built-in, however deep.
  'src/domain/consent/deep/reads-files.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  // Allowed: node:crypto does no I/O.
  'src/domain/consent/hash.ts': "import { createHash } from 'node:crypto';\nexport const sha = (s: string): string => createHash('sha256').update(s).digest('hex');\n",
  // Refused: a family importing an adapter from two folders down.
  'src/families/consent-expiry/y.ts': "import { connectRedis } from '../../adapters/redis/redis-services.ts';\nexport const c = connectRedis;\n",
  // Allowed: a family on the pipeline's ports and the domain, from the same depth.
  'src/families/consent-expiry/allowed.ts':
    "import type { LockService } from '../../pipeline/ports.ts';\nimport type { Consent } from '../../domain/consent/consent.ts';\nexport type A = [LockService, Consent];\n",
  // Refused: a server client library inside the pipeline.
  'src/pipeline/deep/uses-kafka.ts': "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n",
  // Refused: the api reaching into a pipeline internal; allowed: the api on the pipeline's ports.
  'src/api/routes/internal.ts': "import { applyRound } from '../../pipeline/apply-round.ts';\nexport const a = applyRound;\n",
  'src/api/routes/ports.ts': "import type { LockService } from '../../pipeline/ports.ts';\nexport type P = LockService;\n",
  // Refused: a cycle (the shape server.ts ↔ routes/* had).
  'src/api/server.ts': "import { route } from './routes/route.ts';\nexport const server = route;\nexport type Deps = string;\n",
  'src/api/routes/route.ts': "import type { Deps } from '../server.ts';\nexport const route = (d: Deps): Deps => d;\n",
};

describe('the layering rules (npm run lint)', () => {
  let fixture = '';
  let violations: Violation[] = [];

  beforeAll(() => {
    fixture = mkdtempSync(join(tmpdir(), 'boundaries-'));
    for (const [path, text] of Object.entries(FIXTURES)) {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), text);
    }
    cpSync(join(ROOT, 'tsconfig.json'), join(fixture, 'tsconfig.json'));
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(fixture, 'node_modules'));
    violations = cruise(fixture, 'src');
  });
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  const refused = (): string[] => violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

  it('refuses a deep import from the domain into the pipeline, and node I/O in the domain', () => {
    expect(refused()).toContain('domain-is-pure: src/domain/consent/x.ts -> src/pipeline/ports.ts');
    expect(refused()).toContain('domain-is-pure: src/domain/consent/deep/reads-files.ts -> fs');
  });

  it('refuses a deep import of an adapter by a family, and a server client in the pipeline', () => {
    expect(refused()).toContain('families-on-the-pipeline: src/families/consent-expiry/y.ts -> src/adapters/redis/redis-services.ts');
    expect(refused()).toEqual(expect.arrayContaining([expect.stringMatching(/^server-clients-only-in-adapters: src\/pipeline\/deep\/uses-kafka\.ts -> .*node_modules\/kafkajs\//)]));
  });

  it('refuses the api a pipeline internal, and an import cycle', () => {
    expect(refused()).toContain('api-uses-pipeline-ports-only: src/api/routes/internal.ts -> src/pipeline/apply-round.ts');
    // A cycle is reported once, from the first of its files that the cruise meets.
    expect(refused().filter((v) => v.startsWith('no-circular:'))).toEqual(['no-circular: src/api/routes/route.ts -> src/api/server.ts']);
  });

  it('lets the allowed imports through, and refuses nothing else', () => {
    expect(violations).toHaveLength(6);
    const from = new Set(violations.map((v) => v.from));
    for (const allowed of ['src/domain/consent/hash.ts', 'src/families/consent-expiry/allowed.ts', 'src/api/routes/ports.ts']) {
      expect(from).not.toContain(allowed);
    }
  });

  it('finds no violation and no import cycle in the real src/', () => {
    expect(cruise(ROOT, 'src')).toEqual([]);
  });
});

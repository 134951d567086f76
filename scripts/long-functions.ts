// `node scripts/long-functions.ts [limit]`: every function of src/ longer than `limit` lines (60
// by default), measured with the TypeScript compiler API (a function's lines from its first to
// its last, comments and blanks inside it included, nested functions counted in their parent
// too). test/unit/long-functions.test.ts fails when one over 60 lines is not in LONG_ALLOWED
// below with the reason it stays long, or when an entry there names a function that is no longer
// long (so the list only shrinks).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const LINE_LIMIT = 60;
const ROOT = path.resolve(import.meta.dirname, '..');

/** `<file from the repository root>#<function>` → why it is still long. */
export const LONG_ALLOWED: Readonly<Record<string, string>> = {
  // Long by their nature: one flat list read top to bottom, with nothing to name apart.
  'src/config/config.ts#loadConfig': 'the validated environment mapped onto Config field by field: a flat list',
  'src/domain/permission/commands.ts#parsePayloadAsPermissionType': 'one case per command type, each the field checks of its payload: a table',
  'src/domain/consent/commands.ts#parsePayloadAsConsentType': 'one case per command type, each the field checks of its payload: a table',
  'src/api/server.ts#buildApiServer': 'fastify set-up in the order fastify needs: plugins, auth hook, error handler, routes',
  'src/api/routes/consents.ts#consentRoutes': 'one route registration per endpoint, each with its schema: a list',
  'src/adapters/mongodb/consent-reads.ts#mongoReadStore': 'not split yet: the read store object, one short method per query over one client',
  'src/families/permission-family.ts#permissionFamily': 'the family object: one method per pipeline hook (load, decide, write, publish), each short',
  'src/pipeline/outbox-clears.ts#startOutboxClears': 'not split yet: queue, pump and timer share the queue; others are changing src/pipeline this session',
  'src/pipeline/handle-message.ts#handleTracedChunk': 'not split yet: decode, lease, apply, answer of one chunk in order, traced; others are changing src/pipeline this session',
  'src/pipeline/apply-round.ts#applyLeasedRound': 'not split yet: load, decide, write, publish of one leased round in order; others are changing src/pipeline this session',
};

export interface FunctionLength {
  /** `<file>#<name>`, the key of LONG_ALLOWED. */
  readonly id: string;
  readonly lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  return `<anonymous at line ${line}>`;
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node)
    || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Every function of the files under `dir` longer than `limit` lines, longest first. */
export function longFunctions(limit = LINE_LIMIT, dir = path.join(ROOT, 'src')): FunctionLength[] {
  const found: FunctionLength[] = [];
  for (const file of filesUnder(dir)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (isFunction(node) && node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = last - first + 1;
        if (lines > limit) found.push({ id: `${path.relative(ROOT, file)}#${nameOf(node, source)}`, lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found.sort((a, b) => b.lines - a.lines || a.id.localeCompare(b.id));
}

if (import.meta.main) {
  const limit = Number(process.argv[2] ?? LINE_LIMIT);
  const long = longFunctions(limit);
  for (const { id, lines } of long) console.log(`${String(lines).padStart(4)}  ${id}${LONG_ALLOWED[id] ? '' : '  (no reason given)'}`);
  console.log(`${long.length} functions over ${limit} lines`);
}

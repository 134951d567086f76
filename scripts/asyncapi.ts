// `npm run asyncapi`: writes docs/asyncapi.json from schemas/ (see src/asyncapi/asyncapi-document.ts).
// `npm run asyncapi -- --check` writes nothing and exits 1 when the committed document is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderAsyncApi } from '../src/asyncapi/asyncapi-document.ts';

const target = path.resolve(import.meta.dirname, '../docs/asyncapi.json');
const fresh = renderAsyncApi();
if (process.argv.includes('--check')) {
  const committed = readFileSync(target, 'utf8');
  if (committed !== fresh) {
    console.error('docs/asyncapi.json does not match schemas/: run `npm run asyncapi` and commit it');
    process.exit(1);
  }
  console.log('docs/asyncapi.json matches schemas/');
} else {
  writeFileSync(target, fresh);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}

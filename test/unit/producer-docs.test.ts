// docs/producers.md quotes the Python example: every line it quotes must still be in the file the
// integration test runs, so the page cannot drift from the code that is known to work.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

describe('docs/producers.md', () => {
  it('quotes only lines that are in docs/examples/python/produce_consent.py', () => {
    const example = new Set(read('docs/examples/python/produce_consent.py').split('\n').map((line) => line.trim()));
    const quoted = [...read('docs/producers.md').matchAll(/```python\n([\s\S]*?)```/g)].flatMap((block) => (block[1] ?? '').split('\n'))
      .map((line) => line.trim()).filter((line) => line !== '');
    expect(quoted.length).toBeGreaterThan(10);
    expect(quoted.filter((line) => !example.has(line))).toEqual([]);
  });
});

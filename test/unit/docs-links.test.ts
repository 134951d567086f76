import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anchorsOf, brokenLinksOf, documentationFiles, githubSlug } from '../support/markdown-links.ts';

const repoRoot = path.join(import.meta.dirname, '../..');
// The README is a front door; the lab notebook lives in docs/.
const README_MAX_LINES = 300;

describe('the repository documentation', () => {
  it('has no link to a missing file, a missing #anchor or outside the repository', () => {
    const files = documentationFiles(repoRoot);
    expect(files).toContain('docs/contract.md');
    expect(files.flatMap((file) => brokenLinksOf(repoRoot, file))).toEqual([]);
  });

  it(`keeps README.md at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(path.join(repoRoot, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('links every docs page from the README or the docs index', () => {
    const linked = ['README.md', 'docs/README.md']
      .map((file) => readFileSync(path.join(repoRoot, file), 'utf8'))
      .join('\n');
    const unlinked = documentationFiles(repoRoot)
      .filter((file) => file.startsWith('docs/') && file !== 'docs/README.md')
      .filter((file) => !linked.includes(`(${file})`) && !linked.includes(`(${file.slice('docs/'.length)})`));
    expect(unlinked).toEqual([]);
  });
});

describe('the link check', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'docs-links-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function repoWith(pages: Record<string, string>): string {
    const root = mkdtempSync(path.join(scratch, 'repo-'));
    for (const [file, text] of Object.entries(pages)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    return root;
  }

  it('slugs headings as GitHub does', () => {
    expect(githubSlug('Results and status codes')).toBe('results-and-status-codes');
    expect(githubSlug('Change events (`*.events.v1`)')).toBe('change-events-eventsv1');
    expect(githubSlug('Topics, subjects and schema ids')).toBe('topics-subjects-and-schema-ids');
    expect(githubSlug('2026-12-03 10:00 and 09:49 UTC: after the batched pipeline'))
      .toBe('2026-12-03-1000-and-0949-utc-after-the-batched-pipeline');
    expect([...anchorsOf('# Runs\n## Runs\n```\n# not a heading\n```\n')]).toEqual(['runs', 'runs-1']);
  });

  it('accepts links to existing files, directories, headings and other sites', () => {
    const root = repoWith({
      'README.md': '[a](docs/a.md#the-heading) [b](docs/) [c](#top) [d](https://example.org/x)\n# Top\n',
      'docs/a.md': '## The heading\n[up](../README.md#top) `[code](../../nowhere.md)`\n',
    });
    expect(brokenLinksOf(root, 'README.md')).toEqual([]);
    expect(brokenLinksOf(root, 'docs/a.md')).toEqual([]);
  });

  it('refuses a link to a file that does not exist', () => {
    const root = repoWith({ 'README.md': 'see [the page](docs/gone.md)\n' });
    expect(brokenLinksOf(root, 'README.md')).toEqual([
      { file: 'README.md', line: 1, target: 'docs/gone.md', why: 'no such file in the repository' },
    ]);
  });

  it('refuses an anchor that no heading of the target has', () => {
    const root = repoWith({ 'README.md': '# Intro\n\n[x](docs/a.md#renamed) [y](#intro) [z](#outro)\n', 'docs/a.md': '## Original\n' });
    expect(brokenLinksOf(root, 'README.md').map((broken) => broken.target)).toEqual(['docs/a.md#renamed', '#outro']);
  });

  it('refuses a link that leaves the repository, as ../shared/contract.md did', () => {
    const root = repoWith({ 'README.md': '[contract](../shared/contract.md)\n', 'docs/a.md': '[x](../../outside.md) [y](/etc/passwd)\n' });
    expect(brokenLinksOf(root, 'README.md')[0]?.why).toBe('leaves the repository');
    expect(brokenLinksOf(root, 'docs/a.md').map((broken) => broken.why))
      .toEqual(['leaves the repository', 'an absolute path: write it relative to this page']);
  });
});

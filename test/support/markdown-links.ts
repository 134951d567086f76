// Checks the links of the repository's markdown the way GitHub renders them, so a page moved or a
// heading renamed breaks a fast test instead of a reader's click. Pure except for reading files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface BrokenLink {
  file: string; // relative to the repository root
  line: number;
  target: string;
  why: string;
}

const FENCE = /^\s*(```|~~~)/;
// [text](target) and ![alt](target), with an optional "title"; text may hold code spans.
const INLINE_LINK = /!?\[(?:[^\]`]|`[^`]*`)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/;
// Links to other sites are not the repository's to keep; a scheme is what tells them apart.
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Lines outside fenced code blocks, with their 1-based numbers (code is not rendered as links). */
function proseLines(markdown: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, index) => {
    if (FENCE.test(text)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) lines.push({ text, line: index + 1 });
  });
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
export function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading anchors by its text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a markdown page offers, repeated headings numbered as GitHub does (-1, -2, …). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const slug = githubSlug(heading[1]!);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The link targets of a page with their line numbers, in order. */
export function linksOf(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  for (const { text, line } of proseLines(markdown)) {
    const definition = REFERENCE_DEFINITION.exec(text);
    if (definition) {
      links.push({ target: definition[1]!, line });
      continue;
    }
    // A code span outside a link's text is literal: `[a](b)` in backticks is not a link.
    const outsideCode = text.replace(/(?<!\[[^\]]*)`[^`]*`/g, (span) => ' '.repeat(span.length));
    for (const match of outsideCode.matchAll(INLINE_LINK)) links.push({ target: match[1]!, line });
  }
  return links;
}

/** Broken links of one page: a missing file, a missing #anchor, or a path out of the repository. */
export function brokenLinksOf(repoRoot: string, file: string): BrokenLink[] {
  const root = path.resolve(repoRoot);
  const absolute = path.resolve(root, file);
  const broken: BrokenLink[] = [];
  for (const { target, line } of linksOf(readFileSync(absolute, 'utf8'))) {
    const report = (why: string) => broken.push({ file: path.relative(root, absolute), line, target, why });
    if (URL_SCHEME.test(target)) continue;
    const [rawPath = '', anchor] = target.split('#', 2) as [string, string | undefined];
    const linkPath = decodeURIComponent(rawPath);
    if (linkPath.startsWith('/')) {
      report('an absolute path: write it relative to this page');
      continue;
    }
    const resolved = linkPath === '' ? absolute : path.resolve(path.dirname(absolute), linkPath);
    const inside = path.relative(root, resolved);
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      report('leaves the repository');
      continue;
    }
    if (!existsSync(resolved)) {
      report('no such file in the repository');
      continue;
    }
    if (anchor === undefined || anchor === '' || !resolved.endsWith('.md') || statSync(resolved).isDirectory()) continue;
    if (!anchorsOf(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor))) {
      report(`no heading with the anchor #${anchor} in ${path.relative(root, resolved)}`);
    }
  }
  return broken;
}

/** README.md and every markdown file under docs/, relative to the repository root. */
export function documentationFiles(repoRoot: string): string[] {
  const docs = path.join(repoRoot, 'docs');
  const pages = existsSync(docs)
    ? readdirSync(docs, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.md'))
      .map((name) => path.join('docs', name))
    : [];
  return ['README.md', ...pages.sort()];
}

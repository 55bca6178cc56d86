import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../internal/errors.js';

// Characters of a doc section returned to an agent at once: about 1,500 tokens.
const SECTION_MAX_CHARS = 6_000;

/** One methodology page, served as an MCP resource and searched by `explain_methodology`. */
export type DocPage = { topic: string; uri: string; title: string; text: string };

export type DocsLibrary = {
  pages: readonly DocPage[];
  /** A page's section (by heading text) or, without one, the page's headings. */
  explain(topic: string, section?: string): Record<string, unknown>;
};

/** `docs/` next to `src/` or `dist/`: the repository's docs folder. */
export function defaultDocsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
}

type Heading = { level: number; text: string; start: number };

function headings(text: string): Heading[] {
  const out: Heading[] = [];
  const re = /^(#{1,4})\s+(.+)$/gm;
  let inFence = false;
  let offset = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    re.lastIndex = 0;
    const m = !inFence ? re.exec(line) : null;
    if (m) out.push({ level: m[1]!.length, text: m[2]!.trim(), start: offset });
    offset += line.length + 1;
  }
  return out;
}

/** Load the markdown pages of a docs folder (none if it is missing: the tools then say so). */
export function loadDocs(dir = defaultDocsDir()): DocsLibrary {
  const pages: DocPage[] = [];
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.md')) continue;
      const text = readFileSync(path.join(dir, file), 'utf8');
      const topic = file.slice(0, -3);
      const title = headings(text)[0]?.text ?? topic;
      pages.push({ topic, uri: `sextant://docs/${topic}`, title, text });
    }
  }
  return {
    pages,
    explain(topic, section) {
      const page = pages.find((p) => p.topic === topic.toLowerCase().trim());
      if (!page)
        throw new NotFoundError(
          `no methodology page '${topic}'; topics: ${pages.map((p) => p.topic).join(', ') || '(none installed)'}`,
        );
      const hs = headings(page.text);
      if (section === undefined) {
        return {
          source: page.uri,
          title: page.title,
          sections: hs.filter((h) => h.level >= 2 && h.level <= 3).map((h) => h.text),
        };
      }
      const want = section.toLowerCase();
      const i = hs.findIndex((h) => h.text.toLowerCase().includes(want));
      if (i < 0) {
        throw new NotFoundError(
          `no section matching '${section}' in ${page.topic}; sections: ${hs
            .filter((h) => h.level >= 2 && h.level <= 3)
            .map((h) => h.text)
            .join(' | ')}`,
        );
      }
      const h = hs[i]!;
      const next = hs.slice(i + 1).find((n) => n.level <= h.level);
      const body = page.text.slice(h.start, next?.start ?? page.text.length).trim();
      return {
        source: `${page.uri}#${h.text}`,
        text: body.length > SECTION_MAX_CHARS ? `${body.slice(0, SECTION_MAX_CHARS)}\n…(truncated)` : body,
      };
    },
  };
}

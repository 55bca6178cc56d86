import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeSettings } from '../src/internal/config.js';
import { ERROR_CODES } from '../src/internal/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const errorsDoc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

/** Markdown table rows as trimmed cells (the formatter pads cells with spaces). */
function tableRows(md: string): string[][] {
  return md
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

describe('docs stay true', () => {
  it('the README configuration table lists every setting with its flag and default', () => {
    for (const s of describeSettings()) {
      const row = tableRows(readme).find((r) => r[0] === `\`${s.env}\``);
      expect(row, `README row for ${s.env}`).toBeDefined();
      expect(row?.[1]).toBe(`\`--${s.flag}\``);
      if (s.default !== undefined) expect(row?.[2]).toBe(`\`${JSON.stringify(s.default)}\``);
    }
  });

  it('the README quick start is two commands: install+start, then npm test', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toMatch(/^npm test\b/m);
  });

  it('docs/errors.md lists every error code with its status', () => {
    const rows = tableRows(errorsDoc);
    for (const e of ERROR_CODES)
      expect(rows.find((r) => r[0] === `\`${e.code}\``)?.[1]).toBe(String(e.status));
  });
});

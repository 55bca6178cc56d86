import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeSettings } from '../src/internal/config.js';
import { ERROR_CODES } from '../src/internal/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const errorsDoc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

describe('docs stay true', () => {
  it('the README configuration table lists every setting with its flag and default', () => {
    for (const s of describeSettings()) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${s.env}\` |`));
      expect(row, `README row for ${s.env}`).toBeDefined();
      expect(row).toContain(`\`--${s.flag}\``);
      if (s.default !== undefined) expect(row).toContain(`\`${JSON.stringify(s.default)}\``);
    }
  });

  it('the README quick start is two commands: install+start, then npm test', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toMatch(/^npm test\b/m);
  });

  it('docs/errors.md lists every error code with its status', () => {
    for (const e of ERROR_CODES) expect(errorsDoc).toContain(`| \`${e.code}\` | ${e.status} |`);
  });
});

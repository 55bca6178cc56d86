#!/usr/bin/env node
// Entry point of the `sextant` CLI. The TypeScript sources are compiled to dist/ by `npm install`
// (the `prepare` script) or `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'sextant: dist/ is missing: run `npm install` (or `npm run build`) in the project first\n',
  );
  process.exit(2);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
// Let buffered log lines drain before exiting.
process.exitCode = code;
if (!process.argv.slice(2).includes('serve') || code !== 0) setTimeout(() => process.exit(code), 50).unref();

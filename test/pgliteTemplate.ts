import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pgliteVersion = (
  JSON.parse(
    readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  }
).version;

/** Where the initialised PGlite template lives (one per PGlite version). */
export const PGLITE_TEMPLATE_DIR = join(tmpdir(), `sextant-pglite-template-${pgliteVersion}`);

/** Seed `dataDir/pgdata` from the template, if it exists (else PGlite runs initdb itself). */
export function seedPgliteDataDir(dataDir: string): void {
  if (!existsSync(join(PGLITE_TEMPLATE_DIR, 'PG_VERSION'))) return;
  mkdirSync(dataDir, { recursive: true });
  cpSync(PGLITE_TEMPLATE_DIR, join(dataDir, 'pgdata'), { recursive: true });
}

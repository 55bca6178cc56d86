import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_TEMPLATE_DIR } from './pgliteTemplate.js';

/**
 * Build an initialised (empty, unmigrated) PGlite data directory once per machine. Tests copy it
 * instead of running initdb in each fresh directory (~0.5 s instead of ~4 s per test server).
 */
export default async function setup(): Promise<void> {
  if (existsSync(`${PGLITE_TEMPLATE_DIR}/PG_VERSION`)) return;
  const tmp = `${PGLITE_TEMPLATE_DIR}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const db = new PGlite(tmp);
  await db.waitReady;
  await db.close();
  rmSync(PGLITE_TEMPLATE_DIR, { recursive: true, force: true });
  renameSync(tmp, PGLITE_TEMPLATE_DIR);
}

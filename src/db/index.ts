export {
  type CopyColumnType,
  copyTextLine,
  createDb,
  type Db,
  type DbOptions,
  encodeCopyBinary,
  pgArray,
  type Queryable,
} from './client.js';
export { type DataDirLock, type LockHolder, lockDataDir, readLockHolder } from './lock.js';
export {
  latestMigration,
  MIGRATIONS,
  type MigrateResult,
  type Migration,
  type MigrationStatus,
  migrate,
  migrationStatus,
} from './migrations.js';

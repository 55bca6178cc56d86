import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirLockedError } from '../internal/errors.js';

/** Who holds a data directory. */
export type LockHolder = {
  pid: number;
  command: string;
  startedAt: string;
  /** Set while a server runs: where its admin channel listens. */
  adminSocket?: string;
};

export type DataDirLock = {
  readonly path: string;
  /** Rewrite the holder record (e.g. once the admin socket listens). */
  update(patch: Partial<LockHolder>): void;
  release(): void;
};

const LOCK_FILE = 'sextant.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of `dir`'s lock, or null when unlocked or the holder died. */
export function readLockHolder(dir: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' && alive(holder.pid) ? holder : null;
  } catch {
    return null;
  }
}

/**
 * Take the exclusive lock on a data directory. PGlite is single-process: a second process
 * opening the same files would corrupt them, so every opener goes through here first.
 * A lock left by a dead process is taken over.
 */
export function lockDataDir(dir: string, command: string): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  let holder: LockHolder = { pid: process.pid, command, startedAt: new Date().toISOString() };
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify(holder), { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        // link(2) fails with EEXIST if the lock exists: atomic create-if-absent with full content.
        linkSync(tmp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
        const current = readLockHolder(dir);
        if (current) {
          throw new DataDirLockedError(
            `data directory ${dir} is in use by process ${current.pid} (sextant ${current.command}, since ${current.startedAt})`,
            current.pid,
          );
        }
        // Stale lock from a dead process: remove and retry.
        try {
          unlinkSync(path);
        } catch {}
      }
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {}
  }
  let released = false;
  const onExit = () => release();
  function release() {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    try {
      const current = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
      if (current.pid === process.pid) unlinkSync(path);
    } catch {}
  }
  process.on('exit', onExit);
  return {
    path,
    update(patch) {
      holder = { ...holder, ...patch };
      const t = `${path}.${process.pid}.upd.tmp`;
      writeFileSync(t, JSON.stringify(holder), { mode: 0o600 });
      renameSync(t, path);
    },
    release,
  };
}

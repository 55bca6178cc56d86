import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const SECRET_FILE_MODE = 0o600;

/**
 * Writes a secret file atomically with mode 0600: a temp file in the same directory is written, fsynced
 * and renamed over `path` (then the directory is fsynced), so readers see the old or the new file, never half.
 */
export async function writeSecretFile(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx' fails if the temp name exists, so we never follow a planted symlink.
  const handle = await open(tmp, 'wx', SECRET_FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.chmod(SECRET_FILE_MODE); // in case the umask widened/narrowed the create mode
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  // Persist the rename itself; some platforms refuse to open directories, which is fine to ignore.
  const dirHandle = await open(dir, 'r').catch(() => undefined);
  if (dirHandle) {
    await dirHandle.sync().catch(() => {});
    await dirHandle.close();
  }
}

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeSettings } from '../src/internal/config.js';

/** The project root, and the CLI entry tests spawn. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'sextant.js');
const DIST_ENTRY = join(ROOT, 'dist', 'cli', 'main.js');
const BUILD_LOCK_DIR = join(
  tmpdir(),
  `sextant-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`,
);
export const BUILD_WAIT_MS = 240_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function newestSourceMtimeMs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSourceMtimeMs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Compile src/ to dist/ when dist is older than the sources (bin/sextant.js runs dist). Test files
 * run in parallel, so a lock directory keeps two of them from writing dist/ at once.
 */
export async function ensureBuilt(): Promise<void> {
  const deadline = Date.now() + BUILD_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK_DIR);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than the wait bound was left by a killed run.
      try {
        if (Date.now() - statSync(BUILD_LOCK_DIR).mtimeMs > BUILD_WAIT_MS)
          rmSync(BUILD_LOCK_DIR, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error('timed out waiting for another test file to build dist/');
      await sleep(250);
    }
  }
  try {
    const builtAt = existsSync(DIST_ENTRY) ? statSync(DIST_ENTRY).mtimeMs : 0;
    if (newestSourceMtimeMs(join(ROOT, 'src')) <= builtAt) return;
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT });
    } catch (err) {
      // tsc still emits on type errors (src/ may be mid-edit): only a missing entry point is fatal.
      const e = err as { stdout?: string; stderr?: string };
      if (!existsSync(DIST_ENTRY)) throw new Error(`npm run build failed:\n${e.stdout}${e.stderr}`);
      console.warn(`tsc reported errors; testing the emitted dist/ anyway:\n${e.stdout ?? ''}`);
    }
  } finally {
    rmSync(BUILD_LOCK_DIR, { recursive: true, force: true });
  }
}

/** A `node bin/sextant.js …` child process with its output collected. */
export type CliChild = {
  proc: ChildProcess;
  out: string;
  err: string;
  /** Resolves once the process exited and its output streams closed. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Spawn `node bin/sextant.js ...args`; tracked in `children` until it exits. */
export function spawnSextant(args: string[], env: NodeJS.ProcessEnv, children: Set<CliChild>): CliChild {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const child: CliChild = {
    proc,
    out: '',
    err: '',
    closed: new Promise((resolve) => {
      proc.once('close', (code, signal) => {
        children.delete(child);
        resolve({ code, signal });
      });
    }),
  };
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    child.out += d;
  });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    child.err += d;
  });
  children.add(child);
  return child;
}

/**
 * The test process's environment without any Sextant setting (so a developer's exported
 * `DATABASE_URL` or `PORT` cannot leak into a child), plus `extra`.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const s of describeSettings()) delete env[s.env];
  return { ...env, ...extra };
}

/** Wait for `serve`'s "listening on http://…" line on stderr; returns the base URL. */
export function listening(child: CliChild, timeoutMs = 90_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(child.err);
      if (!m?.[1]) return false;
      done();
      resolve(m[1]);
      return true;
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`serve did not listen within ${timeoutMs} ms; stderr:\n${child.err}`));
    }, timeoutMs);
    const onData = () => check();
    const onClose = (code: number | null) => {
      if (check()) return;
      done();
      reject(new Error(`serve exited (${code}) before listening; stderr:\n${child.err}`));
    };
    function done() {
      clearTimeout(timer);
      child.proc.stderr?.off('data', onData);
      child.proc.off('close', onClose);
    }
    child.proc.stderr?.on('data', onData);
    child.proc.once('close', onClose);
    check();
  });
}

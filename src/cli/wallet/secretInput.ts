import { fstatSync, readSync } from 'node:fs';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { type Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { isatty } from 'node:tty';
import { WalletCliError } from './walletCliError.js';

// A password, mnemonic or a dozen shares is far below this; more is a wrong file, not a secret.
const MAX_FD_INPUT_CHARS = 64 * 1024;
const MAX_FD = 0x7fffffff;
const FILE_CHUNK_BYTES = 4096;

/** One secret a command needs: the flag naming its file descriptor and how to ask for it. */
export type SecretSpec = {
  /** The flag that names a file descriptor to read it from, e.g. `password-fd`. */
  fdFlag: string;
  /** What it is, for prompts and errors, e.g. `wallet password`. Never the value. */
  what: string;
  /** Ask twice at a prompt and require both to match (new passwords). */
  confirm?: boolean;
};

/** Reads secrets from file descriptors (`--…-fd N`) or, on a terminal, from a prompt that does not echo. */
export type SecretInput = {
  /** One line: the next line of the descriptor, or one prompt. */
  read(spec: SecretSpec): Promise<string>;
  /**
   * Several lines (recovery shares), up to a blank line or the end of input. Lines starting with `#`
   * are skipped. At a prompt, `check` may reject a line (its message is shown) and the line is asked again.
   */
  readLines(spec: SecretSpec & { check?(line: string): string | undefined }): Promise<string[]>;
  /** Whether some `--…-fd 0` flag reads standard input (which then cannot also carry a document). */
  readsStdin(): boolean;
  /** Stop reading every descriptor opened so far. */
  close(): void;
};

/** What {@link createSecretInput} needs. */
export type SecretInputDeps = {
  /** Parsed flag values of the command (the `…-fd` flags are read from here). */
  values: Record<string, unknown>;
  usageError(message: string): Error;
  /** Whether standard input is an interactive terminal (default: `isatty(0)`). */
  isTty?: () => boolean;
  /** Asks one question without echoing the answer (default: readline on the terminal). */
  prompt?: (question: string) => Promise<string>;
};

/**
 * Secret input for one command run. Secrets never come from argv (other users see it in `ps`), from the
 * environment, or from any source the user did not name: a descriptor given with its flag, else a prompt
 * on a terminal, else a usage error naming the flag to use.
 * @example const password = await secrets.read({ fdFlag: 'password-fd', what: 'wallet password' })
 */
export function createSecretInput(deps: SecretInputDeps): SecretInput {
  const isTty = deps.isTty ?? (() => isatty(0));
  const prompt = deps.prompt ?? promptHidden;
  const readers = new Map<number, FdLines>();

  const fdOf = (spec: SecretSpec): number | undefined => {
    const raw = deps.values[spec.fdFlag];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || !/^\d{1,10}$/.test(raw) || Number(raw) > MAX_FD)
      throw deps.usageError(`--${spec.fdFlag} takes a file descriptor number, such as 3 or 0 (stdin)`);
    const fd = Number(raw);
    if (fd === 1 || fd === 2)
      throw deps.usageError(
        `--${spec.fdFlag} ${fd} is ${fd === 1 ? 'stdout' : 'stderr'}: pass a readable descriptor`,
      );
    return fd;
  };

  const reader = (fd: number, spec: SecretSpec): FdLines => {
    let r = readers.get(fd);
    if (!r) {
      r = new FdLines(fd, openFd(fd, spec, deps.usageError));
      readers.set(fd, r);
    }
    return r;
  };

  const noSource = (spec: SecretSpec): Error =>
    deps.usageError(
      `the ${spec.what} is needed, but standard input is not a terminal to prompt on: pass it on a file descriptor with --${spec.fdFlag} N (e.g. --${spec.fdFlag} 3 3<file, or --${spec.fdFlag} 0 for stdin)`,
    );

  // A descriptor that is itself the terminal gets the prompt, so that what is typed is not echoed.
  const useFd = (spec: SecretSpec): number | undefined => {
    const fd = fdOf(spec);
    if (fd === 0 && isTty()) return undefined;
    if (fd === undefined && !isTty()) throw noSource(spec);
    return fd;
  };

  return {
    async read(spec) {
      const fd = useFd(spec);
      if (fd !== undefined) {
        const line = await reader(fd, spec).line();
        if (line === undefined)
          throw new WalletCliError(
            'SECRET_INPUT_FAILED',
            `no ${spec.what} on file descriptor ${fd} (--${spec.fdFlag}): it reached end of input`,
          );
        return line;
      }
      const answer = await prompt(`${capitalize(spec.what)}: `);
      if (spec.confirm) {
        const again = await prompt(`Repeat the ${spec.what}: `);
        if (again !== answer) throw new WalletCliError('SECRET_MISMATCH', `the two ${spec.what}s differ`);
      }
      return answer;
    },

    async readLines(spec) {
      const fd = useFd(spec);
      const out: string[] = [];
      if (fd !== undefined) {
        const r = reader(fd, spec);
        for (;;) {
          const line = await r.line();
          if (line === undefined) break;
          const text = line.trim();
          if (text.startsWith('#')) continue;
          if (text === '') {
            if (out.length > 0) break;
            continue;
          }
          out.push(text);
        }
        return out;
      }
      for (;;) {
        const text = (
          await prompt(`${capitalize(spec.what)} ${out.length + 1} (empty line to finish): `)
        ).trim();
        if (text === '') return out;
        const problem = spec.check?.(text);
        if (problem) process.stderr.write(`  not accepted: ${problem}; type it again\n`);
        else out.push(text);
      }
    },

    readsStdin() {
      return Object.entries(deps.values).some(([k, v]) => k.endsWith('-fd') && v === '0');
    },

    close() {
      for (const r of readers.values()) r.close();
      readers.clear();
    },
  };
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Where the text of one descriptor comes from: the next chunk, or `undefined` at end of input. */
type ChunkSource = { next(): Promise<string | undefined>; close(): void };

function openFd(fd: number, spec: SecretSpec, usageError: (m: string) => Error): ChunkSource {
  let kind: 'stream' | 'file';
  try {
    const st = fstatSync(fd);
    kind = st.isFIFO() || st.isSocket() ? 'stream' : 'file';
  } catch {
    throw usageError(`--${spec.fdFlag} ${fd}: file descriptor ${fd} is not open in this process`);
  }
  // Reading a terminal line by line would echo the secret: the prompt (fd 0) mutes it.
  if (fd !== 0 && isatty(fd))
    throw usageError(`--${spec.fdFlag} ${fd} is a terminal: leave the flag out to be prompted without echo`);
  // Node already wraps fd 0 as the right kind of stream; another wrapper would race it for the data.
  if (fd === 0) return streamSource(fd, process.stdin, false);
  if (kind === 'stream') return streamSource(fd, new Socket({ fd, readable: true, writable: false }), true);
  return fileSource(fd);
}

/**
 * A file (`3< secret.txt`), read synchronously from its current offset: a file never blocks, and no read
 * is left in flight on a descriptor that stays open for its owner (and may be reused once they close it).
 */
function fileSource(fd: number): ChunkSource {
  const buf = Buffer.alloc(FILE_CHUNK_BYTES);
  const decoder = new StringDecoder('utf8');
  let ended = false;
  return {
    async next() {
      if (ended) return undefined;
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw readFailed(fd, err);
      }
      if (n === 0) {
        ended = true;
        const rest = decoder.end();
        buf.fill(0);
        return rest === '' ? undefined : rest;
      }
      return decoder.write(buf.subarray(0, n));
    },
    close() {
      ended = true;
      buf.fill(0);
    },
  };
}

/** A pipe or socket: chunks as they arrive, so a writer may keep it open after the last line. */
function streamSource(fd: number, stream: Readable, owned: boolean): ChunkSource {
  const chunks: string[] = [];
  let ended = false;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Buffer | string) => {
    chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (err: unknown) => {
    failed = readFailed(fd, err);
    notify();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  return {
    async next() {
      for (;;) {
        if (failed) throw failed;
        const chunk = chunks.shift();
        if (chunk !== undefined) return chunk;
        if (ended) return undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    close() {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      chunks.length = 0;
      // Destroying a stream closes its descriptor: only for the sockets made here.
      if (owned) stream.destroy();
      else stream.pause();
    },
  };
}

// Only the errno code: an I/O error has no business quoting the data.
const readFailed = (fd: number, err: unknown) =>
  new WalletCliError(
    'SECRET_INPUT_FAILED',
    `could not read file descriptor ${fd} (${(err as NodeJS.ErrnoException)?.code ?? 'I/O error'})`,
  );

/** Lines of one descriptor (without their line endings), bounded in total size. */
class FdLines {
  private pending = '';
  private total = 0;
  private ended = false;

  constructor(
    private readonly fd: number,
    private readonly source: ChunkSource,
  ) {}

  /** The next line; `undefined` at end of input. */
  async line(): Promise<string | undefined> {
    for (;;) {
      const nl = this.pending.indexOf('\n');
      if (nl >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        return line.replace(/\r$/, '');
      }
      if (this.ended) {
        if (this.pending === '') return undefined;
        const last = this.pending;
        this.pending = '';
        return last.replace(/\r$/, '');
      }
      const chunk = await this.source.next();
      if (chunk === undefined) this.ended = true;
      else {
        this.total += chunk.length;
        if (this.total > MAX_FD_INPUT_CHARS) {
          this.close();
          throw new WalletCliError(
            'SECRET_INPUT_FAILED',
            `more than ${MAX_FD_INPUT_CHARS} characters on file descriptor ${this.fd}: is it the right file?`,
          );
        }
        this.pending += chunk;
      }
    }
  }

  close(): void {
    this.pending = '';
    this.ended = true;
    this.source.close();
  }
}

/**
 * Asks on the terminal without echoing what is typed: readline runs the line editor in raw mode and
 * writes through a sink that drops everything after the question. The question goes to stderr so
 * stdout stays clean for the command's answer.
 */
function promptHidden(question: string): Promise<string> {
  const stderr = process.stderr;
  let muted = false;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output: sink, terminal: true, historySize: 0 });
  return new Promise<string>((resolve, reject) => {
    let answered = false;
    rl.on('SIGINT', () => {
      rl.close();
    });
    rl.on('close', () => {
      stderr.write('\n');
      if (!answered) reject(new WalletCliError('CANCELLED', 'cancelled at the prompt'));
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    // The question has been written: from here on, every keystroke readline echoes is dropped.
    muted = true;
  });
}

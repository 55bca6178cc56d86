import { parseArgs } from 'node:util';
import { MNEMONIC_WORDLISTS } from '../../wallet/keys/index.js';
import { SLIP39_WORDLIST } from '../../wallet/recovery/index.js';
import type { OptionSpec } from '../main.js';

/** Flags people reach for to pass a secret, and the descriptor flag that replaces each. */
const SECRET_FLAGS: Record<string, { fdFlag: string; what: string }> = {
  password: { fdFlag: 'password-fd', what: 'password' },
  pass: { fdFlag: 'password-fd', what: 'password' },
  pw: { fdFlag: 'password-fd', what: 'password' },
  passphrase: { fdFlag: 'passphrase-fd', what: 'passphrase' },
  mnemonic: { fdFlag: 'mnemonic-fd', what: 'mnemonic' },
  phrase: { fdFlag: 'mnemonic-fd', what: 'mnemonic' },
  seed: { fdFlag: 'mnemonic-fd', what: 'mnemonic' },
  'seed-phrase': { fdFlag: 'mnemonic-fd', what: 'mnemonic' },
  'private-key': { fdFlag: 'private-key-fd', what: 'private key' },
  privkey: { fdFlag: 'private-key-fd', what: 'private key' },
  key: { fdFlag: 'private-key-fd', what: 'private key' },
  secret: { fdFlag: 'private-key-fd', what: 'secret' },
  share: { fdFlag: 'shares-fd', what: 'share' },
  shares: { fdFlag: 'shares-fd', what: 'share' },
};

const MIN_PHRASE_WORDS = 12;
const PHRASE_WORDS = new Set<string>([...MNEMONIC_WORDLISTS.english, ...SLIP39_WORDLIST]);
const WHY =
  'secrets are never taken as command-line arguments, which other users and processes can read (ps, /proc/PID/cmdline) and shells keep in history';

/** How a wallet command's arguments are checked. */
export type ArgumentRules = {
  name: string;
  options: Record<string, OptionSpec>;
  positionals?: readonly string[];
  /** The positional is free text (a message to sign): a 32-byte hex string is allowed there. */
  freeTextPositional?: boolean;
};

/**
 * Refuses secrets on the command line before the arguments are parsed, so that no error message
 * ever repeats one: `--password=…`-style flags, unexpected arguments (not echoed), and arguments that
 * look like a private key, a share or a recovery phrase.
 */
export function refuseSecretArguments(
  args: readonly string[],
  rules: ArgumentRules,
): { code: string; message: string } | undefined {
  const ownFlags = new Set(Object.keys(rules.options));
  for (const arg of args) {
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq < 0 ? undefined : eq);
    const secret = SECRET_FLAGS[flag];
    if (!secret) continue;
    // A command's own flag of that name is fine (`split --shares 5` is a count), unless a boolean is given a value.
    const own = rules.options[flag];
    if (own && (own.type === 'string' || eq < 0)) continue;
    const hint = ownFlags.has(secret.fdFlag)
      ? `Use --${secret.fdFlag} N to read the ${secret.what} from a file descriptor (e.g. --${secret.fdFlag} 3 3<file), or run in a terminal to be prompted.`
      : `\`sextant ${rules.name}\` does not take a ${secret.what} (see --help).`;
    return { code: 'SECRET_IN_ARGUMENTS', message: `--${flag} is refused: ${WHY}. ${hint}` };
  }

  const options = {
    ...rules.options,
    'data-dir': { type: 'string' as const },
    json: { type: 'boolean' as const },
    help: { type: 'boolean' as const, short: 'h' },
  };
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // Unknown flags are left to the strict parser, whose message names the flag and never a value.
  if (tokens.some((t) => t.kind === 'option' && !(t.name in options))) return undefined;
  const positionals = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const allowed = rules.positionals?.length ?? 0;
  if (positionals.length > allowed)
    return {
      code: 'USAGE',
      message: `unexpected argument (not repeated here, in case it is a secret): \`sextant ${rules.name}\` takes ${
        allowed === 0 ? 'no arguments' : `at most ${allowed}: ${rules.positionals?.join(' ')}`
      }; ${WHY}, so they are read from a prompt or a --…-fd descriptor (see --help)`,
    };
  for (const p of positionals) {
    const looksLike = secretShape(p, rules.freeTextPositional === true);
    if (looksLike)
      return {
        code: 'SECRET_IN_ARGUMENTS',
        message: `an argument looks like ${looksLike} and was refused: ${WHY}; read it from a prompt or a --…-fd descriptor (see --help)`,
      };
  }
  return undefined;
}

function secretShape(arg: string, freeText: boolean): string | undefined {
  const text = arg.trim();
  if (!freeText && /^(0x)?[0-9a-fA-F]{64}$/.test(text)) return 'a private key';
  if (/^sxshare1/i.test(text)) return 'a recovery share';
  const words = text.toLowerCase().split(/\s+/u);
  if (words.length >= MIN_PHRASE_WORDS && words.every((w) => PHRASE_WORDS.has(w)))
    return 'a recovery phrase or share';
  return undefined;
}

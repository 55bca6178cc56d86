import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { decryptKeystore } from '../keystore/decryptKeystore.js';
import { decryptVault } from '../keystore/decryptVault.js';
import { encryptKeystore } from '../keystore/encryptKeystore.js';
import { encryptVault } from '../keystore/encryptVault.js';
import { combineMnemonicShares } from '../recovery/combineMnemonicShares.js';
import { combineSlip39Shares } from '../recovery/combineSlip39Shares.js';
import { generateSlip39Shares } from '../recovery/generateSlip39Shares.js';
import { splitMnemonic } from '../recovery/splitMnemonic.js';
import { deriveEvmAccount } from './deriveEvmAccount.js';
import { generateMnemonic } from './generateMnemonic.js';
import { mnemonicToSeed } from './mnemonicToSeed.js';
import { validateMnemonic } from './validateMnemonic.js';

/** The phrase with its last word swapped for one that breaks the checksum (about 1 in 256 swaps keeps it valid). */
function badChecksum(words: string[]): string {
  for (const w of words) {
    const candidate = [...words.slice(0, -1), w].join(' ');
    try {
      validateMnemonic(candidate);
    } catch {
      return candidate;
    }
  }
  throw new Error('no checksum-breaking swap found');
}

/** Every rendering of an error that a logger or HTTP layer might produce. */
async function render(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    const e = err as Error;
    return [
      String(e),
      e.stack ?? '',
      JSON.stringify(e),
      JSON.stringify(Object.entries(e)),
      String(e.cause ?? ''),
    ].join('\n');
  }
  throw new Error('expected an error');
}

const tokens = (text: string) => new Set(text.toLowerCase().match(/[\p{L}]+/gu) ?? []);

/**
 * Differential check: run the same failing operations over two independent secrets. A secret word "leaks" if it
 * shows up in the first run's error text but not in the second's (the second run supplies the static vocabulary:
 * message templates, field names, stack file paths).
 */
async function expectNoLeak(
  scenario: (secret: { words: string[]; hex: string[]; phrases: string[] }) => Promise<string[]>,
  makeSecret: () => Promise<{ words: string[]; hex: string[]; phrases: string[] }>,
) {
  const a = await makeSecret();
  const b = await makeSecret();
  const textsA = await scenario(a);
  const vocabulary = tokens((await scenario(b)).join('\n'));
  for (const text of textsA) {
    for (const h of a.hex) expect(text.toLowerCase()).not.toContain(h.toLowerCase());
    for (const p of a.phrases) expect(text).not.toContain(p);
    const own = tokens(text);
    for (const w of a.words) if (!vocabulary.has(w)) expect(own.has(w), `leaked "${w}"`).toBe(false);
  }
}

describe('errors never contain secrets (String(err), err.stack, JSON.stringify(err))', () => {
  it('mnemonic errors name only the bad word', async () => {
    for (let i = 0; i < 10; i++) {
      await expectNoLeak(
        async ({ words }) => {
          const named = await render(() =>
            validateMnemonic([...words.slice(0, 5), 'xyzzyq', ...words.slice(6)].join(' ')),
          );
          expect(named).toContain('xyzzyq');
          return [
            named,
            await render(() => validateMnemonic(badChecksum(words))),
            await render(() => mnemonicToSeed(words.slice(0, 20).join(' '))),
          ];
        },
        async () => {
          const words = generateMnemonic({ words: 24 }).split(' ');
          return { words, hex: [], phrases: [words.slice(0, 2).join(' '), words.slice(6, 8).join(' ')] };
        },
      );
    }
  });

  it('keystore and vault errors hold no key hex, password or mnemonic', async () => {
    await expectNoLeak(
      async ({ words, hex, phrases }) => {
        const mnemonic = words.join(' ');
        const account = deriveEvmAccount(mnemonicToSeed(mnemonic), 0);
        expect(bytesToHex(account.privateKey)).toBe(hex[0]);
        const password = phrases[0]!;
        const ks = await encryptKeystore(account.privateKey, password, { scryptN: 16 });
        const vault = await encryptVault({ mnemonic, accounts: [] }, password, { scryptN: 16 });
        return [
          await render(() => decryptKeystore(ks, `${password}!`)),
          await render(() => decryptKeystore({ ...ks, address: '00'.repeat(20) }, password)),
          await render(() => decryptVault(vault, `${password}!`)),
          await render(() => encryptVault({ mnemonic: `${mnemonic} ${words[0]}`, accounts: [] }, password)),
        ];
      },
      async () => {
        const words = generateMnemonic().split(' ');
        const key = deriveEvmAccount(mnemonicToSeed(words.join(' ')), 0).privateKey;
        return { words, hex: [bytesToHex(key)], phrases: [`pw-${bytesToHex(key).slice(0, 12)}`] };
      },
    );
  });

  it('recovery errors hold no share words or secret', async () => {
    await expectNoLeak(
      async ({ hex, words }) => {
        const secret = Uint8Array.from(Buffer.from(hex[0]!, 'hex'));
        const [shares] = generateSlip39Shares(secret, {
          groupThreshold: 1,
          groups: [[2, 3]],
          iterationExponent: 0,
        });
        const [other] = generateSlip39Shares(secret, {
          groupThreshold: 1,
          groups: [[2, 3]],
          iterationExponent: 0,
        });
        const s0 = shares![0]!.split(' ');
        const corrupted = [
          ...s0.slice(0, 10),
          s0[10] === 'academic' ? 'acid' : 'academic',
          ...s0.slice(11),
        ].join(' ');
        const plain = splitMnemonic(generateMnemonic(), { threshold: 2, count: 3 });
        const texts = [
          await render(() => combineSlip39Shares([corrupted, shares![1]!])),
          await render(() => combineSlip39Shares([shares![0]!, other![1]!])),
          await render(() => combineSlip39Shares([shares![0]!])),
          await render(() => combineMnemonicShares([plain[0]!])),
          await render(() =>
            combineMnemonicShares([
              `${plain[0]!.slice(0, -1)}${plain[0]!.endsWith('x') ? 'y' : 'x'}`,
              plain[1]!,
            ]),
          ),
        ];
        // Share words past the 3-word public prefix are checked by expectNoLeak against the other run's vocabulary.
        for (const share of [...shares!, ...other!]) words.push(...share.split(' ').slice(3));
        for (const t of texts) expect(t).not.toContain(plain[0]!.slice(8, 30));
        return texts;
      },
      async () => {
        const hex = bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
        return { words: [], hex: [hex], phrases: [] };
      },
    );
  });
});

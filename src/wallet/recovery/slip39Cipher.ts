import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { RecoveryError } from './recoveryError.js';

const BASE_ITERATION_COUNT = 10_000;
const ROUND_COUNT = 4;
const CUSTOMIZATION = new TextEncoder().encode('shamir');

function salt(identifier: number, extendable: boolean): Uint8Array {
  // Extendable share sets use an empty salt so that new shares can be added later (SLIP-39 "ext" flag).
  return extendable
    ? new Uint8Array(0)
    : concatBytes(CUSTOMIZATION, new Uint8Array([identifier >> 8, identifier & 0xff]));
}

function feistel(
  input: Uint8Array,
  passphrase: Uint8Array,
  e: number,
  id: number,
  ext: boolean,
  rounds: number[],
) {
  if (input.length % 2 !== 0)
    throw new RecoveryError('SHARE_BAD_LENGTH', 'The master secret length must be even');
  if (passphrase.some((c) => c < 32 || c > 126)) {
    throw new RecoveryError('SHARE_BAD_OPTIONS', 'The passphrase must be printable ASCII');
  }
  const half = input.length / 2;
  let l = input.slice(0, half);
  let r = input.slice(half);
  const s = salt(id, ext);
  const c = Math.floor((BASE_ITERATION_COUNT << e) / ROUND_COUNT);
  for (const i of rounds) {
    const f = pbkdf2(sha256, concatBytes(new Uint8Array([i]), passphrase), concatBytes(s, r), {
      c,
      dkLen: half,
    });
    const next = l.map((b, k) => b ^ f[k]!);
    l = r;
    r = next;
  }
  return concatBytes(r, l);
}

/** SLIP-39's 4-round Feistel cipher with PBKDF2-HMAC-SHA256 (@noble/hashes) as the round function. */
export const slip39Cipher = {
  encrypt: (ms: Uint8Array, passphrase: Uint8Array, e: number, id: number, ext: boolean) =>
    feistel(ms, passphrase, e, id, ext, [0, 1, 2, 3]),
  decrypt: (ems: Uint8Array, passphrase: Uint8Array, e: number, id: number, ext: boolean) =>
    feistel(ems, passphrase, e, id, ext, [3, 2, 1, 0]),
};

import { bytesToHex, type Hex, hexToBytes, isHex } from 'viem';
import { InvalidSignatureError } from './errors.js';
import type { EcdsaSignature } from './signDigest.js';

/** A 65-byte `r || s || v` signature as hex, or its parts. */
export type SignatureInput = Hex | Uint8Array | EcdsaSignature;

/**
 * Normalise a 65-byte `r || s || v` signature (v = 27/28 or 0/1) or an `{ r, s, yParity }` object
 * into its parts; throws `InvalidSignatureError` when malformed.
 */
export function parseSignature(signature: SignatureInput): EcdsaSignature {
  if (typeof signature === 'object' && !(signature instanceof Uint8Array)) {
    const { r, s, yParity } = signature;
    if (!isWord(r) || !isWord(s) || (yParity !== 0 && yParity !== 1)) {
      throw new InvalidSignatureError('signature parts must be 32-byte r, s and yParity 0 or 1');
    }
    return { r, s, yParity };
  }
  let bytes: Uint8Array;
  if (typeof signature === 'string') {
    if (!isHex(signature, { strict: true })) throw new InvalidSignatureError('signature is not hex');
    bytes = hexToBytes(signature);
  } else bytes = signature;
  if (bytes.length !== 65) throw new InvalidSignatureError(`signature must be 65 bytes, got ${bytes.length}`);
  const v = bytes[64]!;
  // Wallets emit v as 27/28 (EIP-191 convention) and some (Ledger, Tally) as 0/1.
  const yParity = v === 27 || v === 0 ? 0 : v === 28 || v === 1 ? 1 : -1;
  if (yParity === -1) throw new InvalidSignatureError(`signature v must be 0, 1, 27 or 28, got ${v}`);
  const hex = signature instanceof Uint8Array ? bytesToHex(bytes) : signature.toLowerCase();
  return { r: `0x${hex.slice(2, 66)}`, s: `0x${hex.slice(66, 130)}`, yParity: yParity as 0 | 1 };
}

function isWord(value: unknown): value is Hex {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{64}$/.test(value);
}

import { type Hex, numberToHex } from 'viem';
import type { EcdsaSignature } from './signDigest.js';

/** Encode `{ r, s, yParity }` as the 65-byte `r || s || v` hex wallets return (v = 27 or 28). */
export function serializeSignature(signature: EcdsaSignature): Hex {
  return `${signature.r}${signature.s.slice(2)}${numberToHex(27 + signature.yParity).slice(2)}` as Hex;
}

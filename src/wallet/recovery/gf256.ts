import { RecoveryError } from './recoveryError.js';

/** One Shamir share: x coordinate and the polynomial values (one per secret byte). */
export type RawShare = { x: number; y: Uint8Array };

// Log/exp tables of GF(2^8) with the Rijndael polynomial x^8 + x^4 + x^3 + x + 1 and generator x + 1,
// as SLIP-39 specifies. Lookups are table-indexed by share bytes: this follows the reference implementation;
// shares are combined offline on the user's machine, so cache-timing attackers are out of scope.
const EXP = new Uint8Array(255);
const LOG = new Uint8Array(256);
{
  let poly = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = poly;
    LOG[poly] = i;
    poly = (poly << 1) ^ poly;
    if (poly & 0x100) poly ^= 0x11b;
  }
}

/** Lagrange interpolation in GF(256): f(x) from the shares (x_i, f(x_i)), bytewise. */
export function gf256Interpolate(shares: readonly RawShare[], x: number): Uint8Array {
  const xs = new Set(shares.map((s) => s.x));
  if (xs.size !== shares.length)
    throw new RecoveryError('SHARE_DUPLICATE_INDEX', 'Share indices must be unique');
  const length = shares[0]?.y.length ?? 0;
  if (shares.some((s) => s.y.length !== length)) {
    throw new RecoveryError('SHARE_MISMATCH', 'All shares must have the same length');
  }
  const hit = shares.find((s) => s.x === x);
  if (hit) return hit.y.slice();
  let logProd = 0;
  for (const s of shares) logProd += LOG[s.x ^ x]!;
  const result = new Uint8Array(length);
  for (const s of shares) {
    let logBasis = logProd - LOG[s.x ^ x]!;
    for (const o of shares) if (o !== s) logBasis -= LOG[s.x ^ o.x]!;
    logBasis = ((logBasis % 255) + 255) % 255;
    for (let i = 0; i < length; i++) {
      const v = s.y[i]!;
      if (v !== 0) result[i]! ^= EXP[(LOG[v]! + logBasis) % 255]!;
    }
  }
  return result;
}

const GEN = [
  0xe0e040, 0x1c1c080, 0x3838100, 0x7070200, 0xe0e0009, 0x1c0c2412, 0x38086c24, 0x3090fc48, 0x21b1f890,
  0x3f3f120,
];
const CHECKSUM_LENGTH_WORDS = 3;

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 20;
    chk = ((chk & 0xfffff) << 10) ^ v;
    for (let i = 0; i < 10; i++) if ((b >>> i) & 1) chk ^= GEN[i]!;
  }
  return chk;
}

const customization = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** SLIP-39's RS1024 checksum over 10-bit words, keyed by a customization string ("shamir" or "shamir_extendable"). */
export const rs1024 = {
  create(data: readonly number[], custom: string): number[] {
    const pm = polymod([...customization(custom), ...data, 0, 0, 0]) ^ 1;
    return Array.from({ length: CHECKSUM_LENGTH_WORDS }, (_, i) => (pm >>> (10 * (2 - i))) & 1023);
  },
  verify(data: readonly number[], custom: string): boolean {
    return polymod([...customization(custom), ...data]) === 1;
  },
};

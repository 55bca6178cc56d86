/** Password bytes as ethers does it: strings are NFKC-normalized UTF-8; bytes pass through (geth-style). */
export function passwordBytes(password: string | Uint8Array): Uint8Array {
  return typeof password === 'string' ? new TextEncoder().encode(password.normalize('NFKC')) : password;
}

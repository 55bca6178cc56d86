import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { getAddress } from 'viem';

/** The EIP-55 checksummed address of a secp256k1 private key (32 bytes) or public key (33 or 65 bytes). */
export function evmAddress(key: Uint8Array): string {
  const uncompressed =
    key.length === 32 ? secp256k1.getPublicKey(key, false) : secp256k1.Point.fromBytes(key).toBytes(false);
  return getAddress(`0x${bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(-20))}`);
}

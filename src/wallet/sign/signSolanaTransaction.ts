import { ed25519 } from '@noble/curves/ed25519.js';
import { base58, base64 } from '@scure/base';
import { assertPrivateKey } from './assertPrivateKey.js';
import { InvalidSolanaTransactionError } from './errors.js';

/** A signed Solana transaction. */
export type SignedSolanaTransaction = {
  /** The fee payer's signature of the message, base58 (also the transaction id). */
  signature: string;
  /** Wire transaction: compact-u16 signature count, signatures (ours first, others zero), message. */
  transaction: Uint8Array;
  /** `transaction` as base64, what `sendTransaction` takes. */
  transactionBase64: string;
};

const SIGNATURE_BYTES = 64;
const PUBKEY_BYTES = 32;
const VERSION_PREFIX_MASK = 0x80;

/**
 * Sign a serialized Solana transaction message (legacy, or v0) whose first account — the fee
 * payer — is this key's public key, and assemble the wire transaction with the signature in slot 0.
 * Other required signatures stay zeroed for co-signers to fill in.
 */
export function signSolanaTransaction(
  message: Uint8Array | string,
  privateKey: Uint8Array,
): SignedSolanaTransaction {
  assertPrivateKey(privateKey, 'ed25519');
  const bytes = typeof message === 'string' ? decodeBase64(message) : message;
  const { requiredSignatures, firstAccount } = parseMessageHeader(bytes);
  const publicKey = ed25519.getPublicKey(privateKey);
  if (!equal(firstAccount, publicKey)) {
    throw new InvalidSolanaTransactionError(
      `the message's fee payer ${base58.encode(firstAccount)} is not this key (${base58.encode(publicKey)})`,
    );
  }
  const signature = ed25519.sign(bytes, privateKey);
  const count = encodeCompactU16(requiredSignatures);
  const transaction = new Uint8Array(count.length + requiredSignatures * SIGNATURE_BYTES + bytes.length);
  transaction.set(count, 0);
  transaction.set(signature, count.length);
  transaction.set(bytes, count.length + requiredSignatures * SIGNATURE_BYTES);
  return { signature: base58.encode(signature), transaction, transactionBase64: base64.encode(transaction) };
}

function decodeBase64(value: string): Uint8Array {
  try {
    return base64.decode(value);
  } catch (cause) {
    throw new InvalidSolanaTransactionError('message must be bytes or base64', { cause });
  }
}

/** Read the header and first account key of a legacy or versioned (v0) message. */
function parseMessageHeader(bytes: Uint8Array): { requiredSignatures: number; firstAccount: Uint8Array } {
  let offset = 0;
  const first = bytes[0];
  if (first === undefined) throw new InvalidSolanaTransactionError('message is empty');
  if (first & VERSION_PREFIX_MASK) {
    const version = first & ~VERSION_PREFIX_MASK;
    if (version !== 0) throw new InvalidSolanaTransactionError(`unsupported message version ${version}`);
    offset = 1;
  }
  const requiredSignatures = bytes[offset];
  if (requiredSignatures === undefined || bytes.length < offset + 3) {
    throw new InvalidSolanaTransactionError('message header is truncated');
  }
  if (requiredSignatures < 1) throw new InvalidSolanaTransactionError('message requires no signatures');
  offset += 3;
  const [accounts, read] = decodeCompactU16(bytes, offset);
  offset += read;
  if (accounts < requiredSignatures || bytes.length < offset + accounts * PUBKEY_BYTES) {
    throw new InvalidSolanaTransactionError('message account keys are truncated');
  }
  return { requiredSignatures, firstAccount: bytes.subarray(offset, offset + PUBKEY_BYTES) };
}

/** Solana's "shortvec": little-endian base-128, at most 3 bytes. */
function decodeCompactU16(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 3; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) throw new InvalidSolanaTransactionError('message is truncated');
    value |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  throw new InvalidSolanaTransactionError('compact-u16 is too long');
}

function encodeCompactU16(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if (rest === 0) {
      out.push(byte);
      return Uint8Array.from(out);
    }
    out.push(byte | 0x80);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

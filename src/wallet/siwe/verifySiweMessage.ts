import { type Address, type Hex, hashMessage, hexToBytes } from 'viem';
import { InvalidSignatureError, recoverDigestAddress } from '../sign/index.js';
import type { SiweMessage } from './assertSiweMessage.js';
import { createSiweMessage } from './createSiweMessage.js';
import { InvalidSiweMessageError } from './errors.js';
import { parseSiweMessage } from './parseSiweMessage.js';
import { siweGrammar } from './siweGrammar.js';

/** EIP-1271 hook: ask the contract wallet at `address` whether `signature` is valid for `hash`. */
export type IsValidContractSignature = (args: {
  address: Address;
  chainId: number;
  /** The EIP-191 digest of `message`, what `isValidSignature(bytes32,bytes)` receives. */
  hash: Hex;
  message: string;
  signature: Hex;
}) => Promise<boolean>;

/** What to check a SIWE message against. */
export type VerifySiweOptions = {
  /** The signed text, or its fields (formatted with `createSiweMessage` before checking). */
  message: string | SiweMessage;
  signature: Hex;
  /** The verifier's clock, passed in: this function never reads the time. */
  now: Date | number;
  /** Values the relying party expects; each one given is compared exactly. */
  expected?: {
    domain?: string;
    scheme?: string;
    uri?: string;
    chainId?: number;
    nonce?: string;
    address?: string;
    requestId?: string;
  };
  /** EIP-1271 check for contract wallets (needs an RPC); without it only EOAs verify. */
  isValidContractSignature?: IsValidContractSignature;
};

/** Why a SIWE message did not verify. */
export type SiweFailureReason =
  | 'malformed_message'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'expired'
  | 'not_yet_valid'
  | 'domain_mismatch'
  | 'scheme_mismatch'
  | 'uri_mismatch'
  | 'chain_id_mismatch'
  | 'nonce_mismatch'
  | 'address_mismatch'
  | 'request_id_mismatch';

/** The outcome of `verifySiweMessage`. */
export type SiweVerification =
  | { type: 'valid'; message: SiweMessage; signer: Address; method: 'eoa' | 'eip1271' }
  | { type: 'invalid'; reason: SiweFailureReason; detail: string; message?: SiweMessage };

/**
 * Verify an EIP-4361 message: strict parse, expected-value bindings, `Expiration Time` /
 * `Not Before` against `now`, then the EIP-191 signature (EOA), falling back to the optional
 * EIP-1271 hook. Never throws for a bad message or signature: returns `{ type: 'invalid', reason }`.
 */
export async function verifySiweMessage(options: VerifySiweOptions): Promise<SiweVerification> {
  const { signature, expected = {}, isValidContractSignature } = options;
  const nowMs = options.now instanceof Date ? options.now.getTime() : options.now;
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
    throw new TypeError('now must be a valid Date or epoch ms');

  let text: string;
  let message: SiweMessage;
  try {
    text = typeof options.message === 'string' ? options.message : createSiweMessage(options.message);
    message = parseSiweMessage(text);
  } catch (error) {
    if (error instanceof InvalidSiweMessageError) return invalid('malformed_message', error.message);
    throw error;
  }

  const mismatch = (
    [
      ['domain', 'domain_mismatch'],
      ['scheme', 'scheme_mismatch'],
      ['uri', 'uri_mismatch'],
      ['chainId', 'chain_id_mismatch'],
      ['nonce', 'nonce_mismatch'],
      ['address', 'address_mismatch'],
      ['requestId', 'request_id_mismatch'],
    ] as const
  ).find(([key]) => expected[key] !== undefined && expected[key] !== message[key]);
  if (mismatch) {
    const [key, reason] = mismatch;
    return invalid(reason, `${key} is ${String(message[key])}, expected ${String(expected[key])}`, message);
  }

  if (message.expirationTime !== undefined && nowMs >= siweGrammar.dateTimeMs(message.expirationTime)) {
    return invalid('expired', `message expired at ${message.expirationTime}`, message);
  }
  if (message.notBefore !== undefined && nowMs < siweGrammar.dateTimeMs(message.notBefore)) {
    return invalid('not_yet_valid', `message is not valid before ${message.notBefore}`, message);
  }

  const hash = hashMessage(text);
  let recovered: Address | undefined;
  let signatureError: string | undefined;
  try {
    recovered = recoverDigestAddress(hexToBytes(hash), signature);
  } catch (error) {
    if (!(error instanceof InvalidSignatureError)) throw error;
    signatureError = error.message;
  }
  if (recovered === message.address) return { type: 'valid', message, signer: recovered, method: 'eoa' };
  // A contract wallet's signature need not recover to anything: ask the contract, if we can.
  if (isValidContractSignature) {
    const ok = await isValidContractSignature({
      address: message.address,
      chainId: message.chainId,
      hash,
      message: text,
      signature,
    });
    if (ok) return { type: 'valid', message, signer: message.address, method: 'eip1271' };
  }
  if (signatureError !== undefined) return invalid('malformed_signature', signatureError, message);
  return invalid('signature_mismatch', `signature recovers to ${recovered}, not ${message.address}`, message);
}

function invalid(reason: SiweFailureReason, detail: string, message?: SiweMessage): SiweVerification {
  return message ? { type: 'invalid', reason, detail, message } : { type: 'invalid', reason, detail };
}

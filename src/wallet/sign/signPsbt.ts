import { secp256k1 } from '@noble/curves/secp256k1.js';
import { base64, hex } from '@scure/base';
import { p2tr, p2wpkh, Transaction } from '@scure/btc-signer';
import { assertPrivateKey } from './assertPrivateKey.js';
import { InvalidPsbtError, PsbtInputNotOwnedError } from './errors.js';

/** Which output type each input was signed as. */
export type PsbtInputKind = 'p2wpkh' | 'p2tr';

/** A fully signed and finalized Bitcoin transaction. */
export type SignedPsbt = {
  /** The network-serialized transaction, ready for `sendrawtransaction`. */
  txHex: string;
  /** Transaction id (big-endian hex, as explorers show it). */
  txid: string;
  /** Per input, the key type it was signed with. */
  inputs: PsbtInputKind[];
};

/**
 * Sign every input of a PSBT (base64 or hex) with one secp256k1 key, as a native segwit (p2wpkh)
 * or taproot key-path (p2tr, BIP-86: no script tree) output, then finalize and extract.
 * Every input must spend an output locked to this key; otherwise `PsbtInputNotOwnedError` names them,
 * and nothing is signed.
 */
export function signPsbt(psbt: string | Uint8Array, privateKey: Uint8Array): SignedPsbt {
  assertPrivateKey(privateKey);
  const tx = parsePsbt(psbt);
  const compressed = secp256k1.getPublicKey(privateKey, true);
  const wpkhScript = p2wpkh(compressed).script;
  const xOnly = compressed.subarray(1);
  const trScript = p2tr(xOnly).script;

  const kinds: PsbtInputKind[] = [];
  const foreign: number[] = [];
  for (let i = 0; i < tx.inputsLength; i++) {
    const script = prevOutScript(tx, i);
    if (script && equal(script, wpkhScript)) kinds.push('p2wpkh');
    else if (script && equal(script, trScript)) kinds.push('p2tr');
    else foreign.push(i);
  }
  if (tx.inputsLength === 0) throw new InvalidPsbtError('PSBT has no inputs');
  if (foreign.length > 0) {
    throw new PsbtInputNotOwnedError(
      `input(s) ${foreign.join(', ')} do not spend a p2wpkh or p2tr (key-path) output of this key, or lack their previous output`,
      { extra: { inputs: foreign } },
    );
  }
  for (let i = 0; i < kinds.length; i++) {
    try {
      if (kinds[i] === 'p2tr' && !tx.getInput(i).tapInternalKey) {
        // BIP-86 output: the internal key is our x-only key; the signer tweaks it.
        tx.updateInput(i, { tapInternalKey: xOnly });
      }
      tx.signIdx(privateKey, i);
      tx.finalizeIdx(i);
    } catch {
      // No cause: the library error could carry its arguments, the key among them.
      throw new InvalidPsbtError(`input ${i} could not be signed (unsupported sighash or script?)`);
    }
  }
  let txHex: string;
  try {
    txHex = hex.encode(tx.extract());
  } catch (cause) {
    throw new InvalidPsbtError('transaction could not be finalized', { cause });
  }
  return { txHex, txid: tx.id, inputs: kinds };
}

function parsePsbt(psbt: string | Uint8Array): Transaction {
  let bytes: Uint8Array;
  try {
    if (psbt instanceof Uint8Array) bytes = psbt;
    else if (/^(70736274ff)[0-9a-fA-F]*$/.test(psbt)) bytes = hex.decode(psbt.toLowerCase());
    else bytes = base64.decode(psbt.trim());
  } catch (cause) {
    throw new InvalidPsbtError('PSBT must be base64 or hex', { cause });
  }
  try {
    return Transaction.fromPSBT(bytes);
  } catch (cause) {
    throw new InvalidPsbtError('PSBT could not be parsed', { cause });
  }
}

/** The locking script of the output input `i` spends, when the PSBT carries it. */
function prevOutScript(tx: Transaction, i: number): Uint8Array | undefined {
  const input = tx.getInput(i);
  if (input.witnessUtxo) return input.witnessUtxo.script;
  if (input.nonWitnessUtxo && input.index !== undefined)
    return input.nonWitnessUtxo.outputs[input.index]?.script;
  return undefined;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

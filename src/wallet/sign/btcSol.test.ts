import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { base58, base64, hex } from '@scure/base';
import { p2tr, p2wpkh, Transaction } from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import {
  InvalidSolanaTransactionError,
  PsbtInputNotOwnedError,
  signPsbt,
  signSolanaMessage,
  signSolanaTransaction,
  verifySolanaSignature,
} from './index.js';

const key = new Uint8Array(32).fill(1);
const otherKey = new Uint8Array(32).fill(2);
const pub = secp256k1.getPublicKey(key, true);

function psbtSpending(scripts: Uint8Array[]): Transaction {
  const tx = new Transaction();
  scripts.forEach((script, i) => {
    tx.addInput({
      txid: new Uint8Array(32).fill(i + 1),
      index: i,
      witnessUtxo: { script, amount: 100_000n },
    });
  });
  tx.addOutputAddress(p2wpkh(secp256k1.getPublicKey(otherKey, true)).address!, 150_000n);
  return tx;
}

describe('signPsbt', () => {
  it('signs and finalizes p2wpkh and p2tr key-path inputs (base64 and hex PSBT)', () => {
    const tx = psbtSpending([p2wpkh(pub).script, p2tr(pub.subarray(1)).script]);
    const signed = signPsbt(base64.encode(tx.toPSBT()), key);
    expect(signed.inputs).toEqual(['p2wpkh', 'p2tr']);
    const final = Transaction.fromRaw(hex.decode(signed.txHex), { allowUnknownOutputs: true });
    expect(final.id).toBe(signed.txid);
    // p2wpkh witness: [signature, pubkey]; p2tr key path: one 64-byte Schnorr signature.
    expect(final.getInput(0).finalScriptWitness?.[1]).toEqual(pub);
    expect(final.getInput(1).finalScriptWitness?.[0]?.length).toBe(64);
    // Hex PSBT input: same txid (Schnorr aux randomness changes only the witness).
    expect(signPsbt(hex.encode(tx.toPSBT()), key).txid).toBe(signed.txid);
  });

  it('rejects a PSBT with an input of another key, naming it, and leaks no key', () => {
    const tx = psbtSpending([p2wpkh(pub).script, p2wpkh(secp256k1.getPublicKey(otherKey, true)).script]);
    try {
      signPsbt(tx.toPSBT(), key);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PsbtInputNotOwnedError);
      expect((error as Error).message).toContain('input(s) 1');
      expect(`${(error as Error).message}${(error as Error).stack}`).not.toContain(hex.encode(key));
    }
  });
});

describe('Solana', () => {
  const seed = new Uint8Array(32).fill(9);
  const pubkey = ed25519.getPublicKey(seed);

  it('signs and verifies a message (detached, base58)', () => {
    const { signature, publicKey } = signSolanaMessage('hello sextant', seed);
    expect(publicKey).toBe(base58.encode(pubkey));
    expect(verifySolanaSignature('hello sextant', signature, publicKey)).toBe(true);
    expect(verifySolanaSignature('hello sextanT', signature, publicKey)).toBe(false);
    expect(verifySolanaSignature('hello sextant', 'not-base58!', publicKey)).toBe(false);
  });

  // A legacy message: header [1 signer, 0, 1 readonly unsigned], 2 accounts, blockhash, 1 instruction.
  const legacyMessage = (payer: Uint8Array) =>
    Uint8Array.from([
      1,
      0,
      1,
      2,
      ...payer,
      ...new Uint8Array(32),
      ...new Uint8Array(32).fill(5),
      1,
      1,
      1,
      0,
      0,
    ]);

  it('signs a legacy transaction message and inserts the signature first', () => {
    const message = legacyMessage(pubkey);
    const signed = signSolanaTransaction(message, seed);
    expect(signed.transaction[0]).toBe(1);
    const sig = signed.transaction.subarray(1, 65);
    expect(base58.encode(sig)).toBe(signed.signature);
    expect(signed.transaction.subarray(65)).toEqual(message);
    expect(ed25519.verify(sig, message, pubkey)).toBe(true);
    expect(base64.decode(signed.transactionBase64)).toEqual(signed.transaction);
    expect(signSolanaTransaction(base64.encode(message), seed).signature).toBe(signed.signature);
  });

  it('refuses a message whose fee payer is another key', () => {
    expect(() => signSolanaTransaction(legacyMessage(new Uint8Array(32).fill(3)), seed)).toThrow(
      InvalidSolanaTransactionError,
    );
    expect(() => signSolanaTransaction(new Uint8Array([1, 0]), seed)).toThrow(InvalidSolanaTransactionError);
  });
});

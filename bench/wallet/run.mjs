// Wallet micro-benchmark: addresses derived per second (EVM, BTC segwit, SOL) and EIP-1559
// signatures per second, each next to ethers v6 doing the same work in the same process.
// Usage: npx tsc -p tsconfig.build.json && node bench/wallet/run.mjs [--seconds 2]
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { base58, bech32, hex } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { p2wpkh } from '@scure/btc-signer';
import { ethers } from 'ethers';
import { getAddress } from 'viem';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argSeconds = process.argv.indexOf('--seconds');
const RUN_SECONDS = argSeconds === -1 ? 2 : Number(process.argv[argSeconds + 1]);
const WARMUP_MS = 300;
// BIP-39 test mnemonic (all "abandon … about"): public, never a real wallet.
const PHRASE =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

const signPath = join(ROOT, 'dist', 'wallet', 'sign', 'index.js');
if (!existsSync(signPath)) {
  console.error('dist/wallet/sign not built: run `npx tsc -p tsconfig.build.json` first');
  process.exit(1);
}
const { signTransaction } = await import(pathToFileURL(signPath).href);
const keysPath = join(ROOT, 'dist', 'wallet', 'keys', 'index.js');
const keys = existsSync(keysPath) ? await import(pathToFileURL(keysPath).href) : undefined;

/**
 * Ours and theirs measured in alternating rounds (the machine may be shared: load that comes and
 * goes then hits both sides alike); the median of each side's rounds, in operations per second.
 */
async function pair(ours, theirs, { perCall = 1, rounds = 3 } = {}) {
  const a = [];
  const b = [];
  for (let r = 0; r < rounds; r++) {
    a.push(await measure(ours, perCall, 1 / rounds));
    if (theirs) b.push(await measure(theirs, perCall, 1 / rounds));
  }
  const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return [median(a), theirs ? median(b) : undefined];
}

/** Run `fn(i)` repeatedly for a share of RUN_SECONDS after a warm-up; return operations per second. */
async function measure(fn, perCall = 1, share = 1) {
  let i = 0;
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) await fn(i++);
  const start = performance.now();
  const end = start + RUN_SECONDS * 1000 * share;
  let n = 0;
  while (performance.now() < end) {
    // Batches of 16 keep timer reads out of the measurement.
    for (let k = 0; k < 16; k++) await fn(i++ + k);
    n += 16;
  }
  return (n * perCall * 1000) / (performance.now() - start);
}

const seed = mnemonicToSeedSync(PHRASE);
const rows = [];
const row = (name, ours, theirs, note = '') => rows.push({ name, ours, theirs, note });

// EVM: m/44'/60'/0'/0/i → keccak256(uncompressed pubkey)[12:] → EIP-55.
{
  const parent = HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'/0");
  const evm = (i) => {
    const child = parent.deriveChild(i);
    const uncompressed = secp256k1.Point.fromBytes(child.publicKey).toBytes(false);
    return getAddress(`0x${hex.encode(keccak_256(uncompressed.subarray(1)).subarray(-20))}`);
  };
  const eParent = ethers.HDNodeWallet.fromPhrase(PHRASE, '', "m/44'/60'/0'/0");
  if (evm(0) !== eParent.deriveChild(0).address) throw new Error('EVM derivation mismatch with ethers');
  row("EVM address derive (m/44'/60'/0'/0/i)", ...(await pair(evm, (i) => eParent.deriveChild(i).address)));
}

// BTC native segwit: m/84'/0'/0'/0/i → p2wpkh bech32.
{
  const parent = HDKey.fromMasterSeed(seed).derive("m/84'/0'/0'/0");
  const btc = (i) => p2wpkh(parent.deriveChild(i).publicKey).address;
  if (btc(0) !== 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu') throw new Error('BIP-84 vector mismatch');
  // ethers: its HD derivation and hashes; bech32 (which ethers lacks) from @scure/base on both sides.
  const eParent = ethers.HDNodeWallet.fromPhrase(PHRASE, '', "m/84'/0'/0'/0");
  const eBtc = (i) => {
    const h160 = ethers.getBytes(ethers.ripemd160(ethers.sha256(eParent.deriveChild(i).publicKey)));
    return bech32.encode('bc', [0, ...bech32.toWords(h160)]);
  };
  if (eBtc(0) !== btc(0)) throw new Error('BTC derivation mismatch with ethers');
  row(
    "BTC p2wpkh derive (m/84'/0'/0'/0/i)",
    ...(await pair(btc, eBtc)),
    'ethers side: HDNodeWallet + ethers sha256/ripemd160, bech32 from @scure/base',
  );
}

// SOL: SLIP-10 ed25519 m/44'/501'/i'/0' (Phantom layout).
{
  let sol;
  let note;
  // Account discovery: 16 consecutive accounts per call (both sides derive m/44'/501' once per call).
  const PER_CALL = 16;
  let solBatch;
  if (keys?.deriveAccounts) {
    sol = (i) => keys.deriveSolanaAccount(seed, i).address;
    solBatch = (i) =>
      keys.deriveAccounts(seed, { chain: 'solana', from: (i * PER_CALL) % 1_000_000, count: PER_CALL });
    note = 'dist/wallet/keys deriveAccounts, 16 per call';
  } else {
    // Tiny local SLIP-10 (hardened-only) used only when src/wallet/keys is not built.
    const enc = new TextEncoder();
    const master = hmac(sha512, enc.encode('ed25519 seed'), seed);
    const child = (node, index) => {
      const data = new Uint8Array(37);
      data.set(node.subarray(0, 32), 1);
      new DataView(data.buffer).setUint32(33, (index | 0x80000000) >>> 0);
      return hmac(sha512, node.subarray(32), data);
    };
    sol = (i) => {
      let node = master;
      for (const index of [44, 501, i, 0]) node = child(node, index);
      return base58.encode(ed25519.getPublicKey(node.subarray(0, 32)));
    };
    note = 'local SLIP-10 in the bench (dist/wallet/keys not built)';
    solBatch = (i) => {
      for (let k = 0; k < PER_CALL; k++) sol((i * PER_CALL + k) % 1_000_000);
    };
  }
  // ethers: SLIP-10 with ethers.computeHmac and base58 with ethers.encodeBase58; ed25519 (which
  // ethers lacks) from @noble/curves on both sides.
  const eMaster = ethers.getBytes(ethers.computeHmac('sha512', ethers.toUtf8Bytes('ed25519 seed'), seed));
  const eChild = (node, index) => {
    const data = new Uint8Array(37);
    data.set(node.subarray(0, 32), 1);
    new DataView(data.buffer).setUint32(33, (index | 0x80000000) >>> 0);
    return ethers.getBytes(ethers.computeHmac('sha512', node.subarray(32), data));
  };
  const eSol = (i) => {
    let node = eMaster;
    for (const index of [44, 501, i, 0]) node = eChild(node, index);
    return ethers.encodeBase58(ed25519.getPublicKey(node.subarray(0, 32)));
  };
  if (eSol(3) !== sol(3)) throw new Error('SOL derivation mismatch with ethers');
  const eBatch = (i) => {
    let parent = eMaster;
    for (const index of [44, 501]) parent = eChild(parent, index);
    const from = (i * PER_CALL) % 1_000_000;
    for (let k = from; k < from + PER_CALL; k++)
      ethers.encodeBase58(ed25519.getPublicKey(eChild(eChild(parent, k), 0).subarray(0, 32)));
  };
  row(
    "SOL derive (m/44'/501'/i'/0')",
    ...(await pair(solBatch, eBatch, { perCall: PER_CALL })),
    `${note}; ethers side: computeHmac + encodeBase58, ed25519 from @noble/curves`,
  );
}

// EIP-1559 signing, same transaction and key on both sides.
{
  const privateKeyHex = `0x${'46'.repeat(32)}`;
  const privateKey = hex.decode('46'.repeat(32));
  const tx = (i) => ({
    type: 'eip1559',
    chainId: 1,
    nonce: i,
    gas: 21000n,
    maxFeePerGas: 30_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    to: '0x3535353535353535353535353535353535353535',
    value: 10n ** 18n,
    data: '0x',
  });
  const wallet = new ethers.Wallet(privateKeyHex);
  const ethersTx = (i) => ({
    type: 2,
    chainId: 1,
    nonce: i,
    gasLimit: 21000n,
    maxFeePerGas: 30_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    to: '0x3535353535353535353535353535353535353535',
    value: 10n ** 18n,
    data: '0x',
  });
  if (signTransaction(tx(7), privateKey).raw !== (await wallet.signTransaction(ethersTx(7)))) {
    throw new Error('EIP-1559 signature mismatch with ethers');
  }
  row(
    'EIP-1559 sign',
    ...(await pair(
      (i) => signTransaction(tx(i), privateKey),
      (i) => wallet.signTransaction(ethersTx(i)),
    )),
  );
}

const fmt = (x) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
console.log(`node ${process.version}, ${RUN_SECONDS}s per measurement, ops/s (higher is better)\n`);
console.log('| work | sextant | ethers v6 | ratio | note |');
console.log('|---|---:|---:|---:|---|');
for (const r of rows) {
  const ratio = r.theirs === undefined ? '—' : `${(r.ours / r.theirs).toFixed(2)}x`;
  console.log(`| ${r.name} | ${fmt(r.ours)} | ${fmt(r.theirs)} | ${ratio} | ${r.note} |`);
}

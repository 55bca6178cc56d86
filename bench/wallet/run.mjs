// Wallet micro-benchmark: addresses derived per second (EVM, BTC segwit, SOL) and EIP-1559
// signatures per second. Sextant's side calls the shipped functions of the `sextant/wallet` export
// (dist/wallet/index.js, so build first); ethers v6 does the same work in the same process, and the
// two sides are measured in alternating rounds.
// Usage: npm run build && node bench/wallet/run.mjs [--seconds 2] [--rounds 6]
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bech32 } from '@scure/base';
import { ethers } from 'ethers';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const RUN_SECONDS = arg('--seconds', 2);
const ROUNDS = arg('--rounds', 10);
const WARMUP_MS = 100;
// Account discovery: addresses per call, the parent node derived from the seed once per call on both sides.
const PER_CALL = 16;
// BIP-39 test mnemonic (all "abandon … about"): public, never a real wallet.
const PHRASE =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

if (!existsSync(join(ROOT, 'dist', 'wallet', 'index.js'))) {
  console.error('dist/wallet not built: run `npm run build` first');
  process.exit(1);
}
// The package's own `exports` map: exactly what `import … from 'sextant/wallet'` loads for a user.
const wallet = await import('sextant/wallet');
const { deriveAccounts, deriveEvmAccount, mnemonicToSeed, signDigest, signTransaction } = wallet;

/**
 * Ours and theirs measured in alternating rounds, the order flipped every round (load that comes
 * and goes on a shared machine then hits both sides alike); the median of each side's rounds, in
 * operations per second.
 */
async function pair(ours, theirs, { perCall = 1 } = {}) {
  const a = [];
  const b = [];
  for (let r = 0; r < ROUNDS; r++) {
    const share = 1 / ROUNDS;
    if (r % 2 === 0) {
      a.push(await measure(ours, perCall, share));
      b.push(await measure(theirs, perCall, share));
    } else {
      b.push(await measure(theirs, perCall, share));
      a.push(await measure(ours, perCall, share));
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const ratios = a.map((x, i) => x / b[i]);
  return { ours: median(a), theirs: median(b), minRatio: Math.min(...ratios), maxRatio: Math.max(...ratios) };
}

/** Microseconds of CPU time this process has used (user + system, all threads). */
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/**
 * Run `fn(i)` repeatedly for a share of RUN_SECONDS of this process's CPU time after a warm-up and
 * return operations per CPU second. CPU time, not wall time: on a shared machine the wall clock
 * also counts the time the scheduler gives to other processes, which has nothing to do with either side.
 */
async function measure(fn, perCall, share) {
  let i = 0;
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) await fn(i++);
  const start = cpuMicros();
  const budget = RUN_SECONDS * 1e6 * share;
  let n = 0;
  let used = 0;
  while (used < budget) {
    await fn(i++);
    n++;
    used = cpuMicros() - start;
  }
  return (n * perCall * 1e6) / used;
}

function same(name, ours, theirs) {
  if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
    throw new Error(`${name}: Sextant and ethers disagree:\n${ours}\n${theirs}`);
  }
}

const seed = mnemonicToSeed(PHRASE);
const seedHex = ethers.hexlify(seed);
const rows = [];
const row = (name, result, note) => rows.push({ name, ...result, note });
// Index windows move on every call so no side can reuse a previous call's work.
const fromOf = (i) => (i * PER_CALL) % 1_000_000;

// EVM: m/44'/60'/0'/0/i → keccak256(uncompressed pubkey)[12:] → EIP-55.
{
  const ours = (i) =>
    deriveAccounts(seed, { chain: 'evm', from: fromOf(i), count: PER_CALL }).map((a) => a.address);
  const theirs = (i) => {
    const parent = ethers.HDNodeWallet.fromSeed(seedHex).derivePath("m/44'/60'/0'/0");
    const from = fromOf(i);
    const out = [];
    for (let k = from; k < from + PER_CALL; k++) out.push(parent.deriveChild(k).address);
    return out;
  };
  same('EVM', ours(3), theirs(3));
  row(
    `EVM address (m/44'/60'/0'/0/i), ${PER_CALL} per call`,
    await pair(ours, theirs, { perCall: PER_CALL }),
    '`deriveAccounts` vs `HDNodeWallet.fromSeed().derivePath().deriveChild(i).address`',
  );
  // One address per call, the whole path from the seed on both sides.
  const one = (i) => deriveEvmAccount(seed, i % 1_000_000).address;
  const eOne = (i) =>
    ethers.HDNodeWallet.fromSeed(seedHex).derivePath(`m/44'/60'/0'/0/${i % 1_000_000}`).address;
  same('EVM single', one(5), eOne(5));
  row(
    'EVM address, 1 per call (full path from the seed)',
    await pair(one, eOne),
    '`deriveEvmAccount` vs `HDNodeWallet.fromSeed().derivePath(path).address`',
  );
}

// BTC native segwit: m/84'/0'/0'/0/i → p2wpkh bech32.
{
  const ours = (i) =>
    deriveAccounts(seed, { chain: 'bitcoin-segwit', from: fromOf(i), count: PER_CALL }).map((a) => a.address);
  if (ours(0)[0] !== 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu') throw new Error('BIP-84 vector mismatch');
  // ethers: its HD derivation and hashes; bech32 (which ethers lacks) from @scure/base.
  const theirs = (i) => {
    const parent = ethers.HDNodeWallet.fromSeed(seedHex).derivePath("m/84'/0'/0'/0");
    const from = fromOf(i);
    const out = [];
    for (let k = from; k < from + PER_CALL; k++) {
      const h160 = ethers.getBytes(ethers.ripemd160(ethers.sha256(parent.deriveChild(k).publicKey)));
      out.push(bech32.encode('bc', [0, ...bech32.toWords(h160)]));
    }
    return out;
  };
  same('BTC', ours(3), theirs(3));
  row(
    `BTC p2wpkh (m/84'/0'/0'/0/i), ${PER_CALL} per call`,
    await pair(ours, theirs, { perCall: PER_CALL }),
    '`deriveAccounts` vs `HDNodeWallet` + ethers `sha256`/`ripemd160`, bech32 from @scure/base',
  );
}

// SOL: SLIP-10 ed25519 m/44'/501'/i'/0' (Phantom layout).
{
  const ours = (i) =>
    deriveAccounts(seed, { chain: 'solana', from: fromOf(i), count: PER_CALL }).map((a) => a.address);
  // ethers: SLIP-10 with ethers.computeHmac and base58 with ethers.encodeBase58; ed25519 (which
  // ethers lacks) from @noble/curves, the same library Sextant uses.
  const eChild = (node, index) => {
    const data = new Uint8Array(37);
    data.set(node.subarray(0, 32), 1);
    new DataView(data.buffer).setUint32(33, (index | 0x80000000) >>> 0);
    return ethers.getBytes(ethers.computeHmac('sha512', node.subarray(32), data));
  };
  const theirs = (i) => {
    let parent = ethers.getBytes(ethers.computeHmac('sha512', ethers.toUtf8Bytes('ed25519 seed'), seed));
    for (const index of [44, 501]) parent = eChild(parent, index);
    const from = fromOf(i);
    const out = [];
    for (let k = from; k < from + PER_CALL; k++)
      out.push(ethers.encodeBase58(ed25519.getPublicKey(eChild(eChild(parent, k), 0).subarray(0, 32))));
    return out;
  };
  same('SOL', ours(3), theirs(3));
  row(
    `SOL (m/44'/501'/i'/0'), ${PER_CALL} per call`,
    await pair(ours, theirs, { perCall: PER_CALL }),
    '`deriveAccounts` vs SLIP-10 on ethers `computeHmac` + `encodeBase58`, ed25519 from @noble/curves',
  );
}

// EIP-1559 signing, same transaction and key on both sides.
{
  const privateKeyHex = `0x${'46'.repeat(32)}`;
  const privateKey = ethers.getBytes(privateKeyHex);
  const common = {
    chainId: 1,
    maxFeePerGas: 30_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    to: '0x3535353535353535353535353535353535353535',
    value: 10n ** 18n,
    data: '0x',
  };
  const signer = new ethers.Wallet(privateKeyHex);
  const ours = (i) => signTransaction({ type: 'eip1559', nonce: i, gas: 21000n, ...common }, privateKey).raw;
  const theirs = (i) => signer.signTransaction({ type: 2, nonce: i, gasLimit: 21000n, ...common });
  same('EIP-1559', ours(7), await theirs(7));
  row('EIP-1559 sign', await pair(ours, theirs), '`signTransaction` vs `Wallet.signTransaction`');
  // The primitive under both: ECDSA over a 32-byte digest (what the row above spends most time in).
  const signingKey = new ethers.SigningKey(privateKeyHex);
  const digest = (i) => ethers.getBytes(ethers.keccak256(ethers.toBeHex(i, 32)));
  const digests = Array.from({ length: 1024 }, (_, i) => digest(i));
  const oursSig = (i) => signDigest(digests[i % 1024], privateKey);
  const theirsSig = (i) => signingKey.sign(digests[i % 1024]);
  same('digest sign', [oursSig(5).r, oursSig(5).s], [theirsSig(5).r, theirsSig(5).s]);
  row(
    'secp256k1 digest sign (the primitive)',
    await pair(oursSig, theirsSig),
    '`signDigest` (@noble/curves 2, blinded) vs `SigningKey.sign` (ethers’ @noble/curves 1.2)',
  );
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(
  `node ${process.version}, ${RUN_SECONDS} CPU-s per row and side in ${ROUNDS} alternating rounds; ` +
    'median operations per CPU second (higher is better); ratio = sextant / ethers (range over rounds)\n',
);
console.log('| work | sextant | ethers v6 | ratio | ratio range | what is timed |');
console.log('|---|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${fmt(r.ours)} | ${fmt(r.theirs)} | ${(r.ours / r.theirs).toFixed(2)}x | ` +
      `${r.minRatio.toFixed(2)}–${r.maxRatio.toFixed(2)} | ${r.note} |`,
  );
}

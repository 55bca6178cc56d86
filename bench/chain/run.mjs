#!/usr/bin/env node
// On-chain index benchmark (issue 6). Two modes, each against embedded PGlite and, with
// DATABASE_URL, PostgreSQL:
//
// --mode write  ERC-20 transfers written per second through the indexer's write path (decodeLogs →
//               chain store batch with balances, block header and checkpoint, one transaction per
//               chunk) vs a naive baseline (one INSERT per transfer plus a balance upsert per side),
//               interleaved in rounds; then query latency of top holders and wallet approvals
//               (src/chain/insights, as the API calls them) on the 1,000,000-transfer data set.
// --mode rpc    Logs indexed per second from a local anvil node over JSON-RPC by the real indexer
//               (eth_getLogs in adaptive ranges, headers, decode, token metadata, allowance read-backs
//               bookkeeping, store, checkpoint) vs the node alone (the same eth_getLogs + decode,
//               no database): the ceiling the node sets. Rounds alternate which goes first.
//
//   npm run build
//   node bench/chain/run.mjs                                  # both modes, PGlite
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/chain/run.mjs
//   node bench/chain/run.mjs --mode rpc --rpc-transfers 200000 --rounds 3 [--uniform]
//   node bench/chain/run.mjs --mode rpc --batch-logs 20000,1000000   # the indexer's maxBatchLogs, compared
//   node bench/chain/run.mjs --mode write --transfers 1000000 --queries 2000
//   node bench/chain/run.mjs --mode upsert     # balance upserts in key order vs arrival order
//   --targets pglite|postgres|pglite,postgres   only these stores (default: PGlite, and PostgreSQL with DATABASE_URL)
//
// Targets: >= 20,000 ERC-20 transfers/s into PostgreSQL; p99 <= 50 ms for top holders and wallet
// approvals on 1M transfers. The machine may be shared: compare the two columns of one run.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
const { createDb, migrate } = await dist('db/index.js');
const { balanceDeltas, createChainStore, createChainIndexer, decodeLogs, INDEXED_TOPICS, TOPICS } =
  await dist('chain/index.js');
const { createIndexerRpc } = await dist('chain/rpcAdapter.js');
const insights = await dist('chain/insights/index.js');
const { createLogger } = await dist('internal/logger.js');

const argv = process.argv;
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? def : argv[i + 1];
};
const num = (name, def) => Number(opt(name, def));
const MODE = opt('mode', 'all');
const TRANSFERS = num('transfers', 1_000_000);
const QUERIES = num('queries', 2000);
const BASELINE_PER_ROUND = num('baseline', 5_000);
const WRITE_ROUNDS = num('write-rounds', 4);
const RPC_TRANSFERS = num('rpc-transfers', 200_000);
const RPC_ROUNDS = num('rounds', 3);
// rpc mode: holders drawn uniformly (the worst case for balance upserts) instead of skewed.
const UNIFORM = argv.includes('--uniform');
// rpc mode: the indexer's maxBatchLogs; several (comma-separated) are compared in the same rounds.
const BATCH_LOGS = opt('batch-logs', null)?.split(',').map(Number) ?? [undefined];
const CHUNK = 5_000; // transfers per committed batch (an eth_getLogs chunk)
const TOKENS = 50;
const HOLDERS = 200_000;
const CHAIN = 1;
const silent = createLogger({ level: 'silent' });

const hex40 = (n) => `0x${n.toString(16).padStart(40, '0')}`;
const pad = (a) => `0x${a.slice(2).padStart(64, '0')}`;
const fakeHash = (n) => `0x${createHash('sha256').update(`bench|${n}`).digest('hex')}`;
let seed = 42;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
// Zipf-ish: a few busy holders, a long tail.
const holder = () => hex40(0x100000 + Math.floor(HOLDERS * rnd() ** 3));
const token = () => hex40(0xaa0000 + Math.floor(TOKENS * rnd() ** 2));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** `n` transfer logs (and ~5% approvals) starting at block `block0`, 50 logs per block. */
function makeLogs(n, block0) {
  const logs = [];
  for (let i = 0; i < n; i++) {
    const block = BigInt(block0 + Math.floor(i / 50));
    const approval = rnd() < 0.05;
    const from = i < TOKENS * 20 ? hex40(0) : holder();
    logs.push({
      address: token(),
      topics: [
        approval ? TOPICS.approval : TOPICS.transfer,
        pad(from === hex40(0) && approval ? holder() : from),
        pad(holder()),
      ],
      data: `0x${BigInt(Math.floor(rnd() * 1e12) + 1)
        .toString(16)
        .padStart(64, '0')}`,
      blockNumber: block,
      logIndex: i % 50,
      transactionHash: `0x${(i + 1).toString(16).padStart(64, '0')}`,
    });
  }
  return logs;
}

async function openTarget(kind, tag) {
  if (kind === 'postgres') {
    const url = process.env.DATABASE_URL;
    const schema = `bench_chain_${tag}_${process.pid}`;
    const db = await createDb({ kind: 'postgres', url, schema, poolSize: 4 });
    await migrate(db);
    return {
      db,
      async drop() {
        await db.query(`drop schema if exists "${schema}" cascade`);
        await db.close();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-chain-'));
  const db = await createDb({ kind: 'pglite', dataDir: dir });
  await migrate(db);
  return {
    db,
    async drop() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const empty = { allowanceReads: [], nativeTransfers: [], contracts: [], tokens: [] };

/** Sextant's write path over `logs`, in chunks: each with its last block's header and checkpoint. */
async function load(db, logs) {
  const store = createChainStore(db);
  const t0 = performance.now();
  let transfers = 0;
  for (let i = 0; i < logs.length; i += CHUNK) {
    const part = logs.slice(i, i + CHUNK);
    const decoded = decodeLogs(part);
    transfers += decoded.erc20Transfers.length;
    const last = part.at(-1).blockNumber;
    const header = {
      number: last,
      hash: fakeHash(last),
      parentHash: fakeHash(last - 1n),
      timestamp: 1_700_000_000n + last * 12n,
      gasUsed: null,
      baseFee: null,
      txCount: null,
    };
    await store.apply(
      CHAIN,
      { ...empty, blocks: [header], decoded, checkpoint: { block: last, hash: header.hash } },
      0,
    );
  }
  return { transfers, seconds: (performance.now() - t0) / 1000 };
}

/** The naive way: one INSERT per transfer and one balance upsert per side, one transaction per chunk. */
async function loadNaive(db, logs) {
  const decoded = decodeLogs(logs).erc20Transfers;
  const t0 = performance.now();
  for (let i = 0; i < decoded.length; i += CHUNK) {
    await db.transaction(async (tx) => {
      for (const t of decoded.slice(i, i + CHUNK)) {
        await tx.query(
          `insert into erc20_transfers (chain_id, block_number, log_index, tx_hash, token, sender, recipient, value)
           values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
          [
            CHAIN + 1,
            t.blockNumber.toString(),
            t.logIndex,
            t.txHash,
            t.token,
            t.from,
            t.to,
            t.value.toString(),
          ],
        );
        for (const [h, v] of [
          [t.from, -t.value],
          [t.to, t.value],
        ])
          await tx.query(
            `insert into erc20_balances (chain_id, token, holder, balance) values ($1, $2, $3, $4)
             on conflict (chain_id, token, holder) do update set balance = erc20_balances.balance + excluded.balance`,
            [CHAIN + 1, t.token, h, v.toString()],
          );
      }
    });
  }
  return { transfers: decoded.length, seconds: (performance.now() - t0) / 1000 };
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function latency(label, fn) {
  for (let i = 0; i < 50; i++) await fn(i);
  const times = [];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  return { label, p50: pct(times, 50), p99: pct(times, 99), max: Math.max(...times) };
}

async function writeMode(kind) {
  const logs = makeLogs(TRANSFERS, 10_000_000);
  const baselineLogs = makeLogs(BASELINE_PER_ROUND * WRITE_ROUNDS, 50_000_000);
  const t = await openTarget(kind, 'w');
  try {
    // Interleaved: the candidate's load is cut into WRITE_ROUNDS slices, each followed (or, every
    // other round, preceded) by a baseline slice, so both see the same machine and table sizes.
    const ours = { transfers: 0, seconds: 0 };
    const naive = { transfers: 0, seconds: 0 };
    const per = Math.ceil(logs.length / WRITE_ROUNDS / CHUNK) * CHUNK;
    const rounds = [];
    for (let r = 0; r < WRITE_ROUNDS; r++) {
      const candidate = async () => {
        const x = await load(t.db, logs.slice(r * per, (r + 1) * per));
        ours.transfers += x.transfers;
        ours.seconds += x.seconds;
        return x;
      };
      const baseline = async () => {
        const x = await loadNaive(
          t.db,
          baselineLogs.slice(r * BASELINE_PER_ROUND, (r + 1) * BASELINE_PER_ROUND),
        );
        naive.transfers += x.transfers;
        naive.seconds += x.seconds;
        return x;
      };
      const [a, b] = r % 2 === 0 ? [await candidate(), await baseline()] : [null, await baseline()];
      const c = a ?? (await candidate());
      rounds.push([c.transfers / c.seconds, b.transfers / b.seconds]);
    }
    const rate = (x) => x.transfers / x.seconds;
    console.log(`\n## ${kind}: write path (${fmt(TRANSFERS)} logs, ~95% transfers, chunks of ${CHUNK})`);
    console.log('| round | Sextant transfers/s | baseline transfers/s | ratio |');
    console.log('|---:|---:|---:|---:|');
    for (const [i, [c, b]] of rounds.entries())
      console.log(`| ${i + 1} | ${fmt(c)} | ${fmt(b)} | ${(c / b).toFixed(1)}x |`);
    console.log(
      `| all | ${fmt(rate(ours))} (${fmt(ours.transfers)} in ${ours.seconds.toFixed(1)} s) | ${fmt(rate(naive))} (${fmt(naive.transfers)}) | ${(rate(ours) / rate(naive)).toFixed(1)}x |`,
    );
    const size = await t.db
      .query(
        "select sum(pg_total_relation_size(c.oid))::bigint as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname in ('erc20_transfers','erc20_balances','erc20_allowances') and n.nspname = current_schema()",
      )
      .catch(() => [{ bytes: null }]);
    if (size[0]?.bytes)
      console.log(
        `disk: ${fmt(Number(size[0].bytes) / (ours.transfers + naive.transfers))} bytes per transfer (tables + indexes)`,
      );

    const tokens = Array.from({ length: TOKENS }, (_, i) => hex40(0xaa0000 + i));
    const owners = logs
      .filter((l) => l.topics[0] === TOPICS.approval)
      .map((l) => `0x${l.topics[1].slice(26)}`);
    // As the API calls them: top holders with the process's holder-totals cache, first page of 100.
    const totals = insights.createHolderTotalsCache();
    const topHolders = (i) => insights.topHolders(t.db, CHAIN, tokens[i % TOKENS], { limit: 100, totals });
    const approvals = (i) => insights.walletApprovals(t.db, CHAIN, owners[(i * 7919) % owners.length]);
    const check = await topHolders(0);
    if (check.holders.length === 0) throw new Error('top holders returned nothing: the bench is broken');
    console.log(
      `\n| query on ${fmt(ours.transfers)} transfers (${QUERIES} runs, src/chain/insights) | p50 ms | p99 ms | max ms | target p99 <= 50 ms |`,
    );
    console.log('|---|---:|---:|---:|---|');
    for (const r of [
      await latency('top 100 holders of a token (holderCount, totalHeld, page)', topHolders),
      await latency('outstanding approvals of a wallet', approvals),
    ])
      console.log(
        `| ${r.label} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.p99 <= 50 ? 'MET' : 'MISSED'} |`,
      );
    return rate(ours);
  } finally {
    await t.drop();
  }
}

// ---- upsert mode: the balance upsert of a batch, rows in primary-key order (what the store does)
// vs in arrival order, on the same table (two chain ids), alternating which goes first.

async function upsertMode(kind) {
  const t = await openTarget(kind, 'u');
  const upsert = (chainId, entries) => {
    const tokens = [];
    const holders = [];
    const values = [];
    for (const [k, v] of entries) {
      const i = k.indexOf('|');
      tokens.push(k.slice(0, i));
      holders.push(k.slice(i + 1));
      values.push(v.toString());
    }
    return t.db.transaction((q) =>
      q.query(
        `insert into erc20_balances (chain_id, token, holder, balance)
         select $1, * from unnest($2::text[], $3::text[], $4::numeric[])
         on conflict (chain_id, token, holder) do update set balance = erc20_balances.balance + excluded.balance`,
        [chainId, tokens, holders, values],
      ),
    );
  };
  try {
    const rows = [];
    for (let r = 0; r < WRITE_ROUNDS; r++) {
      const deltas = [...balanceDeltas(decodeLogs(makeLogs(50_000, 1_000 + r * 1_000)).erc20Transfers)];
      const sorted = [...deltas].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      const time = async (fn) => {
        const s = performance.now();
        await fn();
        return performance.now() - s;
      };
      const run = { sorted: 0, arrival: 0 };
      for (const which of r % 2 === 0 ? ['arrival', 'sorted'] : ['sorted', 'arrival'])
        run[which] = await time(() =>
          upsert(which === 'sorted' ? 7 : 8, which === 'sorted' ? sorted : deltas),
        );
      rows.push({ keys: deltas.length, ...run });
    }
    console.log(`\n## ${kind}: balance upsert of one batch (50,000 transfers), ms`);
    console.log('| round | keys | key order | arrival order | arrival / key order |');
    console.log('|---:|---:|---:|---:|---:|');
    for (const [i, x] of rows.entries())
      console.log(
        `| ${i + 1} | ${fmt(x.keys)} | ${fmt(x.sorted)} | ${fmt(x.arrival)} | ${(x.arrival / x.sorted).toFixed(2)}x |`,
      );
    const sum = (k) => rows.reduce((a, x) => a + x[k], 0);
    console.log(
      `| all | | ${fmt(sum('sorted'))} | ${fmt(sum('arrival'))} | ${(sum('arrival') / sum('sorted')).toFixed(2)}x |`,
    );
  } finally {
    await t.drop();
  }
}

// ---- rpc mode: a local anvil node.

const LOG_SPRAY_SOL = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
/// Emits standard ERC-20 Transfer events (3 topics, 32-byte value) between pseudo-random holders:
/// skewed (x^3) like the write mode's, a few busy addresses and a long tail, or uniform when skew = 0.
contract LogSpray {
    event Transfer(address indexed from, address indexed to, uint256 value);
    function pick(uint256 r, uint256 holders, bool skew) private pure returns (address) {
        uint256 x = r % holders;
        if (skew) x = ((x * x) / holders) * x / holders;
        return address(uint160(0x100000 + x));
    }
    function spray(uint256 seed, uint256 n, uint256 holders, bool skew) external {
        for (uint256 i = 0; i < n; i++) {
            uint256 h = uint256(keccak256(abi.encode(seed, i)));
            emit Transfer(pick(h, holders, skew), pick(h >> 64, holders, skew), (h >> 128) % 1e18 + 1);
        }
    }
}`;

function compileSpray() {
  const require = createRequire(import.meta.url);
  const solc = require('solc');
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'LogSpray.sol': { content: LOG_SPRAY_SOL } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: 'cancun',
          outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
        },
      }),
    ),
  );
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  return `0x${out.contracts['LogSpray.sol'].LogSpray.evm.bytecode.object}`;
}

function anvilBinary() {
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  try {
    return createRequire(import.meta.url).resolve(`${pkg}/bin/anvil`);
  } catch {
    return 'anvil';
  }
}

async function startAnvil() {
  const child = spawn(
    anvilBinary(),
    [
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--gas-limit',
      '2000000000',
      '--accounts',
      '2',
      '--timestamp',
      '1700000000',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`anvil did not start:\n${buf}`)), 20_000);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /Listening on [^\s:]+:(\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`anvil exited (${code}):\n${buf}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  const url = `http://127.0.0.1:${port}`;
  let id = 0;
  const rpc = async (method, params = []) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    const j = await res.json();
    if (j.error) throw new Error(`${method}: ${j.error.message}`);
    return j.result;
  };
  return { url, rpc, stop: () => child.kill('SIGKILL') };
}

/** Deploys `tokens` LogSpray contracts and emits `n` Transfer logs over them; returns the head. */
async function fillChain(node, n, tokens) {
  const [from] = await node.rpc('eth_accounts');
  const bytecode = compileSpray();
  const receiptOf = async (hash) => {
    for (;;) {
      const r = await node.rpc('eth_getTransactionReceipt', [hash]);
      if (r) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
  };
  const addresses = [];
  for (let i = 0; i < tokens; i++) {
    const r = await receiptOf(
      await node.rpc('eth_sendTransaction', [{ from, data: bytecode, gas: '0x2dc6c0' }]),
    );
    addresses.push(r.contractAddress);
  }
  // spray(uint256 seed, uint256 n, uint256 holders): selector from the signature.
  const { keccak256, toHex, encodeAbiParameters } = await import('viem');
  const selector = keccak256(toHex('spray(uint256,uint256,uint256,bool)')).slice(0, 10);
  const PER_TX = 10_000;
  let left = n;
  for (let k = 0; left > 0; k++) {
    const m = Math.min(PER_TX, left);
    left -= m;
    const data =
      selector +
      encodeAbiParameters(
        [{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bool' }],
        [BigInt(k), BigInt(m), BigInt(HOLDERS), !UNIFORM],
      ).slice(2);
    const r = await receiptOf(
      await node.rpc('eth_sendTransaction', [
        { from, to: addresses[k % tokens], data, gas: `0x${(m * 6_000 + 500_000).toString(16)}` },
      ]),
    );
    if (r.status !== '0x1' || r.logs.length !== m)
      throw new Error(`spray tx failed (${r.status}, ${r.logs.length} logs)`);
  }
  return BigInt(await node.rpc('eth_blockNumber'));
}

/** Wraps the indexer's RPC and store calls to sum the time spent in each (ms). */
function timed(rpc, store) {
  const spent = {};
  const add = (k, t0) => {
    spent[k] = (spent[k] ?? 0) + performance.now() - t0;
  };
  for (const [obj, names] of [
    [rpc, ['blockNumber', 'getBlock', 'call']],
    [store, ['apply', 'approvalsOf', 'knownTokens', 'pruneBlocks', 'checkpoint', 'blocks']],
  ])
    for (const k of names) {
      const f = obj[k].bind(obj);
      obj[k] = async (...a) => {
        const t0 = performance.now();
        try {
          return await f(...a);
        } finally {
          add(k, t0);
        }
      };
    }
  const getLogs = rpc.getLogs.bind(rpc);
  rpc.getLogs = async function* (range) {
    let t0 = performance.now();
    for await (const chunk of getLogs(range)) {
      add('getLogs', t0);
      yield chunk;
      t0 = performance.now();
    }
  };
  return spent;
}

async function rpcMode(kinds) {
  const node = await startAnvil();
  try {
    const t0 = performance.now();
    const head = await fillChain(node, RPC_TRANSFERS, 8);
    console.log(
      `\nanvil: ${fmt(RPC_TRANSFERS)} Transfer logs over 8 contracts in ${head} blocks, ${fmt(HOLDERS)} holders drawn ${UNIFORM ? 'uniformly' : 'skewed (x^3)'} (made in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const chain = {
      id: 31337,
      rpc: [node.url],
      finality: 2,
      startBlock: 0,
      fullBlocks: false,
      nativeAddresses: [],
      requestsPerSecond: 100_000,
      whaleMinUsd: 1_000_000,
    };
    const results = {};
    for (const kind of kinds) {
      const byVariant = BATCH_LOGS.map(() => []);
      const indexer = byVariant[0];
      const nodeOnly = [];
      const phases = [];
      for (let r = 0; r < RPC_ROUNDS; r++) {
        const runIndexer = async () => {
          for (const [v, batchLogs] of BATCH_LOGS.entries()) await runVariant(v, batchLogs);
        };
        const runVariant = async (v, batchLogs) => {
          const t = await openTarget(kind, `r${r}`);
          try {
            const rpc = createIndexerRpc(chain, silent);
            const store = createChainStore(t.db);
            const spent = timed(rpc, store);
            const ix = createChainIndexer({
              chainId: chain.id,
              rpc,
              store,
              logger: silent,
              finality: chain.finality,
              startBlock: 0n,
              fullBlocks: false,
              ...(batchLogs === undefined ? {} : { maxBatchLogs: batchLogs }),
            });
            const s = performance.now();
            while ((await ix.syncOnce()) !== null);
            const seconds = (performance.now() - s) / 1000;
            const [{ n }] = await t.db.query('select count(*)::int as n from erc20_transfers');
            if (n !== RPC_TRANSFERS) throw new Error(`indexed ${n} transfers, expected ${RPC_TRANSFERS}`);
            byVariant[v].push(n / seconds);
            if (v === 0) phases.push({ total: seconds * 1000, ...spent });
          } finally {
            await t.drop();
          }
        };
        const runNode = async () => {
          const rpc = createIndexerRpc(chain, silent);
          const s = performance.now();
          let n = 0;
          for await (const chunk of rpc.getLogs({ fromBlock: 0n, toBlock: head, topics: INDEXED_TOPICS }))
            n += decodeLogs(chunk.logs).erc20Transfers.length;
          if (n !== RPC_TRANSFERS) throw new Error(`read ${n} transfers, expected ${RPC_TRANSFERS}`);
          nodeOnly.push(n / ((performance.now() - s) / 1000));
        };
        if (r % 2 === 0) {
          await runIndexer();
          await runNode();
        } else {
          await runNode();
          await runIndexer();
        }
      }
      results[kind] = median(indexer);
      console.log(
        `\n## ${kind}: indexed from the local node over JSON-RPC (${fmt(RPC_TRANSFERS)} transfers)`,
      );
      console.log(
        '| round | indexer transfers/s | node only (eth_getLogs + decode) transfers/s | indexer / node |',
      );
      console.log('|---:|---:|---:|---:|');
      for (const [i, v] of indexer.entries())
        console.log(`| ${i + 1} | ${fmt(v)} | ${fmt(nodeOnly[i])} | ${(v / nodeOnly[i]).toFixed(2)} |`);
      console.log(
        `| median | ${fmt(median(indexer))} | ${fmt(median(nodeOnly))} | ${(median(indexer) / median(nodeOnly)).toFixed(2)} |`,
      );
      if (BATCH_LOGS.length > 1)
        for (const [v, b] of BATCH_LOGS.entries())
          console.log(
            `maxBatchLogs ${fmt(b)}: ${byVariant[v].map(fmt).join(' / ')} transfers/s (median ${fmt(median(byVariant[v]))})`,
          );
      // Where the indexer's time went (summed over rounds; RPC calls overlap, so shares are approximate).
      const sum = (k) => phases.reduce((a, p) => a + (p[k] ?? 0), 0);
      const total = sum('total');
      console.log(
        `time: ${[
          'getLogs',
          'getBlock',
          'call',
          'apply',
          'approvalsOf',
          'knownTokens',
          'pruneBlocks',
          'checkpoint',
        ]
          .map((k) => `${k} ${((100 * sum(k)) / total).toFixed(0)}%`)
          .join(', ')}`,
      );
    }
    return results;
  } finally {
    node.stop();
  }
}

const kinds = ['pglite', ...(process.env.DATABASE_URL ? ['postgres'] : [])].filter(
  (k) => !opt('targets', null) || opt('targets', '').split(',').includes(k),
);
console.log(
  `node ${process.version}; mode ${MODE}; targets ${kinds.join(', ')}${process.env.DATABASE_URL ? '' : ' (DATABASE_URL not set: PostgreSQL skipped)'}`,
);
const summary = [];
if (MODE === 'all' || MODE === 'rpc') {
  const r = await rpcMode(kinds);
  if (r.postgres !== undefined)
    summary.push(
      `indexed from anvil into PostgreSQL: ${fmt(r.postgres)} transfers/s (target >= 20,000: ${r.postgres >= 20_000 ? 'MET' : 'MISSED'})`,
    );
}
if (MODE === 'all' || MODE === 'write')
  for (const kind of kinds) {
    const rate = await writeMode(kind);
    if (kind === 'postgres')
      summary.push(
        `write path into PostgreSQL: ${fmt(rate)} transfers/s (target >= 20,000: ${rate >= 20_000 ? 'MET' : 'MISSED'})`,
      );
  }
if (MODE === 'upsert') for (const kind of kinds) await upsertMode(kind);
if (summary.length) console.log(`\n${summary.join('\n')}`);

#!/usr/bin/env node
// On-chain index benchmark: ERC-20 transfers written per second through the indexer's own write
// path (decodeLogs → chain store batch with balances and checkpoint, one transaction per chunk),
// into embedded PGlite and into PostgreSQL (DATABASE_URL), against a naive baseline in the same
// run (one INSERT per transfer plus a balance upsert per side); then query latency of top holders
// and wallet approvals on a 1,000,000-transfer data set.
//
//   npm run build && node bench/chain/run.mjs [--transfers 1000000] [--queries 2000]
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/chain/run.mjs
//
// Targets (issue 6): >= 20,000 ERC-20 transfers/s into PostgreSQL; p99 <= 50 ms for top holders
// and wallet approvals on 1M transfers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
const { createDb, migrate } = await dist('db/index.js');
const { createChainStore, decodeLogs, TOPICS } = await dist('chain/index.js');
const insights = await dist('chain/insights/index.js').catch(() => null);

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
};
const TRANSFERS = arg('transfers', 1_000_000);
const QUERIES = arg('queries', 2000);
const BASELINE = arg('baseline', 20_000);
const CHUNK = 5_000; // transfers per committed batch (an eth_getLogs chunk)
const TOKENS = 50;
const HOLDERS = 200_000;
const CHAIN = 1;

const hex40 = (n) => `0x${n.toString(16).padStart(40, '0')}`;
const pad = (a) => `0x${a.slice(2).padStart(64, '0')}`;
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

async function openTarget(kind) {
  if (kind === 'postgres') {
    const url = process.env.DATABASE_URL;
    const schema = `bench_chain_${process.pid}`;
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

async function load(db, logs) {
  const store = createChainStore(db);
  const t0 = performance.now();
  let transfers = 0;
  for (let i = 0; i < logs.length; i += CHUNK) {
    const part = logs.slice(i, i + CHUNK);
    const decoded = decodeLogs(part);
    transfers += decoded.erc20Transfers.length;
    await store.apply(
      CHAIN,
      { ...empty, blocks: [], decoded, checkpoint: { block: part.at(-1).blockNumber, hash: null } },
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

const targets = ['pglite', ...(process.env.DATABASE_URL ? ['postgres'] : [])];
console.log(
  `node ${process.version}; ${TRANSFERS.toLocaleString('en-US')} logs (~95% transfers), ${TOKENS} tokens, ${HOLDERS.toLocaleString('en-US')} holders; chunks of ${CHUNK}`,
);
if (!process.env.DATABASE_URL) console.log('(DATABASE_URL not set: PostgreSQL skipped)');
const logs = makeLogs(TRANSFERS, 10_000_000);
for (const kind of targets) {
  const t = await openTarget(kind);
  try {
    const naive = await loadNaive(t.db, logs.slice(0, BASELINE));
    const ours = await load(t.db, logs);
    const rate = (r) => Math.round(r.transfers / r.seconds);
    console.log(`\n## ${kind}`);
    console.log('| write path | transfers | seconds | transfers/s |');
    console.log('|---|---:|---:|---:|');
    console.log(
      `| Sextant (decode + batch + balances + checkpoint) | ${ours.transfers} | ${ours.seconds.toFixed(1)} | ${rate(ours).toLocaleString('en-US')} |`,
    );
    console.log(
      `| baseline: INSERT per transfer + upsert per side | ${naive.transfers} | ${naive.seconds.toFixed(1)} | ${rate(naive).toLocaleString('en-US')} |`,
    );
    if (kind === 'postgres')
      console.log(`target >= 20,000 transfers/s into PostgreSQL: ${rate(ours) >= 20_000 ? 'MET' : 'MISSED'}`);
    const size = await t.db
      .query(
        "select sum(pg_total_relation_size(c.oid))::bigint as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname in ('erc20_transfers','erc20_balances','erc20_allowances') and n.nspname = current_schema()",
      )
      .catch(() => [{ bytes: null }]);
    if (size[0]?.bytes)
      console.log(
        `disk: ${(Number(size[0].bytes) / ours.transfers).toFixed(0)} bytes per transfer (tables + indexes)`,
      );

    const tokens = Array.from({ length: TOKENS }, (_, i) => hex40(0xaa0000 + i));
    const owners = logs
      .filter((l) => l.topics[0] === TOPICS.approval)
      .map((l) => `0x${l.topics[1].slice(26)}`);
    const topHolders = insights?.topHolders
      ? (i) => insights.topHolders(t.db, { chainId: CHAIN, token: tokens[i % TOKENS], limit: 100 })
      : (i) =>
          t.db.query(
            'select holder, balance::text from erc20_balances where chain_id = $1 and token = $2 and balance > 0 order by balance desc limit 100',
            [CHAIN, tokens[i % TOKENS]],
          );
    const approvals = insights?.walletApprovals
      ? (i) => insights.walletApprovals(t.db, { chainId: CHAIN, address: owners[i % owners.length] })
      : (i) =>
          t.db.query(
            `select * from (select distinct on (token, spender) token, spender, value::text, block_number from erc20_allowances
               where chain_id = $1 and owner = $2 order by token, spender, block_number desc, seq desc) a where value <> '0'`,
            [CHAIN, owners[i % owners.length]],
          );
    console.log(
      `\n| query (${QUERIES} runs, ${insights ? 'src/chain/insights' : 'plain SQL'}) | p50 ms | p99 ms | max ms | target p99 <= 50 ms |`,
    );
    console.log('|---|---:|---:|---:|---|');
    for (const r of [
      await latency('top 100 holders of a token', topHolders),
      await latency('outstanding approvals of a wallet', approvals),
    ])
      console.log(
        `| ${r.label} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.p99 <= 50 ? 'MET' : 'MISSED'} |`,
      );
  } finally {
    await t.drop();
  }
}

import { createHash } from 'node:crypto';
import type { Db } from './client.js';

/** One versioned schema change. Never edit a migration that has shipped: add a new one. */
export type Migration = { version: number; name: string; sql: string };

/** Every migration, in order. Later issues append here. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'api_keys_and_usage',
    sql: `
      create table api_keys (
        id          text primary key,
        name        text not null,
        prefix      text not null,
        secret_hash text not null unique,
        tier        text not null check (tier in ('free', 'pro', 'enterprise')),
        scopes      text[] not null default '{}',
        created_at  timestamptz not null default now(),
        revoked_at  timestamptz,
        last_used_at timestamptz
      );
      create table api_usage (
        key_id   text not null references api_keys(id),
        day      date not null,
        requests bigint not null default 0,
        primary key (key_id, day)
      );
    `,
  },
  {
    version: 2,
    name: 'market_data',
    sql: `
      -- What is stored per market (CCXT venue id + symbol) and interval, kept by every write,
      -- for lookups and gap checks. Candles refer to it by id to keep rows and index small.
      create table candle_series (
        id         serial primary key,
        venue      text not null,
        symbol     text not null,
        interval   text not null,
        asset_id   text not null,
        quote      text not null,
        first_open bigint,
        last_open  bigint,
        bars       bigint not null default 0,
        updated_at timestamptz not null default now(),
        unique (venue, symbol, interval)
      );
      create index candle_series_asset on candle_series (asset_id, interval);
      -- One row per bar. Times in ms since the epoch (UTC open time); prices in the quote
      -- currency, volume in the base asset.
      create table candles (
        -- No foreign key: checking it per row halves bulk-import speed; writers create the series first.
        series_id integer not null,
        open_time bigint not null,
        open      double precision not null,
        high      double precision not null,
        low       double precision not null,
        close     double precision not null,
        volume    double precision not null,
        -- False while the bar's interval was still open when it was written.
        closed    boolean not null default true,
        primary key (series_id, open_time)
      );
      create table funding_rates (
        venue      text not null,
        symbol     text not null,
        ts         bigint not null,
        rate       double precision not null,
        mark_price double precision not null,
        primary key (venue, symbol, ts)
      );
      create table market_imports (
        id          bigserial primary key,
        file        text not null,
        sha256      text not null,
        kind        text not null,
        venue       text not null,
        symbol      text not null,
        interval    text,
        rows        integer not null,
        inserted    integer not null,
        updated     integer not null,
        imported_at timestamptz not null default now()
      );
    `,
  },
  {
    version: 3,
    name: 'signal_ledger',
    sql: `
      -- The signal ledger: append-only. A signal is never rewritten or deleted (the trigger
      -- refuses), so a query "as of" a past time returns exactly what was known then.
      create table signals (
        id            bigserial primary key,
        asset_id      text not null,
        venue         text not null,
        symbol        text not null,
        interval      text not null,
        strategy      text not null,
        model_version text not null,
        direction     text not null check (direction in ('long', 'short', 'flat')),
        strength      double precision not null check (strength >= 0 and strength <= 1),
        reason        jsonb not null,
        -- Close time of the last bar used (ms since the epoch).
        issued_at     bigint not null,
        inputs_hash   text not null,
        -- Feed clock when recorded (ms): what as-of queries filter on.
        known_at      bigint not null,
        recorded_at   timestamptz not null default now(),
        unique (asset_id, venue, symbol, interval, strategy, model_version, issued_at)
      );
      create index signals_by_asset on signals (asset_id, interval, strategy, issued_at);
      create index signals_by_time on signals (known_at);
      create function signals_append_only() returns trigger language plpgsql as $fn$
        begin
          raise exception 'the signal ledger is append-only: % is not allowed', tg_op;
        end
      $fn$;
      create trigger signals_append_only before update or delete on signals
        for each row execute function signals_append_only();
    `,
  },
  {
    version: 4,
    name: 'grades',
    sql: `
      -- Grades with their history: append-only like the signal ledger.
      create table grades (
        id            bigserial primary key,
        asset_id      text not null,
        kind          text not null check (kind in ('trader', 'investor')),
        model_version text not null,
        score         double precision not null check (score >= 0 and score <= 100),
        letter        text not null,
        factors       jsonb not null,
        -- Close time of the last daily bar used (ms).
        as_of         bigint not null,
        known_at      bigint not null,
        recorded_at   timestamptz not null default now(),
        unique (asset_id, kind, model_version, as_of)
      );
      create index grades_by_asset on grades (asset_id, kind, as_of);
      create trigger grades_append_only before update or delete on grades
        for each row execute function signals_append_only();
    `,
  },
  {
    version: 5,
    name: 'siwe_auth',
    sql: `
      -- Sign-In with Ethereum. A nonce is issued, then used once to sign in (used_at set in the
      -- same conditional UPDATE that checks it, so a replay cannot win). Times in ms since the epoch.
      create table siwe_nonces (
        nonce      text primary key,
        issued_at  bigint not null,
        expires_at bigint not null,
        used_at    bigint
      );
      create index siwe_nonces_expiry on siwe_nonces (expires_at);
      -- Sessions hold the SHA-256 of their bearer token, never the token. One session per nonce.
      create table siwe_sessions (
        token_hash text primary key,
        nonce      text not null unique,
        address    text not null,
        chain_id   bigint not null,
        domain     text not null,
        created_at bigint not null,
        expires_at bigint not null,
        revoked_at bigint
      );
      create index siwe_sessions_address on siwe_sessions (address);
      create index siwe_sessions_expiry on siwe_sessions (expires_at);
    `,
  },
  {
    version: 6,
    name: 'jobs',
    sql: `
      -- Durable background jobs (backtests, later backfills and index runs). Times in ms since
      -- the epoch. A runner claims a queued job, beats a heartbeat while it works, and a job whose
      -- heartbeat stopped (its process died) is queued again.
      create table jobs (
        id           text primary key,
        kind         text not null,
        owner_key_id text,
        params       jsonb not null,
        status       text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'canceled')),
        progress     double precision not null default 0,
        stage        text,
        result       jsonb,
        error        jsonb,
        attempts     integer not null default 0,
        locked_by    text,
        heartbeat_at bigint,
        created_at   bigint not null,
        started_at   bigint,
        finished_at  bigint,
        updated_at   bigint not null
      );
      create index jobs_queue on jobs (status, created_at);
      create index jobs_owner on jobs (owner_key_id, kind, created_at desc);
    `,
  },
  {
    version: 7,
    name: 'webhooks',
    sql: `
      -- Webhook subscriptions to new signals, per API key. The secret signs each body
      -- (HMAC-SHA256); it is shown once at creation and kept to sign deliveries.
      create table webhooks (
        id           text primary key,
        owner_key_id text not null,
        url          text not null,
        secret       text not null,
        events       text[] not null,
        assets       text[],
        intervals    text[],
        strategies   text[],
        created_at   bigint not null,
        disabled_at  bigint
      );
      create index webhooks_owner on webhooks (owner_key_id);
      -- One row per (webhook, event): the outbox and the delivery log. The unique key makes
      -- enqueueing idempotent when several processes see the same event.
      create table webhook_deliveries (
        id              bigserial primary key,
        webhook_id      text not null references webhooks(id) on delete cascade,
        event_id        text not null,
        event_type      text not null,
        payload         text not null,
        status          text not null check (status in ('pending', 'delivered', 'failed')),
        attempts        integer not null default 0,
        next_attempt_at bigint not null,
        last_attempt_at bigint,
        last_status     integer,
        last_error      text,
        created_at      bigint not null,
        delivered_at    bigint,
        unique (webhook_id, event_id)
      );
      create index webhook_deliveries_due on webhook_deliveries (status, next_attempt_at);
    `,
  },
  {
    version: 8,
    name: 'chain_index',
    sql: `
      -- The EVM indexer. Amounts are exact integers (numeric(78,0): uint256), addresses and
      -- hashes lowercase hex, block times in seconds. Every row derived from a block carries its
      -- number, so a reorg deletes what is above the common ancestor and nothing else.
      create table chain_blocks (
        chain_id     integer not null,
        number       bigint not null,
        hash         text not null,
        parent_hash  text not null,
        timestamp    bigint not null,
        gas_used     numeric(78,0),
        base_fee     numeric(78,0),
        tx_count     integer,
        primary key (chain_id, number)
      );
      -- Indexed through this block (inclusive); the hash is checked against the chain on restart.
      create table chain_checkpoints (
        chain_id    integer primary key,
        block       bigint not null,
        hash        text,
        updated_at  bigint not null
      );
      -- One indexer per chain across processes: a lease renewed while it runs.
      create table chain_leases (
        chain_id   integer primary key,
        holder     text not null,
        expires_at bigint not null
      );
      create table erc20_transfers (
        chain_id     integer not null,
        block_number bigint not null,
        log_index    integer not null,
        tx_hash      text not null,
        token        text not null,
        sender       text not null,
        recipient    text not null,
        value        numeric(78,0) not null,
        primary key (chain_id, block_number, log_index)
      );
      create index erc20_transfers_token on erc20_transfers (chain_id, token, block_number);
      create index erc20_transfers_sender on erc20_transfers (chain_id, sender, block_number);
      create index erc20_transfers_recipient on erc20_transfers (chain_id, recipient, block_number);
      -- Allowance snapshots: from Approval events, and from allowance() reads after a transferFrom
      -- spent some (ERC-20s need not log that). The current allowance is the newest row.
      create table erc20_allowances (
        chain_id     integer not null,
        block_number bigint not null,
        seq          integer not null,
        token        text not null,
        owner        text not null,
        spender      text not null,
        value        numeric(78,0) not null,
        source       text not null check (source in ('event', 'read')),
        primary key (chain_id, block_number, seq)
      );
      create index erc20_allowances_owner on erc20_allowances (chain_id, owner, token, spender, block_number desc, seq desc);
      create table nft_transfers (
        chain_id     integer not null,
        block_number bigint not null,
        log_index    integer not null,
        batch_index  integer not null,
        tx_hash      text not null,
        token        text not null,
        standard     text not null check (standard in ('erc721', 'erc1155')),
        operator     text,
        sender       text not null,
        recipient    text not null,
        token_id     numeric(78,0) not null,
        amount       numeric(78,0) not null,
        primary key (chain_id, block_number, log_index, batch_index)
      );
      create index nft_transfers_token on nft_transfers (chain_id, token, token_id);
      create index nft_transfers_recipient on nft_transfers (chain_id, recipient);
      create table native_transfers (
        chain_id     integer not null,
        block_number bigint not null,
        tx_index     integer not null,
        tx_hash      text not null,
        sender       text not null,
        recipient    text not null,
        value        numeric(78,0) not null,
        primary key (chain_id, block_number, tx_index)
      );
      create index native_transfers_sender on native_transfers (chain_id, sender);
      create index native_transfers_recipient on native_transfers (chain_id, recipient);
      -- Contracts seen (created in an indexed block, or looked up): creation block and time.
      create table chain_contracts (
        chain_id     integer not null,
        address      text not null,
        block_number bigint not null,
        created_at   bigint,
        tx_hash      text,
        creator      text,
        primary key (chain_id, address)
      );
      create index chain_contracts_block on chain_contracts (chain_id, block_number);
      create table chain_tokens (
        chain_id   integer not null,
        address    text not null,
        standard   text not null,
        name       text,
        symbol     text,
        decimals   integer,
        first_block bigint not null,
        primary key (chain_id, address)
      );
      -- Derived ERC-20 balances, kept in step with erc20_transfers (also on rollback).
      create table erc20_balances (
        chain_id integer not null,
        token    text not null,
        holder   text not null,
        balance  numeric(78,0) not null,
        primary key (chain_id, token, holder)
      );
      create index erc20_balances_top on erc20_balances (chain_id, token, balance desc);
      create index erc20_balances_holder on erc20_balances (chain_id, holder);
    `,
  },
  {
    version: 9,
    name: 'chain_index_time_and_approval_tx',
    sql: `
      -- Finding the first block of a time window (activity, flows, whales).
      create index chain_blocks_time on chain_blocks (chain_id, timestamp);
      -- The Approval's transaction (null for a read-back after a transferFrom).
      alter table erc20_allowances add column tx_hash text;
    `,
  },
  {
    version: 10,
    name: 'ledgers_refuse_truncate',
    sql: `
      -- The signal ledger and the grades are append-only: TRUNCATE (which row triggers do not
      -- see) is refused too.
      create function append_only_no_truncate() returns trigger language plpgsql as $fn$
        begin
          raise exception 'table % is append-only: TRUNCATE is not allowed', tg_table_name;
        end
      $fn$;
      create trigger signals_no_truncate before truncate on signals
        for each statement execute function append_only_no_truncate();
      create trigger grades_no_truncate before truncate on grades
        for each statement execute function append_only_no_truncate();
    `,
  },
  {
    version: 11,
    name: 'erc20_balances_holder_first_key',
    sql: `
      -- Key the balances by (chain, holder, token): the key index then also answers a wallet's
      -- balances, and the separate holder index (a third index written on every balance change)
      -- goes. Top holders and holder counts read erc20_balances_top.
      alter table erc20_balances drop constraint erc20_balances_pkey;
      alter table erc20_balances add primary key (chain_id, holder, token);
      drop index erc20_balances_holder;
    `,
  },
];

export type MigrationStatus = { version: number; name: string; appliedAt: string | null };

export type MigrateResult = { applied: MigrationStatus[]; current: number; latest: number };

const LOCK_KEY = 727_274_001; // pg_advisory_xact_lock key: one migrator at a time per database.

function checksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex').slice(0, 16);
}

async function ensureTable(db: Db): Promise<void> {
  await db.exec(`
    create table if not exists schema_migrations (
      version    integer primary key,
      name       text not null,
      checksum   text not null,
      applied_at timestamptz not null default now()
    )`);
}

/** Applied and pending migrations. */
export async function migrationStatus(
  db: Db,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationStatus[]> {
  await ensureTable(db);
  const rows = await db.query<{ version: number; applied_at: Date }>(
    'select version, applied_at from schema_migrations',
  );
  const applied = new Map(rows.map((r) => [r.version, r.applied_at]));
  return migrations.map((m) => ({
    version: m.version,
    name: m.name,
    appliedAt: applied.has(m.version) ? new Date(applied.get(m.version)!).toISOString() : null,
  }));
}

/**
 * Apply pending migrations, each in its own transaction together with its bookkeeping row, so a
 * failing migration leaves the schema exactly as it was before it. Safe to run from several
 * processes at once on PostgreSQL (advisory lock). Refuses to run if an applied migration's SQL
 * changed since.
 */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  await ensureTable(db);
  const applied: MigrationStatus[] = [];
  const known = await db.query<{ version: number; checksum: string; name: string }>(
    'select version, checksum, name from schema_migrations order by version',
  );
  for (const row of known) {
    const m = migrations.find((x) => x.version === row.version);
    if (!m) {
      throw new Error(
        `database is at migration ${row.version} (${row.name}), which this version of Sextant does not know: upgrade Sextant`,
      );
    }
    if (checksum(m) !== row.checksum) {
      throw new Error(`migration ${m.version} (${m.name}) was changed after it was applied`);
    }
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const exists = await tx.query('select 1 from schema_migrations where version = $1', [m.version]);
      if (exists.length > 0) return false;
      try {
        await tx.exec(m.sql);
      } catch (err) {
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      await tx.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
        m.version,
        m.name,
        checksum(m),
      ]);
      return true;
    });
    if (done) applied.push({ version: m.version, name: m.name, appliedAt: new Date().toISOString() });
  }
  const latest = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  const cur = await db.query<{ v: number | null }>('select max(version) as v from schema_migrations');
  return { applied, current: cur[0]?.v ?? 0, latest };
}

/** Highest migration this build knows. */
export function latestMigration(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((v, m) => Math.max(v, m.version), 0);
}

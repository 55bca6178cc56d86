import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainStore, createConfiguredIndexer, whaleDepsOf } from '../../src/chain/index.js';
import { createIndexerRpc } from '../../src/chain/rpcAdapter.js';
import { loadConfig } from '../../src/internal/config.js';
import { createLogger } from '../../src/internal/logger.js';
import { openServices, type Services } from '../../src/services/index.js';
import { type Anvil, anvilAvailability, startAnvil } from '../chain/anvil.js';
import { type TestEnv, testEnv } from '../helpers.js';

/**
 * A ws:// URL in CHAINS: the indexer subscribes to new heads and indexes a new block at once,
 * although its poll interval is a minute. Without one, the same indexer only polls.
 */

const available = anvilAvailability();
const logger = createLogger({ level: 'silent' });

describe.runIf(!available.ok)('new heads over WebSocket', () => {
  it.skip(`skipped: anvil cannot run here (${'reason' in available ? available.reason : ''})`, () => {});
});

describe.runIf(available.ok)('new heads over WebSocket', () => {
  let anvil: Anvil;
  let env: TestEnv;
  let services: Services;

  beforeAll(async () => {
    anvil = await startAnvil();
    await anvil.mine(3);
    env = testEnv();
    services = await openServices(env.config, { logger, command: 'test' });
  }, 60_000);
  afterAll(async () => {
    await services?.close();
    await env?.cleanup();
    await anvil?.stop();
  });

  it('a new head wakes the caught-up indexer long before its next poll', async () => {
    const config = loadConfig({
      env: { CHAINS: JSON.stringify([{ id: anvil.chainId, rpc: [anvil.rpcUrl, anvil.wsUrl], finality: 2 }]) },
    });
    const chain = config.chainList[0]!;
    const rpc = createIndexerRpc(chain, logger);
    const store = createChainStore(services.db);
    const ix = createConfiguredIndexer({
      chain,
      db: services.db,
      bus: services.common.bus,
      logger,
      whaleDeps: whaleDepsOf(services),
      rpc,
      overrides: { pollMs: 60_000 },
    });
    const running = ix.run();
    try {
      const head = await anvil.client.getBlockNumber();
      await expect
        .poll(async () => (await store.checkpoint(chain.id))?.block, { timeout: 20_000 })
        .toBe(head);
      await expect.poll(() => rpc.heads()?.subscribed, { timeout: 10_000 }).toBe(true);
      // Caught up and waiting out a 60 s poll: only the notification can bring the next block in.
      await anvil.mine(1);
      await expect
        .poll(async () => (await store.checkpoint(chain.id))?.block, { timeout: 15_000 })
        .toBe(head + 1n);
      expect(rpc.heads()!.heads).toBeGreaterThan(0);
    } finally {
      await ix.stop();
      await running;
    }
    // Stopping closed the socket: no reconnects keep the process alive.
    expect(rpc.heads()!.subscribed).toBe(false);
  }, 60_000);
});

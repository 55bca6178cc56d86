import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeDeployData, encodeFunctionData, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { verifyWebhook } from '../../src/webhooks/index.js';
import { type Anvil, anvilAvailability, startAnvil } from '../chain/anvil.js';
import { fixtureContracts, testTokenAbi } from '../chain/contracts.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';

/**
 * Whale transfers pushed live by a server's indexer against anvil: the WebSocket `whales`
 * channel, SSE `?whales=`, and signed `chain.whale_transfer` webhooks; a reorg that drops a
 * pushed transfer sends its `removed` copy on every surface.
 *
 * Anvil runs as chain 1 with an ERC-20 placed at mainnet USDC's address, so the asset registry
 * maps it to `usd-coin` (a USD stablecoin: 1 USD per token without any candles).
 */

const available = anvilAvailability();
const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const U = 1_000_000n;

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

describe.runIf(!available.ok)('whale transfers pushed live', () => {
  it.skip(`skipped: anvil cannot run here (${'reason' in available ? available.reason : ''})`, () => {});
});

describe.runIf(available.ok)('whale transfers pushed live', () => {
  let anvil: Anvil;
  let server: TestServer;
  let receiver: Server;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let key: string;

  const send = async (from: Hex, data: Hex, to?: Hex) => {
    const hash = await anvil.rpc<Hex>('eth_sendTransaction', [
      { from, data, ...(to ? { to } : {}), gas: '0x4c4b40' },
    ]);
    return anvil.client.waitForTransactionReceipt({ hash });
  };
  const a = () => anvil.accounts;
  const transfer = (from: number, to: number, amount: bigint) =>
    send(
      a()[from]!.address,
      encodeFunctionData({ abi: testTokenAbi, functionName: 'transfer', args: [a()[to]!.address, amount] }),
      USDC,
    );

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 1, accounts: 5 });
    // Deploy the fixture ERC-20 (6 decimals), then copy its runtime code (immutables included) to
    // USDC's address; its open `mint` works there with empty storage.
    const { TestToken } = fixtureContracts();
    const deployed = await send(
      a()[0]!.address,
      encodeDeployData({
        abi: TestToken.abi,
        bytecode: TestToken.bytecode,
        args: ['USD Coin', 'USDC', 6, 0n],
      }),
    );
    const code = await anvil.client.getCode({ address: deployed.contractAddress! });
    await anvil.rpc('anvil_setCode', [USDC, code]);

    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    server = await startTestServer({
      CHAINS: JSON.stringify([{ id: 1, rpc: [anvil.rpcUrl], finality: 2, whaleMinUsd: 1000 }]),
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '50',
    });
    key = (await server.services.keys.create({ name: 'whales', tier: 'pro' })).secret;
  }, 60_000);

  afterAll(async () => {
    await stopTestServer(server);
    await new Promise<void>((r) => receiver?.close(() => r()));
    await anvil?.stop();
  });

  it('streams (WebSocket and SSE) and signs webhooks for transfers over the threshold, and their removal on a reorg', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const hook = await server.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: { 'x-api-key': key },
      payload: {
        url: `http://127.0.0.1:${port}/whales`,
        events: ['chain.whale_transfer'],
        assets: ['usd-coin'],
      },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const secret = (hook.json() as Json).secret as string;

    // WebSocket: unknown chains are refused; chain 1 is accepted.
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/stream`, {
      headers: { 'x-api-key': key },
    });
    const wsMsgs: Json[] = [];
    ws.on('message', (d) => wsMsgs.push(JSON.parse(d.toString()) as Json));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'whales', chains: [10], id: 1 }));
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'whales', chains: [1], id: 2 }));
    await vi.waitFor(() => expect(wsMsgs.filter((m) => m.id === 2)).toHaveLength(1));
    expect(wsMsgs.find((m) => m.id === 1)).toMatchObject({ type: 'error', code: 'CHAIN_NOT_FOUND' });
    expect(wsMsgs.find((m) => m.id === 2)).toEqual({
      type: 'subscribed',
      channel: 'whales',
      chains: [1],
      id: 2,
    });

    // SSE, read as it comes.
    const bad = await fetch(`${server.url}/v1/stream/sse?whales=5`, { headers: { 'x-api-key': key } });
    expect(bad.status).toBe(404);
    await bad.body?.cancel();
    const ac = new AbortController();
    const res = await fetch(`${server.url}/v1/stream/sse?whales=1`, {
      headers: { 'x-api-key': key },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    let sseText = '';
    const reading = (async () => {
      const dec = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
          sseText += dec.decode(chunk);
      } catch {
        // aborted
      }
    })();
    const sseWhales = () =>
      sseText
        .split('\n\n')
        .filter((e) => e.includes('event: whale\n'))
        .map((e) => JSON.parse(e.split('\ndata: ')[1]!) as Json);

    // 5,000 minted to #1 (a whale), 10 to #2 (not), 2,000 to #3 (a whale), each in its own block.
    const mint = await send(
      a()[0]!.address,
      encodeFunctionData({ abi: testTokenAbi, functionName: 'mint', args: [a()[1]!.address, 5_000n * U] }),
      USDC,
    );
    await transfer(1, 2, 10n * U);
    const big = await transfer(1, 3, 2_000n * U);

    await vi.waitFor(() => expect(wsMsgs.filter((m) => m.type === 'whale')).toHaveLength(2), {
      timeout: 20_000,
      interval: 50,
    });
    const pushed = wsMsgs.filter((m) => m.type === 'whale').map((m) => m.data as Json);
    expect(pushed.map((e) => [e.block, e.usd, e.removed, e.txHash])).toEqual([
      [mint.blockNumber.toString(), 5000, false, mint.transactionHash],
      [big.blockNumber.toString(), 2000, false, big.transactionHash],
    ]);
    expect(pushed[1]).toMatchObject({
      chainId: 1,
      blockHash: big.blockHash,
      token: USDC,
      asset: 'usd-coin',
      from: a()[1]!.address.toLowerCase(),
      to: a()[3]!.address.toLowerCase(),
      amount: { value: (2_000n * U).toString(), formatted: '2000' },
      price: { usd: 1, source: 'peg' },
    });
    await vi.waitFor(() => expect(sseWhales()).toHaveLength(2), { timeout: 10_000 });
    expect(sseWhales()).toEqual(pushed);

    // A reorg replaces the last block (the 2,000 transfer) with an empty one: it is removed.
    await anvil.reorg(1);
    await anvil.mine(1);
    await vi.waitFor(() => expect(wsMsgs.filter((m) => m.type === 'whale')).toHaveLength(3), {
      timeout: 20_000,
      interval: 50,
    });
    const removed = wsMsgs.filter((m) => m.type === 'whale')[2]!.data as Json;
    expect(removed).toEqual({ ...pushed[1], removed: true, id: removed.id, pushedAt: removed.pushedAt });
    expect(removed.id).not.toBe(pushed[1]!.id);
    await vi.waitFor(() => expect(sseWhales()).toHaveLength(3), { timeout: 10_000 });

    // Webhooks: the same three events, signed; the receiver de-duplicates on the id.
    await vi.waitFor(() => expect(received).toHaveLength(3), { timeout: 20_000, interval: 50 });
    const bodies = received.map((r) => JSON.parse(r.body) as Json);
    // Deliveries go out in parallel: their order is not the events'.
    const byId = (x: unknown[], y: unknown[]) => String(x[1]).localeCompare(String(y[1]));
    expect(bodies.map((b) => [b.type, b.id, b.data.removed, b.data.usd]).sort(byId)).toEqual(
      [
        ['chain.whale_transfer', pushed[0]!.id, false, 5000],
        ['chain.whale_transfer', pushed[1]!.id, false, 2000],
        ['chain.whale_transfer', removed.id, true, 2000],
      ].sort(byId),
    );
    for (const r of received) {
      expect(r.headers['webhook-id']).toBe((JSON.parse(r.body) as Json).id);
      expect(verifyWebhook(secret, r.headers, r.body, Date.now() / 1000)).toBe(true);
    }
    expect(bodies.find((b) => b.id === pushed[1]!.id)!.data).toMatchObject({
      chainId: 1,
      blockHash: big.blockHash,
      txHash: big.transactionHash,
    });

    // The REST view agrees: only the mint is left above the threshold.
    const rest = await server.app.inject({ method: 'GET', url: '/v1/chains/1/whales?minUsd=1000' });
    expect((rest.json() as Json).transfers.map((t: Json) => t.txHash)).toEqual([mint.transactionHash]);

    ws.close();
    ac.abort();
    await reading;
  }, 90_000);
});

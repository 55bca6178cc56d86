import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { watchNewHeads } from './watchNewHeads.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A node whose first connection refuses `eth_subscribe`, and whose later ones accept it. */
async function fakeNode() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let connections = 0;
  const live = new Set<import('ws').WebSocket>();
  wss.on('connection', (ws) => {
    const n = ++connections;
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { id: number; method: string };
      if (m.method !== 'eth_subscribe') return;
      if (n === 1)
        ws.send(
          JSON.stringify({
            jsonrpc: '2.0',
            id: m.id,
            error: { code: -32601, message: 'no subscriptions here' },
          }),
        );
      else {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: '0xsub' }));
        live.add(ws);
      }
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v2/SECRETKEY`,
    connections: () => connections,
    newHead() {
      for (const ws of live)
        ws.send(
          JSON.stringify({
            jsonrpc: '2.0',
            method: 'eth_subscription',
            params: { subscription: '0xsub', result: { number: '0x1' } },
          }),
        );
    },
    subscribed: () => live.size,
  };
}

describe('watchNewHeads', () => {
  it('falls back to the poll while refused, reconnects, then wakes waiters at each new head', async () => {
    const node = await fakeNode();
    const lines: { obj: unknown; msg: string }[] = [];
    const heads = watchNewHeads([node.url], {
      warn: (obj, msg) => lines.push({ obj, msg }),
      debug: () => {},
    });
    try {
      // Refused: a wait lasts its full timeout.
      await heads.wait(50);
      expect(heads.heads).toBe(0);
      await expect.poll(() => lines.some((l) => /refused/.test(l.msg)), { timeout: 5_000 }).toBe(true);
      // The URL's key never reaches the log.
      expect(JSON.stringify(lines)).not.toContain('SECRETKEY');
      // Reconnected (after a backoff) and subscribed.
      await expect.poll(() => heads.subscribed, { timeout: 10_000 }).toBe(true);
      expect(node.connections()).toBe(2);
      // A head ends a long wait at once.
      const waiting = heads.wait(60_000);
      node.newHead();
      await waiting;
      expect(heads.heads).toBe(1);
    } finally {
      heads.close();
    }
    // Closed: waits are plain timers, and nothing reconnects.
    await heads.wait(1);
    expect(node.connections()).toBe(2);
  }, 20_000);
});

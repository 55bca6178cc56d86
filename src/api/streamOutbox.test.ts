import { describe, expect, it } from 'vitest';
import type { HubUpdate } from './streamHub.js';
import { createOutbox } from './streamOutbox.js';

function update(seq: number): HubUpdate {
  const json = `{"type":"price","data":{"asset":"a","price":${seq}}}`;
  return {
    seq,
    type: 'price',
    subKey: 'p:a',
    conflationKey: 'p:a',
    final: false,
    dataJson: '',
    json,
    frames: {},
  };
}

/** An outbox over a fake transport whose buffer only drains when told to. */
function setup(limits = { highWaterBytes: 1_000, maxBufferedBytes: 10_000 }) {
  const t = { buffered: 0, writes: [] as number[][], turns: [] as (() => void)[] };
  const outbox = createOutbox(
    () => t.buffered,
    (batch) => {
      t.writes.push(batch.map((u) => u.seq));
      t.buffered += batch.length * 100;
    },
    (endTurn) => t.turns.push(endTurn),
    limits,
  );
  const endTurn = () => {
    for (const f of t.turns.splice(0)) f();
  };
  return { t, outbox, endTurn };
}

describe('stream outbox', () => {
  it('writes each turn’s updates in one write, in order', () => {
    const { t, outbox, endTurn } = setup();
    for (let i = 1; i <= 5; i++) outbox.push(update(i), 100);
    expect(t.writes).toEqual([]);
    expect(outbox.queuedBytes).toBe(500);
    endTurn();
    expect(t.writes).toEqual([[1, 2, 3, 4, 5]]);
    outbox.push(update(6), 100);
    endTurn();
    expect(t.writes).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('writes early once the high-water mark is queued', () => {
    const { t, outbox, endTurn } = setup();
    for (let i = 1; i <= 25; i++) outbox.push(update(i), 100);
    expect(t.writes.map((w) => w.length)).toEqual([10, 10]);
    endTurn();
    expect(t.writes.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('judges congestion on what earlier turns left unsent, not on the current burst', () => {
    const { t, outbox, endTurn } = setup();
    for (let i = 0; i < 30; i++) outbox.push(update(i), 100);
    // 3000 bytes handed over this turn, none read yet: not a slow consumer.
    expect(t.buffered).toBeGreaterThanOrEqual(2_000);
    expect(outbox.bufferedBytes()).toBe(0);
    endTurn();
    // Outside a turn (the hub's sweep): the live backlog.
    expect(outbox.bufferedBytes()).toBe(t.buffered);
    // Next turn, nothing drained: the backlog left by the last turn counts.
    outbox.push(update(99), 100);
    expect(outbox.bufferedBytes()).toBe(3_000);
  });

  it('counts a single burst past the hard bound', () => {
    const { outbox } = setup({ highWaterBytes: 1_000, maxBufferedBytes: 5_000 });
    for (let i = 0; i < 49; i++) outbox.push(update(i), 100);
    expect(outbox.bufferedBytes()).toBe(0);
    outbox.push(update(49), 100);
    expect(outbox.bufferedBytes()).toBe(5_000);
  });

  it('flush hands over at once; clear drops', () => {
    const { t, outbox, endTurn } = setup();
    outbox.push(update(1), 100);
    outbox.flush();
    expect(t.writes).toEqual([[1]]);
    outbox.push(update(2), 100);
    outbox.clear();
    endTurn();
    expect(t.writes).toEqual([[1]]);
    expect(outbox.queuedBytes).toBe(0);
  });
});

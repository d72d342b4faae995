/**
 * The engine-wide memory budget (EngineOptions.maxHeapBytes, src/engine/memory.ts): while the
 * heap is past it, no query keeps new state, each refusal is a counted drop, and what needs no
 * state goes on. test/integration/memory.test.ts shows it keeping a real process alive.
 */
import { describe, expect, it } from 'vitest';
import { Engine, type EngineOptions } from '../../../src/index.js';
import { MemoryGuard } from '../../../src/engine/memory.js';

const S =
  "CREATE STREAM S (k STRING, kind STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\n" +
  "CREATE STREAM T (k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\n" +
  'CREATE TABLE R (k STRING PRIMARY KEY, label STRING);\n';

function engine(options: EngineOptions, queries: string) {
  const e = new Engine(options);
  const r = e.deploy(S + queries);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  const out: Record<string, unknown[]> = {};
  for (const name of r.deployment.queries) e.subscribe(name, (ev) => (out[name] ??= []).push(ev.data));
  return { e, out };
}

const QUERIES = `
CREATE STREAM pair AS SELECT a.v AS av, b.v AS bv FROM PATTERN a=S[kind = 'A'] -> b=S[kind = 'B'] PARTITION BY k WITHIN 1 MINUTE;
CREATE STREAM single AS SELECT a.v AS v FROM PATTERN a=S[kind = 'B'] WITHIN 1 MINUTE;
CREATE STREAM counts AS SELECT k, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;
CREATE STREAM sliding AS SELECT k, SUM(v) AS total FROM S WINDOW SLIDING (SIZE 1 MINUTE) GROUP BY k;
CREATE STREAM joined AS SELECT S.v AS sv, T.v AS tv FROM S JOIN T WITHIN 1 MINUTE ON S.k = T.k;
CREATE STREAM labelled AS SELECT S.v, R.label FROM S JOIN R ON S.k = R.k;
CREATE STREAM big AS SELECT v FROM S WHERE v > 1;
`;

function feed(e: Engine): void {
  e.push('R', { k: 'x', label: 'the x' });
  e.push('T', { k: 'x', v: 10, ts: 0 });
  e.push('S', { k: 'x', kind: 'A', v: 1, ts: 100 });
  e.push('S', { k: 'x', kind: 'B', v: 2, ts: 200 });
  e.end();
}

describe('the memory budget (maxHeapBytes)', () => {
  it('with the heap past it, keeps no new state: every run, group, window, join event and table row is a counted drop, and stateless work goes on', () => {
    const { e, out } = engine({ maxHeapBytes: 0 }, QUERIES);
    feed(e);
    // A one-element pattern completes without keeping a run, and a filter keeps nothing.
    expect(out).toEqual({ single: [{ v: 2 }], big: [{ v: 2 }] });
    const stats = e.stats();
    expect(stats.memoryFull).toBe(true);
    // R's row, T's join event; S's A run (pair), two groups each (counts, sliding), two join events.
    expect(stats.memoryDrops).toBe(1 + 1 + 1 + 2 + 2 + 2);
    expect(stats.runsDropped).toBe(stats.memoryDrops);
    expect(stats.runsAlive).toBe(0);
  });

  it('turned off (Infinity), or far above the heap, changes nothing', () => {
    for (const maxHeapBytes of [Infinity, 2 ** 50]) {
      const { e, out } = engine({ maxHeapBytes }, QUERIES);
      feed(e);
      expect(out['pair']).toEqual([{ av: 1, bv: 2 }]);
      expect(out['counts']).toEqual([{ k: 'x', n: 2 }]);
      expect(out['joined']).toEqual([
        { sv: 1, tv: 10 },
        { sv: 2, tv: 10 },
      ]);
      expect(out['labelled']).toEqual([
        { v: 1, label: 'the x' },
        { v: 2, label: 'the x' },
      ]);
      expect(e.stats()).toMatchObject({ memoryFull: false, memoryDrops: 0, runsDropped: 0 });
    }
  });

  /** Probes whose heap reading the test sets; a collection frees `garbage` bytes. */
  function probes(heap: { used: number; garbage: number; now: number; collections: number }) {
    return {
      heapUsed: () => heap.used,
      collect: () => {
        heap.collections++;
        heap.used -= heap.garbage;
        heap.garbage = 0;
        return true;
      },
      now: () => heap.now,
    };
  }

  it('the guard reads the heap every 1,024 requests, refusing while it is past the limit and admitting again once it is not', () => {
    const heap = { used: 100, garbage: 0, now: 0, collections: 0 };
    const guard = new MemoryGuard(1000, () => 50, probes(heap));
    const admitted = (n: number) => Array.from({ length: n }, () => guard.admit()).filter(Boolean).length;
    expect(admitted(1023)).toBe(1023);
    heap.used = 5000;
    // The 1,024th request reads the heap.
    expect(guard.admit()).toBe(false);
    expect(admitted(1022)).toBe(0);
    heap.used = 10;
    expect(guard.admit()).toBe(false);
    expect(guard.refused).toBe(1024);
    expect(guard.admit()).toBe(true);
    heap.used = 5000;
    // full() reads afresh, and the requests after it are refused at once.
    expect(guard.full()).toBe(true);
    expect(guard.admit()).toBe(false);
    expect(new MemoryGuard(Infinity, () => 0, probes({ used: Number.MAX_VALUE, garbage: 0, now: 0, collections: 0 })).full()).toBe(false);
  });

  it('admits again only after a collection shows the heap under the limit: it asks for one on first refusing, when state has shrunk by a tenth (at most once a second), and every 30 s', () => {
    const heap = { used: 5000, garbage: 0, now: 0, collections: 0 };
    let state = 1000;
    const guard = new MemoryGuard(1000, () => state, probes(heap));
    // Past the limit from the start: one collection, and the heap is really full.
    expect(guard.full()).toBe(true);
    expect(heap.collections).toBe(1);
    // State shrinks by 5%, then by 15% but within a second of the last collection: no collection.
    state = 950;
    heap.now = 200;
    expect(guard.full()).toBe(true);
    expect(heap.collections).toBe(1);
    state = 850;
    heap.now = 500;
    heap.garbage = 4500;
    expect(guard.full()).toBe(true);
    expect(heap.collections).toBe(1);
    // A second after the last one: the collection frees the garbage, and state is admitted.
    heap.now = 1000;
    expect(guard.full()).toBe(false);
    expect(heap.collections).toBe(2);
    // Full again with state that does not shrink: a collection every 30 s only.
    heap.used = 5000;
    expect(guard.full()).toBe(true);
    expect(heap.collections).toBe(2);
    heap.now = 20_000;
    expect(guard.full()).toBe(true);
    expect(heap.collections).toBe(2);
    heap.now = 33_000;
    heap.garbage = 4500;
    expect(guard.full()).toBe(false);
    expect(heap.collections).toBe(3);
  });
});

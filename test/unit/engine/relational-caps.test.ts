/**
 * Caps of windows, aggregates and joins (engine options): hostile input becomes counted drops,
 * never unbounded state; what is kept still gives correct results.
 */
import { describe, expect, it } from 'vitest';
import { Engine, type EngineOptions } from '../../../src/index.js';

const S = "CREATE STREAM S (k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM T (k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\n";

function run(options: EngineOptions, query: string, events: [string, Record<string, unknown>][]) {
  const engine = new Engine(options);
  const r = engine.deploy(S + query);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  const out: Record<string, unknown>[] = [];
  engine.subscribe('out', (e) => out.push(e.data));
  for (const [stream, data] of events) engine.push(stream, data);
  const state = engine.stats().perQuery['out']!.state;
  const dropped = engine.stats().runsDropped;
  engine.end();
  return { out, state, dropped };
}

describe('caps on windows, aggregates and joins', () => {
  it('maxGroups: events of keys beyond the cap are dropped and counted; the kept keys are exact', () => {
    const events = Array.from({ length: 100 }, (_, i): [string, Record<string, unknown>] => ['S', { k: `k${i % 10}`, v: 1, ts: i }]);
    const r = run({ maxGroups: 4 }, 'CREATE STREAM out AS SELECT k, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;', events);
    expect(r.state).toBe(4);
    expect(r.dropped).toBe(60);
    expect(r.out).toEqual(['k0', 'k1', 'k2', 'k3'].map((k) => ({ k, n: 10 })));
  });

  it('maxDistinct: a COUNT(DISTINCT) past that many values is NULL for its window, with one drop; other windows and keys are exact', () => {
    const events: [string, Record<string, unknown>][] = [
      ...Array.from({ length: 30 }, (_, i): [string, Record<string, unknown>] => ['S', { k: 'many', v: i, ts: i }]),
      ...Array.from({ length: 30 }, (_, i): [string, Record<string, unknown>] => ['S', { k: 'few', v: i % 3, ts: 30 + i }]),
      ['S', { k: 'many', v: 1, ts: 1500 }],
    ];
    const r = run({ maxDistinct: 10 }, 'CREATE STREAM out AS SELECT k, COUNT(DISTINCT v) AS d, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;', events);
    expect(r.dropped).toBe(1);
    expect(r.out).toEqual([
      { k: 'many', d: null, n: 30 },
      { k: 'few', d: 3, n: 30 },
      { k: 'many', d: 1, n: 1 },
    ]);
    // Merged panes (a hopping window of more than 16 windows an event) keep to the cap too.
    const hop = run({ maxDistinct: 10 }, 'CREATE STREAM out AS SELECT COUNT(DISTINCT v) AS d FROM S WINDOW HOPPING (SIZE 100 MILLISECONDS, ADVANCE BY 5 MILLISECONDS);', events.slice(0, 12));
    expect(hop.out.map((o) => o['d'])).toContain(null);
    expect(hop.out.map((o) => o['d'])).toContain(10);
  });

  it('maxWindowEvents: a sliding window holds at most that many events of a key', () => {
    const events = Array.from({ length: 50 }, (_, i): [string, Record<string, unknown>] => ['S', { k: 'a', v: i, ts: i }]);
    const r = run({ maxWindowEvents: 10 }, 'CREATE STREAM out AS SELECT COUNT(*) AS n, MAX(v) AS mx FROM S WINDOW SLIDING (SIZE 1 MINUTE);', events);
    expect(r.dropped).toBe(40);
    expect(r.out.at(-1)).toEqual({ n: 10, mx: 9 });
  });

  it('maxJoinEvents: a join keeps at most that many events per side', () => {
    const events: [string, Record<string, unknown>][] = [
      ...Array.from({ length: 20 }, (_, i): [string, Record<string, unknown>] => ['S', { k: 'a', v: i, ts: i }]),
      ['T', { k: 'a', v: 100, ts: 50 }],
    ];
    const r = run({ maxJoinEvents: 5 }, 'CREATE STREAM out AS SELECT a.v AS av, b.v AS bv FROM S a JOIN T b WITHIN 1 MINUTE ON a.k = b.k;', events);
    expect(r.dropped).toBe(15);
    expect(r.out.map((o) => o['av'])).toEqual([0, 1, 2, 3, 4]);
  });

  it('state is released: windows emitted, sessions closed, join sides expired', () => {
    const tumbling = run({}, 'CREATE STREAM out AS SELECT k, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 10 MILLISECONDS) GROUP BY k;', [
      ...Array.from({ length: 30 }, (_, i): [string, Record<string, unknown>] => ['S', { k: `k${i}`, v: 1, ts: i }]),
      ['S', { k: 'last', v: 1, ts: 1000 }],
    ]);
    expect(tumbling.state).toBe(1);
    const join = run({}, 'CREATE STREAM out AS SELECT a.v AS av FROM S a JOIN T b WITHIN 10 MILLISECONDS ON a.k = b.k;', [
      ...Array.from({ length: 30 }, (_, i): [string, Record<string, unknown>] => ['S', { k: `k${i}`, v: 1, ts: i }]),
      ['S', { k: 'x', v: 1, ts: 1000 }],
      ['T', { k: 'y', v: 1, ts: 1000 }],
    ]);
    expect(join.state).toBe(2);
  });
});

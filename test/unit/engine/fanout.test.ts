/**
 * Delivery of a stream's events to its readers (src/engine/fanout.ts): generated code, in
 * chunks of segments, with filters run inline and guarded runs indexed. Whatever the layout,
 * outputs come in deployment order per event.
 */
import { describe, expect, it } from 'vitest';
import { Engine, type OutputEvent } from '../../../src/index.js';

const S = "CREATE STREAM S (k STRING NOT NULL, x INT NOT NULL, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');\n";

interface Query {
  readonly name: string;
  readonly sql: string;
  /** Whether the query emits for the event (filters only). */
  readonly passes?: (e: { k: string; x: number }) => boolean;
}

function deployAll(queries: readonly Query[]): { engine: Engine; out: OutputEvent[] } {
  const engine = new Engine();
  const r = engine.deploy(S + queries.map((q) => q.sql).join('\n'));
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  const out: OutputEvent[] = [];
  for (const q of queries) engine.subscribe(q.name, (e) => out.push(e));
  return { engine, out };
}

describe('fanout', () => {
  it('delivers to many unguarded filters, a pattern among them, in deployment order', () => {
    const queries: Query[] = [];
    for (let i = 0; i < 130; i++) {
      if (i === 70) {
        queries.push({ name: 'seq', sql: "CREATE STREAM seq AS SELECT b.x AS x FROM PATTERN a=S[k = 'a'] -> b=S[k = 'b'] WITHIN 1 MINUTE;" });
      }
      queries.push({ name: `f${i}`, sql: `CREATE STREAM f${i} AS SELECT ${i} AS n, x FROM S WHERE x % 7 = ${i % 7};`, passes: (e) => e.x % 7 === i % 7 });
    }
    const { engine, out } = deployAll(queries);
    const events = Array.from({ length: 20 }, (_, t) => ({ k: t % 3 === 0 ? 'a' : 'b', x: t * 3, ts: 1000 + t }));
    for (const e of events) engine.push('S', e);
    const got = out.map((o) => `${o.stream}:${String(o.data['x'])}`);
    // SKIP TILL NEXT MATCH: each 'a' starts a run, and the next 'b' completes every run open.
    const runs: number[] = [];
    const expectedWithRuns: string[] = [];
    for (const e of events) {
      if (e.k === 'a') runs.push(e.x);
      for (const q of queries) {
        if (q.passes) {
          if (q.passes(e)) expectedWithRuns.push(`${q.name}:${e.x}`);
        } else if (e.k === 'b') {
          for (let j = 0; j < runs.length; j++) expectedWithRuns.push(`seq:${e.x}`);
        }
      }
      if (e.k === 'b') runs.length = 0;
    }
    expect(expectedWithRuns.filter((x) => x.startsWith('seq:')).length).toBeGreaterThan(3);
    expect(got).toEqual(expectedWithRuns);
  });

  it('indexes guarded filters and still delivers every one that passes, in order, with the unguarded between them', () => {
    const queries: Query[] = [];
    const keys = ['a', 'b', 'c', 'd'];
    for (let i = 0; i < 60; i++) {
      const key = keys[i % keys.length]!;
      if (i % 25 === 24) queries.push({ name: `u${i}`, sql: `CREATE STREAM u${i} AS SELECT x FROM S WHERE x > ${i};`, passes: (e) => e.x > i });
      queries.push({ name: `g${i}`, sql: `CREATE STREAM g${i} AS SELECT x FROM S WHERE k = '${key}' AND x >= ${i};`, passes: (e) => e.k === key && e.x >= i });
    }
    const { engine, out } = deployAll(queries);
    const expected: string[] = [];
    for (let t = 0; t < 40; t++) {
      const e = { k: keys[(t * 7) % 5] ?? 'zz', x: (t * 13) % 70, ts: 1000 + t };
      engine.push('S', e);
      for (const q of queries) if (q.passes!(e)) expected.push(`${q.name}:${e.x}`);
    }
    expect(expected.length).toBeGreaterThan(40);
    expect(out.map((o) => `${o.stream}:${String(o.data['x'])}`)).toEqual(expected);
  });
});

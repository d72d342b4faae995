/**
 * Delivery of a stream's events to its readers (src/engine/fanout.ts): generated code, in
 * chunks of segments, with filters run inline and guarded runs indexed, patterns by their
 * atoms' guards. Whatever the layout, outputs come in deployment order per event.
 */
import { describe, expect, it } from 'vitest';
import { Fanout, type Sequence } from '../../../src/engine/fanout.js';
import { Engine, type OutputEvent } from '../../../src/index.js';
import type { EventGuard, Operator } from '../../../src/operators/operator.js';
import { engineRunner } from '../../conformance/runner.js';
import { runReference } from '../../reference/engine.js';

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

describe('fanout of patterns indexed by their atoms guards (anyGuards)', () => {
  /** A stand-in operator: records the events it is given, and may "emit" (take an arrival number). */
  function recorder(name: string, any: readonly EventGuard[] | undefined, log: string[], sequence: Sequence, emits = false): Operator {
    return {
      inputs: ['S'],
      ...(any ? { anyGuards: new Map([['S', any]]) } : {}),
      onEvent(ev) {
        log.push(`${name}@${ev.seq}:${String(ev.row['k'])}/${String(ev.row['c'])}`);
        if (emits) sequence.last++;
      },
      onTimer() {},
      stateSize: () => 0,
    };
  }

  it('gives an event only to the operators one of whose guards it satisfies, in order, renumbered after one that emitted', () => {
    const log: string[] = [];
    const sequence: Sequence = { last: 0 };
    const ops: Operator[] = [];
    for (let i = 0; i < 40; i++) {
      const any: EventGuard[] = i % 3 === 0 ? [{ column: 'k', values: [`k${i % 4}`] }, { column: 'c', values: [`c${i % 5}`] }] : i % 3 === 1 ? [{ column: 'k', values: ['k0', 'k1'] }] : [{ column: 'c', values: [] }];
      ops.push(recorder(`o${i}`, any, log, sequence, i === 9));
    }
    const fanout = new Fanout('S', ops, sequence);
    const deliver = (row: Record<string, unknown>): void => {
      sequence.last++;
      fanout.deliver({ stream: 'S', row, time: 1, seq: sequence.last });
    };
    deliver({ k: 'k1', c: 'c2' });
    const expected: string[] = [];
    let seq = 1;
    for (let i = 0; i < 40; i++) {
      const takes = i % 3 === 0 ? i % 4 === 1 || i % 5 === 2 : i % 3 === 1;
      if (!takes) continue;
      expected.push(`o${i}@${seq}:k1/c2`);
      if (i === 9) seq = 3; // o9 emitted (took 2): the next operator is given the event as 3
    }
    expect(log).toEqual(expected);
    log.length = 0;
    // Null and unknown values select no guard: only a guard on the other column can.
    deliver({ k: null, c: 'c0' });
    expect(log.map((l) => l.split('@')[0])).toEqual(ops.map((_, i) => i).filter((i) => i % 3 === 0 && i % 5 === 0).map((i) => `o${i}`));
    log.length = 0;
    deliver({ k: 'zz', c: 'zz' });
    expect(log).toEqual([]);
  });

  it('keeps operators without anyGuards in their place between indexed runs', () => {
    const log: string[] = [];
    const sequence: Sequence = { last: 0 };
    const ops: Operator[] = [];
    for (let i = 0; i < 30; i++) ops.push(recorder(`o${i}`, i === 12 ? undefined : [{ column: 'k', values: [i < 12 ? 'a' : 'b'] }], log, sequence));
    const fanout = new Fanout('S', ops, sequence);
    fanout.deliver({ stream: 'S', row: { k: 'b', c: 'x' }, time: 1, seq: ++sequence.last });
    expect(log.map((l) => l.split('@')[0])).toEqual(['o12', ...Array.from({ length: 17 }, (_, i) => `o${i + 13}`)]);
  });

  it('delivers many pattern rules, indexed, with exactly the reference outputs in their order', () => {
    const rules: string[] = [];
    const ks = ['a', 'b', 'c', 'd', 'e'];
    const cs = ['x', 'y', 'z', 'w'];
    for (let i = 0; i < 48; i++) {
      const k = ks[i % ks.length]!;
      const c = cs[i % cs.length]!;
      const tail = i % 7 === 3 ? ' AFTER MATCH SKIP PAST LAST EVENT' : '';
      const strategy = i % 11 === 5 ? ' USING SKIP TILL ANY MATCH' : i % 13 === 6 ? ' USING STRICT CONTIGUITY' : '';
      const body =
        i % 5 === 0
          ? `a=P[k = '${k}' AND x < 4] -> NOT P[c = 'w'] -> b=P[c = '${c}' AND x > a.x]`
          : i % 5 === 1
            ? `a=P[k IN ('${k}', 'e')] -> r=P[c = '${c}']+ -> b=P[k = 'a']`
            : i % 5 === 2
              ? `a=P[k = '${k}'] -> b=P[c = '${c}']? -> d=P[k = 'b' AND x > 5]`
              : i % 5 === 3
                ? `a=P[k = '${k}'] -> b=P[x > ${i % 9}]`
                : `a=P[k = '${k}'] -> (b=P[c = 'x'] OR b2=P[c = '${c}']) -> d=D[c = '${c}']`;
      const select = body.includes('r=') ? `a.x AS ax, COUNT(r) AS n, b.x AS bx` : body.includes('d=') ? `a.x AS ax, d.x AS dx` : `a.x AS ax, b.x AS bx`;
      rules.push(`CREATE STREAM r${i} AS SELECT ${i} AS rule, ${select} FROM PATTERN ${body} PARTITION BY p WITHIN 40 MILLISECONDS${strategy}${tail};`);
    }
    const script = [
      "CREATE STREAM P (p STRING NOT NULL, k STRING, c STRING, x INT NOT NULL, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');",
      'CREATE STREAM D AS SELECT p, k, c, x FROM P WHERE x % 4 = 0;',
      ...rules,
    ].join('\n');
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const events = Array.from({ length: 1500 }, (_, t) => ({
      stream: 'P',
      data: { p: `p${Math.floor(rnd() * 6)}`, k: rnd() < 0.05 ? null : ks[Math.floor(rnd() * ks.length)], c: cs[Math.floor(rnd() * cs.length)], x: Math.floor(rnd() * 10), ts: 1_000 + t * 3 },
    }));
    const got = engineRunner()(script, events);
    expect(got.length).toBeGreaterThan(500);
    expect(new Set(got.map((o) => o.stream)).size).toBeGreaterThan(40);
    expect(got).toEqual(runReference(script, events));
  });
});

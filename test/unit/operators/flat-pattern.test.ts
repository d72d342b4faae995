/**
 * The flat pattern operator (src/operators/pattern/flat-pattern-operator.ts): patterns whose
 * elements each bind at most one event run on typed arrays. The property tests hold it against
 * the reference interpreter on short inputs; these hold it there on inputs long enough to grow
 * every array many times over (thousands of runs over hundreds of keys, runs freed and reused,
 * runs waiting at a trailing NOT kept until their deadline), and check that it reads the
 * checkpoints PatternOperator writes.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileScript } from '../../../src/index.js';
import { compilePattern } from '../../../src/compile/pattern.js';
import { Random } from '../../../src/demo/random.js';
import type { OperatorContext } from '../../../src/operators/operator.js';
import { FlatPatternOperator, isFlat } from '../../../src/operators/pattern/flat-pattern-operator.js';
import { PatternOperator } from '../../../src/operators/pattern/pattern-operator.js';
import { offHeapBytes } from '../../../src/util/off-heap.js';
import { checkpointingRunner, engineRunner, type ScriptEvent } from '../../conformance/runner.js';
import { runReference } from '../../reference/engine.js';

const EV = "CREATE STREAM Ev (k STRING, kind STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\n";
const CAPS = { maxRunsPerPartition: 1_000_000, maxRunsPerQuery: 10_000_000 };

/** `n` events over `keys` keys, kinds a-e, 0-3 ms apart (ties included), v 0-9, a few NULLs. */
function events(n: number, keys: number, seed: number): ScriptEvent[] {
  const random = new Random(seed);
  const out: ScriptEvent[] = [];
  let ts = 1_767_225_600_000;
  for (let i = 0; i < n; i++) {
    ts += random.int(0, 3);
    const v = random.chance(0.03) ? null : random.int(0, 9);
    out.push({ stream: 'Ev', data: { k: `k${random.int(0, keys - 1)}`, kind: random.pick(['a', 'b', 'c', 'd', 'e']), v, ts } });
  }
  return out;
}

const PATTERNS: readonly [string, string][] = [
  ['a sequence, SKIP TILL NEXT MATCH', "SELECT a.k AS k, a.v AS av, b.v AS bv, c.ts - a.ts AS span FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b' AND v > a.v] -> c=Ev[kind = 'c'] PARTITION BY k WITHIN 400 MILLISECONDS"],
  ['SKIP TILL ANY MATCH with an optional element', "SELECT a.v AS av, b.v AS bv, c.v AS cv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b']? -> c=Ev[kind = 'c' AND v >= a.v] PARTITION BY k WITHIN 150 MILLISECONDS USING SKIP TILL ANY MATCH"],
  ['STRICT CONTIGUITY', "SELECT a.v AS av, b.v AS bv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind <> 'a'] PARTITION BY k WITHIN 1 SECOND USING STRICT CONTIGUITY"],
  ['a NOT in the middle', "SELECT a.v AS av, c.v AS cv FROM PATTERN a=Ev[kind = 'a'] -> NOT Ev[kind = 'd' AND v = a.v] -> c=Ev[kind = 'c'] PARTITION BY k WITHIN 300 MILLISECONDS"],
  ['a trailing NOT', "SELECT a.k AS k, a.v AS av, b.v AS bv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b'] -> NOT Ev[kind = 'e'] PARTITION BY k WITHIN 200 MILLISECONDS"],
  ['a trailing NOT under SKIP TILL ANY MATCH', "SELECT a.v AS av, b.v AS bv, c.v AS cv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b']? -> c=Ev[kind = 'c'] -> NOT Ev[kind = 'e' AND v < a.v] PARTITION BY k WITHIN 100 MILLISECONDS USING SKIP TILL ANY MATCH"],
  ['AFTER MATCH SKIP PAST LAST EVENT', "SELECT a.v AS av, b.v AS bv, c.v AS cv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b'] -> c=Ev[kind = 'c'] PARTITION BY k WITHIN 300 MILLISECONDS USING SKIP TILL ANY MATCH AFTER MATCH SKIP PAST LAST EVENT"],
  ['a trailing NOT with SKIP PAST LAST EVENT', "SELECT a.v AS av, b.v AS bv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b'] -> NOT Ev[kind = 'c'] PARTITION BY k WITHIN 120 MILLISECONDS USING SKIP TILL ANY MATCH AFTER MATCH SKIP PAST LAST EVENT"],
  ['WHERE over two aliases, unpartitioned', "SELECT a.v AS av, b.v AS bv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b'] WHERE a.k = b.k AND b.v > a.v WITHIN 100 MILLISECONDS"],
];

describe('the flat pattern operator', () => {
  it('runs every pattern of this file (and not a Kleene one)', () => {
    for (const [, query] of PATTERNS) expect(isFlat(automaton(`CREATE STREAM q AS ${query};`))).toBe(true);
    expect(isFlat(automaton("CREATE STREAM q AS SELECT a.v AS av FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b']+ WITHIN 1 SECOND;"))).toBe(false);
    expect(isFlat(automaton("CREATE STREAM q AS SELECT a.v AS av FROM PATTERN a=Ev[kind = 'a'] -> (b=Ev[kind = 'b'] OR c=Ev[kind = 'c']) WITHIN 1 SECOND;"))).toBe(false);
  });

  for (const [title, query] of PATTERNS) {
    it(`agrees with the reference over 4,000 events and 150 keys: ${title}`, () => {
      const script = `${EV}CREATE STREAM q AS ${query};`;
      const input = events(4000, 150, title.length);
      const expected = runReference(script, input);
      const actual = engineRunner(CAPS)(script, input);
      expect(expected.length).toBeGreaterThan(5);
      expect(actual.length).toBe(expected.length);
      expect(isDeepStrictEqual(actual, expected)).toBe(true);
      // Checkpointed and restored three times on the way, into a new engine each time.
      expect(isDeepStrictEqual(checkpointingRunner(CAPS, [700, 2100, 3999])(script, input), expected)).toBe(true);
    });
  }

  it('reads a checkpoint PatternOperator wrote (bindings kept as a trail) and goes on as it would have, and the other way', () => {
    const script = `${EV}CREATE STREAM q AS ${PATTERNS[0]![1]};`;
    const a = automaton(script);
    const input = events(3000, 60, 7).map((e, i) => ({ stream: 'Ev', row: e.data, time: e.data['ts'] as number, seq: i + 1 }));
    const through = recording();
    const general = new PatternOperator(a, through.ctx, CAPS);
    for (const ev of input) general.onEvent(ev);

    const before = recording();
    const first = new PatternOperator(a, before.ctx, CAPS);
    for (const ev of input.slice(0, 1500)) first.onEvent(ev);
    const after = recording();
    const flat = new FlatPatternOperator(a, after.ctx, CAPS);
    flat.loadState(first.saveState());
    expect(flat.stateSize()).toBe(first.stateSize());
    for (const ev of input.slice(1500)) flat.onEvent(ev);
    expect(through.out.length).toBeGreaterThan(50);
    expect([...before.out, ...after.out]).toEqual(through.out);

    // And the other way: PatternOperator goes on from a checkpoint of the flat operator.
    const flatFirst = new FlatPatternOperator(a, recording().ctx, CAPS);
    for (const ev of input.slice(0, 1500)) flatFirst.onEvent(ev);
    const resumed = recording();
    const back = new PatternOperator(a, resumed.ctx, CAPS);
    back.loadState(flatFirst.saveState());
    for (const ev of input.slice(1500)) back.onEvent(ev);
    expect(resumed.out).toEqual(after.out);

    // Rule 9 after such a restore: the match of the run restored (a at 1) comes first.
    const pair = automaton(`${EV}CREATE STREAM q AS SELECT a.v AS av, b.v AS bv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b'] WITHIN 1 MINUTE;`);
    const ev = (kind: string, t: number) => ({ stream: 'Ev', row: { k: 'x', kind, v: t, ts: t }, time: t, seq: t });
    const saved = new FlatPatternOperator(pair, recording().ctx, CAPS);
    saved.onEvent(ev('a', 1));
    const restored = recording();
    const reader = new PatternOperator(pair, restored.ctx, CAPS);
    reader.loadState(saved.saveState());
    reader.onEvent(ev('a', 2));
    reader.onEvent(ev('b', 3));
    expect(restored.out.map((o) => o.data)).toEqual([{ av: 1, bv: 3 }, { av: 2, bv: 3 }]);
  });

  it('counts its typed arrays for the memory budget, and gives them back once every run has expired', () => {
    const a = automaton(`${EV}CREATE STREAM q AS SELECT a.v AS av, b.v AS bv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b'] PARTITION BY k WITHIN 1 SECOND;`);
    const before = offHeapBytes();
    const r = recording();
    const op = new FlatPatternOperator(a, r.ctx, CAPS);
    const small = offHeapBytes() - before;
    expect(small).toBeGreaterThan(0);
    for (let i = 0; i < 100_000; i++) op.onEvent({ stream: 'Ev', row: { k: `k${i}`, kind: 'a', v: 1, ts: i / 1000 }, time: i / 1000, seq: i + 1 });
    expect(op.stateSize()).toBe(100_000);
    // Each run: its element, chain, partition and states (14 bytes), its deadline (8), two sequence numbers (16).
    expect(offHeapBytes() - before).toBeGreaterThan(100_000 * 38);
    op.onTimer(1_000_000);
    expect(op.stateSize()).toBe(0);
    expect(offHeapBytes() - before).toBe(small);
    // And it goes on matching.
    op.onEvent({ stream: 'Ev', row: { k: 'x', kind: 'a', v: 1, ts: 2_000_000 }, time: 2_000_000, seq: 200_001 });
    op.onEvent({ stream: 'Ev', row: { k: 'x', kind: 'b', v: 2, ts: 2_000_001 }, time: 2_000_001, seq: 200_002 });
    expect(r.out).toEqual([{ data: { av: 1, bv: 2 }, time: 2_000_001 }]);

    // Many keys whose runs end at once: few runs, many partitions, whose arrays go back too.
    const keys = new FlatPatternOperator(a, recording().ctx, CAPS);
    const start = offHeapBytes();
    for (let i = 0; i < 50_000; i++) {
      keys.onEvent({ stream: 'Ev', row: { k: `k${i}`, kind: 'a', v: 1, ts: 2 * i }, time: 2 * i, seq: 2 * i + 1 });
      keys.onEvent({ stream: 'Ev', row: { k: `k${i}`, kind: 'b', v: 2, ts: 2 * i + 1 }, time: 2 * i + 1, seq: 2 * i + 2 });
    }
    expect(offHeapBytes() - start).toBeGreaterThan(50_000 * 20);
    keys.onTimer(1_000_000);
    expect(offHeapBytes()).toBe(start);
  });

  it('counts the runs its caps drop, per partition and per query', () => {
    const script = `${EV}CREATE STREAM q AS SELECT a.v AS av, b.v AS bv FROM PATTERN a=Ev[kind = 'a'] -> b=Ev[kind = 'b'] PARTITION BY k WITHIN 1 MINUTE;`;
    const a = automaton(script);
    const perPartition = recording();
    const capped = new FlatPatternOperator(a, perPartition.ctx, { maxRunsPerPartition: 3, maxRunsPerQuery: 1000 });
    for (let i = 0; i < 10; i++) capped.onEvent({ stream: 'Ev', row: { k: 'x', kind: 'a', v: i, ts: i }, time: i, seq: i + 1 });
    expect(capped.stateSize()).toBe(3);
    expect(perPartition.dropped).toBe(7);
    // The three kept are the first three: b completes them in order.
    capped.onEvent({ stream: 'Ev', row: { k: 'x', kind: 'b', v: 99, ts: 20 }, time: 20, seq: 11 });
    expect(perPartition.out.map((o) => o.data['av'])).toEqual([0, 1, 2]);
    expect(capped.stateSize()).toBe(0);

    const perQuery = recording();
    const small = new FlatPatternOperator(a, perQuery.ctx, { maxRunsPerPartition: 1000, maxRunsPerQuery: 5 });
    for (let i = 0; i < 10; i++) small.onEvent({ stream: 'Ev', row: { k: `k${i}`, kind: 'a', v: i, ts: i }, time: i, seq: i + 1 });
    expect(small.stateSize()).toBe(5);
    expect(perQuery.dropped).toBe(5);
  });
});

function automaton(script: string) {
  const result = compileScript(script.startsWith('CREATE STREAM Ev') ? script : EV + script);
  expect(result.diagnostics.map((d) => d.message)).toEqual([]);
  const statement = result.script.statements.at(-1);
  if (statement?.kind !== 'query' || statement.query.kind !== 'pattern') throw new Error('not a pattern query');
  return compilePattern(statement.query, { fault: (e) => { throw e; }, udf: () => undefined, lookup: () => undefined });
}

function recording(): { ctx: OperatorContext; out: { data: Record<string, unknown>; time: number }[]; dropped: number } {
  const r = {
    out: [] as { data: Record<string, unknown>; time: number }[],
    dropped: 0,
    ctx: undefined as unknown as OperatorContext,
  };
  r.ctx = {
    emit: (data, time) => void r.out.push({ data: { ...data }, time }),
    scheduleAfter: () => {},
    scheduleAt: () => {},
    dropped: (n) => void (r.dropped += n),
    admit: () => true,
  };
  return r;
}

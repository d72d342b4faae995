/**
 * The sliding-window aggregators (src/operators/aggregate/sliding.ts) against a direct
 * recomputation over the window's values, on long random sequences: the two-stacks flips,
 * the monotonic deques and the compaction of consumed fronts (past 1,024 entries) all run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AggregateFn, AggregateShape } from '../../../src/operators/aggregate/accumulators.js';
import { newSlidingAggregator } from '../../../src/operators/aggregate/sliding.js';
import { aggregateOf } from '../../reference/relational.js';
import type { AggregateCall } from '../../../src/analysis/bound.js';
import type { Span } from '../../../src/model/span.js';

const SPAN: Span = { file: 't', start: 0, end: 0, line: 1, column: 1 } as unknown as Span;

function call(fn: AggregateFn, distinct = false, type: 'INT' | 'DOUBLE' | 'STRING' = 'DOUBLE'): AggregateCall {
  return { fn, distinct, type: fn === 'COUNT' ? 'INT' : fn === 'AVG' || fn === 'STDDEV' ? 'DOUBLE' : type, span: SPAN, arg: { kind: 'column', type, row: { kind: 'input' }, column: 'x', span: SPAN } };
}

const CASES: [string, AggregateCall][] = [
  ['COUNT', call('COUNT')],
  ['COUNT DISTINCT', call('COUNT', true)],
  ['SUM', call('SUM')],
  ['SUM of INT', call('SUM', false, 'INT')],
  ['SUM of large INT (exact past 2^53 and back)', call('SUM', false, 'INT')],
  ['AVG', call('AVG')],
  ['MIN', call('MIN')],
  ['MAX', call('MAX')],
  ['MIN of STRING', call('MIN', false, 'STRING')],
  ['MAX of STRING', call('MAX', false, 'STRING')],
  ['STDDEV', call('STDDEV')],
  ['FIRST', call('FIRST')],
  ['LAST', call('LAST')],
];

const close = (a: unknown, b: unknown): boolean =>
  typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) : a === b;

describe('sliding aggregators = recomputation over the window', () => {
  for (const [name, c] of CASES) {
    it(name, () => {
      const value: fc.Arbitrary<unknown> =
        c.type === 'STRING'
          ? fc.constantFrom('a', 'b', 'c', 'd')
          : name.startsWith('SUM of large')
            ? fc.oneof(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1))
            : c.arg!.type === 'INT'
              ? fc.integer({ min: -50, max: 50 })
              : fc.double({ min: -1e6, max: 1e6, noNaN: true });
      // Each step pushes a value (or NULL) and then keeps the last `width` positions.
      // Now and then the aggregator is replaced by one restored from its checkpoint (save, then
      // load into a fresh one), and windows are sometimes long enough for the rings to grow.
      const steps = fc.array(
        fc.record({ v: fc.option(value, { nil: null, freq: 5 }), width: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 100, max: 400 })), restore: fc.integer({ min: 0, max: 199 }).map((n) => n === 0) }),
        { minLength: 1, maxLength: 3000, size: 'max' },
      );
      fc.assert(
        fc.property(steps, (list) => {
          const shape: AggregateShape = { fn: c.fn, star: false, distinct: c.distinct, integral: c.type === 'INT' };
          let agg = newSlidingAggregator(shape, true);
          const all: { data: Record<string, unknown>; ts: number; seq: number; stream: string }[] = [];
          let start = 0;
          list.forEach((s, pos) => {
            if (s.restore) {
              const restored = newSlidingAggregator(shape, true);
              restored.load(structuredClone(agg.save()));
              agg = restored;
            }
            agg.push(s.v, pos);
            all.push({ data: { x: s.v }, ts: pos, seq: pos, stream: 'S' });
            start = Math.max(start, pos + 1 - s.width);
            agg.evict(start);
            const expected = aggregateOf(c, all.slice(start), 0);
            if (!close(agg.result(), expected)) expect({ pos, start, got: agg.result() }).toEqual({ pos, start, got: expected });
          });
        }),
        { numRuns: 10 },
      );
    });
  }

  it('reads what the array-based queues of earlier versions saved (a consumed front, suffixes aligned with the whole)', () => {
    // AVG over positions 0..4 with 0 and 1 evicted: values 10, 20, 30, 40, 50. The front [2, 4)
    // carries suffix aggregates (count, sum) at its entries' own places: (2, 70) at 2, (1, 40) at
    // 3; the back holds 50.
    const agg = newSlidingAggregator({ fn: 'AVG', star: false, distinct: false, integral: false }, true);
    agg.load({ q: { pos: [0, 1, 2, 3, 4], vals: [10, 20, 30, 40, 50], head: 2 }, suffix: [0, 0, 0, 0, 2, 70, 1, 40], split: 4, back: [1, 50] });
    expect(agg.result()).toBe(40);
    agg.evict(3);
    expect(agg.result()).toBe(45);
    agg.push(60, 5);
    agg.evict(4);
    expect(agg.result()).toBe(55);
    const max = newSlidingAggregator({ fn: 'MAX', star: false, distinct: false, integral: false }, true);
    max.load({ deque: { pos: [0, 3, 4], vals: [99, 7, 5], head: 1 }, kinds: new Map(), all: { pos: [], vals: [], head: 0 } });
    expect(max.result()).toBe(7);
  });

  it('reads an INT SUM saved as [count, sum] (before sums were exact)', () => {
    const agg = newSlidingAggregator({ fn: 'SUM', star: false, distinct: false, integral: true }, true);
    agg.load({ q: { pos: [0, 1, 2], vals: [10, 20, 30], head: 0 }, suffix: [2, 30, 1, 20], split: 2, back: [1, 30] });
    expect(agg.result()).toBe(60);
    agg.evict(1);
    expect(agg.result()).toBe(50);
    agg.push(Number.MAX_SAFE_INTEGER, 3);
    agg.push(-Number.MAX_SAFE_INTEGER, 4);
    expect(agg.result()).toBe(50);
  });

  it('COUNT(*) counts the positions kept', () => {
    const agg = newSlidingAggregator({ fn: 'COUNT', star: true, distinct: false, integral: true }, true);
    for (let pos = 0; pos < 5000; pos++) {
      agg.push(null, pos);
      agg.evict(pos - 9);
      expect(agg.result()).toBe(Math.min(pos + 1, 10));
    }
  });

  it('MIN over a JSON argument is NULL while the window mixes types, and recovers when it no longer does', () => {
    const agg = newSlidingAggregator({ fn: 'MIN', star: false, distinct: false, integral: false }, false);
    const values = [3, 'a', 1, 2, { o: 1 }, 5, 4];
    const seen: unknown[] = [];
    values.forEach((v, pos) => {
      agg.push(v, pos);
      agg.evict(pos - 1); // windows of two values
      seen.push(agg.result());
    });
    expect(seen).toEqual([3, null, null, 1, null, null, 4]);
  });
});

/**
 * Aggregates over the events a run binds to a Kleene element (LANGUAGE.md 6.1), kept per run as
 * it takes them: `kleene` holds each aggregate's value, `work` its working numbers — two per
 * aggregate (FIRST's seen flag, SUM/AVG's sum and count, MIN/MAX's mixed-types flag), then one
 * more each for an INT SUM's high part (util/sums.ts).
 */
import type { Row } from '../../runtime/row.js';
import { addInts, carry, finite, intTotal } from '../../util/sums.js';
import type { KleeneAggregateSpec } from './automaton.js';

const NOTHING: never[] = [];

/** Initial Kleene aggregate values: COUNT 0, the others NULL (shared when there are none). */
export function initialKleene(specs: readonly KleeneAggregateSpec[]): unknown[] {
  return specs.length === 0 ? NOTHING : specs.map((s) => (s.fn === 'COUNT' ? 0 : null));
}

/** Per Kleene aggregate two numbers (see aggregateInto), then one more each: an INT SUM's high part. */
export function initialWork(specs: readonly KleeneAggregateSpec[]): number[] {
  const n = specs.length;
  return n === 0 ? NOTHING : new Array<number>(n * 3).fill(0);
}

/** Adds an event to the Kleene aggregates of its slot. NULLs are ignored, as in SQL. */
export function aggregateInto(specs: readonly KleeneAggregateSpec[], kleene: unknown[], work: number[], slot: number, row: Row): void {
  for (let i = 0; i < specs.length; i++) {
    const spec: KleeneAggregateSpec = specs[i]!;
    if (spec.slot !== slot) continue;
    if (spec.fn === 'COUNT') {
      kleene[i] = (kleene[i] as number) + 1;
      continue;
    }
    const v = spec.arg!(row) ?? null;
    // FIRST and LAST read the first and last bound event, whatever its value: LAST(r.price)
    // is the previous event's price (6.1). The other aggregates ignore NULLs, as in SQL.
    if (spec.fn === 'FIRST') {
      if (work[2 * i] === 0) kleene[i] = v;
      work[2 * i] = 1;
      continue;
    }
    if (spec.fn === 'LAST') {
      kleene[i] = v;
      continue;
    }
    if (v === null) continue;
    const current = kleene[i];
    switch (spec.fn) {
      case 'SUM':
      case 'AVG':
        if (typeof v !== 'number') break;
        work[2 * i + 1] = work[2 * i + 1]! + 1;
        if (spec.fn === 'SUM' && spec.integral) {
          // Exact (util/sums.ts): the total is work[2i] + work[2n + i] · 2^52.
          const high = 2 * specs.length + i;
          work[2 * i] = addInts(work[2 * i]!, v);
          work[high] = work[high]! + carry.value;
          kleene[i] = intTotal(work[2 * i]!, work[high]!);
          break;
        }
        work[2 * i] = work[2 * i]! + v;
        kleene[i] = finite(spec.fn === 'AVG' ? work[2 * i]! / work[2 * i + 1]! : work[2 * i]!);
        break;
      case 'MIN':
      case 'MAX':
        // Values of different types do not compare: the aggregate is NULL from then on.
        if (work[2 * i] === 1) break;
        if (current === null) kleene[i] = typeof v === 'object' ? null : v;
        else if (typeof v !== typeof current || typeof v === 'object') {
          work[2 * i] = 1;
          kleene[i] = null;
        } else if (spec.fn === 'MIN' ? (v as number) < (current as number) : (v as number) > (current as number)) kleene[i] = v;
        if (typeof v === 'object') work[2 * i] = 1;
        break;
    }
  }
}

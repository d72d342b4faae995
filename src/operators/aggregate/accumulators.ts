/**
 * Aggregates of windowed and grouped queries (LANGUAGE.md section 7), kept incrementally.
 *
 * An `Accumulator` takes a window's values in event-time order (ties in arrival order) and can
 * absorb another accumulator of *later* values (`merge`): that is how a hopping window is put
 * together from the panes it covers without copying an event into every window. All but
 * `COUNT(*)` ignore NULLs; over no values they give NULL (`COUNT`: 0).
 *
 * Sliding windows, which also lose values from the front, use `sliding.ts`.
 */
import { keyId } from '../../runtime/row.js';

export type AggregateFn = 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'STDDEV' | 'FIRST' | 'LAST';

/** What the operator knows of one aggregate call. */
export interface AggregateShape {
  readonly fn: AggregateFn;
  /** COUNT(*): no argument. */
  readonly star: boolean;
  readonly distinct: boolean;
  /** The result is an INT: a SUM beyond the safe integers is NULL. */
  readonly integral: boolean;
}

export interface Accumulator {
  /** Adds one event's argument value (NULL as `null`; ignored for COUNT(*)). */
  add(value: unknown): void;
  /** Absorbs the values of `later`, all after this one's (same aggregate). */
  merge(later: Accumulator): void;
  result(): unknown;
}

/**
 * MIN and MAX compare numbers, strings and booleans with values of their own type. A JSON
 * argument may mix them: once a window holds values that do not compare (different types, or
 * objects), the aggregate is NULL, as for MIN/MAX over Kleene events.
 */
export function comparable(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}

class CountStar implements Accumulator {
  n = 0;
  add(): void {
    this.n++;
  }
  merge(later: CountStar): void {
    this.n += later.n;
  }
  result(): number {
    return this.n;
  }
}

class Count implements Accumulator {
  n = 0;
  add(value: unknown): void {
    if (value !== null) this.n++;
  }
  merge(later: Count): void {
    this.n += later.n;
  }
  result(): number {
    return this.n;
  }
}

class CountDistinct implements Accumulator {
  readonly seen = new Set<string>();
  add(value: unknown): void {
    if (value !== null) this.seen.add(keyId(value));
  }
  merge(later: CountDistinct): void {
    for (const v of later.seen) this.seen.add(v);
  }
  result(): number {
    return this.seen.size;
  }
}

class Sum implements Accumulator {
  sum = 0;
  n = 0;
  constructor(
    readonly integral: boolean,
    readonly average: boolean,
  ) {}
  add(value: unknown): void {
    // A JSON argument that is not a number is not summed (as for Kleene aggregates).
    if (typeof value !== 'number') return;
    this.sum += value;
    this.n++;
  }
  merge(later: Sum): void {
    this.sum += later.sum;
    this.n += later.n;
  }
  result(): number | null {
    if (this.n === 0) return null;
    if (this.average) return this.sum / this.n;
    return this.integral && !Number.isSafeInteger(this.sum) ? null : this.sum;
  }
}

class Extreme implements Accumulator {
  value: unknown = null;
  /** Values that do not compare were seen: the result is NULL. */
  mixed = false;
  constructor(readonly max: boolean) {}
  add(value: unknown): void {
    if (value === null || this.mixed) return;
    const current = this.value;
    if (!comparable(value) || (current !== null && typeof value !== typeof current)) {
      this.mixed = true;
      this.value = null;
    } else if (current === null || (this.max ? (value as number) > (current as number) : (value as number) < (current as number))) {
      this.value = value;
    }
  }
  merge(later: Extreme): void {
    if (later.mixed) {
      this.mixed = true;
      this.value = null;
    } else if (later.value !== null) this.add(later.value);
  }
  result(): unknown {
    return this.value;
  }
}

/** Sample standard deviation by Welford's method; partial results combine by Chan's formula. */
class StdDev implements Accumulator {
  n = 0;
  mean = 0;
  m2 = 0;
  add(value: unknown): void {
    if (typeof value !== 'number') return;
    this.n++;
    const delta = value - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (value - this.mean);
  }
  merge(later: StdDev): void {
    if (later.n === 0) return;
    if (this.n === 0) {
      this.n = later.n;
      this.mean = later.mean;
      this.m2 = later.m2;
      return;
    }
    const n = this.n + later.n;
    const delta = later.mean - this.mean;
    this.mean += (delta * later.n) / n;
    this.m2 += later.m2 + (delta * delta * this.n * later.n) / n;
    this.n = n;
  }
  result(): number | null {
    return this.n < 2 ? null : Math.sqrt(Math.max(0, this.m2) / (this.n - 1));
  }
}

/** FIRST and LAST: the first and last non-NULL value by event time (values come in that order). */
class Edge implements Accumulator {
  value: unknown = null;
  constructor(readonly last: boolean) {}
  add(value: unknown): void {
    if (value !== null && (this.last || this.value === null)) this.value = value;
  }
  merge(later: Edge): void {
    this.add(later.value);
  }
  result(): unknown {
    return this.value;
  }
}

/** A fresh accumulator for one aggregate call. */
export function newAccumulator(shape: AggregateShape): Accumulator {
  switch (shape.fn) {
    case 'COUNT':
      return shape.star ? new CountStar() : shape.distinct ? new CountDistinct() : new Count();
    case 'SUM':
      return new Sum(shape.integral, false);
    case 'AVG':
      return new Sum(false, true);
    case 'MIN':
      return new Extreme(false);
    case 'MAX':
      return new Extreme(true);
    case 'STDDEV':
      return new StdDev();
    case 'FIRST':
      return new Edge(false);
    case 'LAST':
      return new Edge(true);
  }
}

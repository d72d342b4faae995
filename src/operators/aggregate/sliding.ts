/**
 * Aggregates over sliding windows (LANGUAGE.md section 7): values enter at the back and leave
 * from the front, and the cost per event may not grow with the window's size.
 *
 * Each aggregator keeps the window's non-NULL values with their positions (a per-group event
 * counter) and answers in amortised O(1):
 * - COUNT from the queue's length; COUNT(DISTINCT) from a count per value.
 * - SUM, AVG and STDDEV with the *two-stacks* method: the front part of the queue holds suffix
 *   aggregates, the back part one running aggregate; the window's value combines the two, and
 *   when the front runs out the back is turned into suffixes (each value is handled a bounded
 *   number of times). Unlike "add on entry, subtract on exit", it never subtracts, so floating
 *   point error does not accumulate over a long-running window, and it needs no inverse.
 * - MIN and MAX with a monotonic deque: the candidates in decreasing order of preference; the
 *   front is the answer. It is exact (no combining at all), O(1) amortised per event, and
 *   holds at most the window's values — simpler than DABA for the one operation that needs it.
 * - FIRST and LAST: the front and back of the queue.
 *
 * Checkpoints: an aggregator's `save` gives its data (plain objects, arrays, Maps; the arrays
 * themselves, not copies), and `load` puts it into a fresh aggregator of the same aggregate.
 */
import { keyId } from '../../runtime/row.js';
import { comparable, type AggregateShape } from './accumulators.js';

export interface SlidingAggregator {
  /** Adds the value of the event at position `pos` (positions increase by one per event). */
  push(value: unknown, pos: number): void;
  /** Drops every value at a position below `start`. */
  evict(start: number): void;
  result(): unknown;
  /** For checkpoints: the aggregator's state as plain data (no copy is made). */
  save(): unknown;
  /** Takes back what `save` gave, on a fresh aggregator of the same aggregate. */
  load(state: unknown): void;
}

/** Values with positions, oldest first; the consumed front is cut off from time to time. */
class Queue<T> {
  pos: number[] = [];
  vals: T[] = [];
  head = 0;

  get size(): number {
    return this.pos.length - this.head;
  }

  push(value: T, pos: number): void {
    this.pos.push(pos);
    this.vals.push(value);
  }

  /** Pops front values below `start`, calling `drop` for each; returns how many. */
  evict(start: number, drop?: (value: T) => void): number {
    let n = 0;
    while (this.head < this.pos.length && this.pos[this.head]! < start) {
      if (drop) drop(this.vals[this.head]!);
      this.head++;
      n++;
    }
    return n;
  }

  /** Cuts the consumed front once it is large; returns how many entries were removed. */
  compact(): number {
    const h = this.head;
    if (h < 1024 || h * 2 < this.pos.length) return 0;
    this.pos = this.pos.slice(h);
    this.vals = this.vals.slice(h);
    this.head = 0;
    return h;
  }

  /** Its fields as a plain object (for checkpoints). */
  save(): QueueState<T> {
    return { pos: this.pos, vals: this.vals, head: this.head };
  }

  load(state: QueueState<T>): void {
    this.pos = state.pos;
    this.vals = state.vals;
    this.head = state.head;
  }
}

interface QueueState<T> {
  readonly pos: number[];
  readonly vals: T[];
  readonly head: number;
}

class SlidingCountStar implements SlidingAggregator {
  #first = 0;
  #next = 0;
  push(_value: unknown, pos: number): void {
    if (this.#next === this.#first) this.#first = pos;
    this.#next = pos + 1;
  }
  evict(start: number): void {
    if (start > this.#first) this.#first = Math.min(start, this.#next);
  }
  result(): number {
    return this.#next - this.#first;
  }
  save(): unknown {
    return { first: this.#first, next: this.#next };
  }
  load(state: unknown): void {
    const s = state as { first: number; next: number };
    this.#first = s.first;
    this.#next = s.next;
  }
}

class SlidingCount implements SlidingAggregator {
  readonly #q = new Queue<unknown>();
  readonly #distinct: Map<string, number> | undefined;
  constructor(distinct: boolean) {
    this.#distinct = distinct ? new Map() : undefined;
  }
  push(value: unknown, pos: number): void {
    if (value === null) return;
    const d = this.#distinct;
    if (d) {
      const id = keyId(value);
      d.set(id, (d.get(id) ?? 0) + 1);
      this.#q.push(id, pos);
    } else this.#q.push(null, pos);
  }
  evict(start: number): void {
    const d = this.#distinct;
    this.#q.evict(
      start,
      d &&
        ((id) => {
          const n = d.get(id as string)! - 1;
          if (n === 0) d.delete(id as string);
          else d.set(id as string, n);
        }),
    );
    this.#q.compact();
  }
  result(): number {
    return this.#distinct ? this.#distinct.size : this.#q.size;
  }
  save(): unknown {
    return { q: this.#q.save(), distinct: this.#distinct };
  }
  load(state: unknown): void {
    const s = state as { q: QueueState<unknown>; distinct: Map<string, number> | undefined };
    this.#q.load(s.q);
    if (s.distinct) for (const [id, n] of s.distinct) this.#distinct!.set(id, n);
  }
}

/**
 * Two-stacks over a queue of numbers, generic in the partial aggregate (`W` numbers wide):
 * entries [head, split) carry suffix aggregates, entries [split, end) are summarised by `back`.
 */
abstract class TwoStacks implements SlidingAggregator {
  protected readonly q = new Queue<number>();
  /** Suffix aggregates of the front, `width` numbers per entry, aligned with the queue. */
  protected suffix: number[] = [];
  protected split = 0;
  protected back: number[];
  /** Scratch (nothing between calls): one value's aggregate. */
  protected readonly scratch: number[];

  constructor(protected readonly width: number) {
    this.back = this.identity();
    this.scratch = this.identity();
  }

  protected abstract identity(): number[];
  /** out = the aggregate of one value. */
  protected abstract unit(value: number, out: number[], at: number): void;
  /** out[at…] = combine(left[l…], right[r…]): left's values all come before right's. */
  protected abstract combine(left: number[], l: number, right: number[], r: number, out: number[], at: number): void;

  push(value: unknown, pos: number): void {
    if (typeof value !== 'number') return;
    this.q.push(value, pos);
    const one = this.scratch;
    this.unit(value, one, 0);
    this.combine(this.back, 0, one, 0, this.back, 0);
  }

  evict(start: number): void {
    const q = this.q;
    while (q.head < q.pos.length && q.pos[q.head]! < start) {
      if (q.head === this.split) this.#flip();
      q.head++;
    }
    const cut = q.compact();
    if (cut > 0) {
      this.suffix = this.suffix.slice(cut * this.width);
      this.split -= cut;
    }
  }

  /** The front is empty: the back's entries become the front, with suffix aggregates. */
  #flip(): void {
    const q = this.q;
    const w = this.width;
    const end = q.pos.length;
    const s = this.suffix;
    while (s.length < end * w) s.push(0);
    const one = this.scratch;
    this.unit(q.vals[end - 1]!, s, (end - 1) * w);
    for (let i = end - 2; i >= q.head; i--) {
      this.unit(q.vals[i]!, one, 0);
      this.combine(one, 0, s, (i + 1) * w, s, i * w);
    }
    this.split = end;
    this.back = this.identity();
  }

  /** The window's aggregate into `out`. */
  protected total(out: number[]): void {
    const q = this.q;
    if (q.head < this.split) this.combine(this.suffix, q.head * this.width, this.back, 0, out, 0);
    else for (let k = 0; k < this.width; k++) out[k] = this.back[k]!;
  }

  abstract result(): unknown;

  save(): unknown {
    return { q: this.q.save(), suffix: this.suffix, split: this.split, back: this.back };
  }

  load(state: unknown): void {
    const s = state as { q: QueueState<number>; suffix: number[]; split: number; back: number[] };
    this.q.load(s.q);
    this.suffix = s.suffix;
    this.split = s.split;
    this.back = s.back;
  }
}

/** SUM and AVG: [count, sum]. */
class SlidingSum extends TwoStacks {
  readonly #out = [0, 0];
  constructor(
    readonly integral: boolean,
    readonly average: boolean,
  ) {
    super(2);
  }
  protected identity(): number[] {
    return [0, 0];
  }
  protected unit(value: number, out: number[], at: number): void {
    out[at] = 1;
    out[at + 1] = value;
  }
  protected combine(left: number[], l: number, right: number[], r: number, out: number[], at: number): void {
    const n = left[l]! + right[r]!;
    const sum = left[l + 1]! + right[r + 1]!;
    out[at] = n;
    out[at + 1] = sum;
  }
  result(): number | null {
    const out = this.#out;
    this.total(out);
    if (out[0] === 0) return null;
    if (this.average) return out[1]! / out[0]!;
    return this.integral && !Number.isSafeInteger(out[1]!) ? null : out[1]!;
  }
}

/** STDDEV: [count, mean, M2], combined by Chan's formula. */
class SlidingStdDev extends TwoStacks {
  readonly #out = [0, 0, 0];
  constructor() {
    super(3);
  }
  protected identity(): number[] {
    return [0, 0, 0];
  }
  protected unit(value: number, out: number[], at: number): void {
    out[at] = 1;
    out[at + 1] = value;
    out[at + 2] = 0;
  }
  protected combine(left: number[], l: number, right: number[], r: number, out: number[], at: number): void {
    const na = left[l]!;
    const nb = right[r]!;
    if (nb === 0) {
      out[at] = na;
      out[at + 1] = left[l + 1]!;
      out[at + 2] = left[l + 2]!;
      return;
    }
    if (na === 0) {
      out[at] = nb;
      out[at + 1] = right[r + 1]!;
      out[at + 2] = right[r + 2]!;
      return;
    }
    const n = na + nb;
    const ma = left[l + 1]!;
    const delta = right[r + 1]! - ma;
    const m2 = left[l + 2]! + right[r + 2]! + (delta * delta * na * nb) / n;
    out[at] = n;
    out[at + 1] = ma + (delta * nb) / n;
    out[at + 2] = m2;
  }
  result(): number | null {
    const out = this.#out;
    this.total(out);
    return out[0]! < 2 ? null : Math.sqrt(Math.max(0, out[2]!) / (out[0]! - 1));
  }
}

/** The order MIN and MAX keep their deque in: by type first, so mixed values still line up. */
function rank(v: unknown): number {
  return typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2;
}

function before(a: unknown, b: unknown): boolean {
  const ra = rank(a);
  const rb = rank(b);
  return ra !== rb ? ra < rb : (a as number) < (b as number);
}

class SlidingExtreme implements SlidingAggregator {
  /** The monotonic deque: each candidate beats every later one in it. */
  readonly #deque = new Queue<unknown>();
  /** Values in the window that do not compare with the others, by kind. */
  readonly #kinds = new Map<string, number>();
  readonly #all = new Queue<string>();
  readonly #max: boolean;
  readonly #typed: boolean;

  /** `typed`: the argument has one SQL type, so every value compares (no JSON mixing). */
  constructor(max: boolean, typed: boolean) {
    this.#max = max;
    this.#typed = typed;
  }

  push(value: unknown, pos: number): void {
    if (value === null) return;
    if (!this.#typed) {
      const kind = comparable(value) ? typeof value : 'object';
      this.#kinds.set(kind, (this.#kinds.get(kind) ?? 0) + 1);
      this.#all.push(kind, pos);
      if (kind === 'object') return;
    }
    const d = this.#deque;
    // Drop the candidates the new value beats: they can never be the answer again.
    while (d.size > 0) {
      const last = d.vals[d.vals.length - 1];
      const beaten = this.#max ? !before(value, last) && last !== value : before(value, last);
      if (!beaten) break;
      d.vals.pop();
      d.pos.pop();
    }
    d.push(value, pos);
  }

  evict(start: number): void {
    this.#deque.evict(start);
    this.#deque.compact();
    if (!this.#typed) {
      const kinds = this.#kinds;
      this.#all.evict(start, (kind) => {
        const n = kinds.get(kind)! - 1;
        if (n === 0) kinds.delete(kind);
        else kinds.set(kind, n);
      });
      this.#all.compact();
    }
  }

  result(): unknown {
    if (!this.#typed && (this.#kinds.size > 1 || this.#kinds.has('object'))) return null;
    const d = this.#deque;
    return d.size > 0 ? d.vals[d.head] : null;
  }

  save(): unknown {
    return { deque: this.#deque.save(), kinds: this.#kinds, all: this.#all.save() };
  }

  load(state: unknown): void {
    const s = state as { deque: QueueState<unknown>; kinds: Map<string, number>; all: QueueState<string> };
    this.#deque.load(s.deque);
    for (const [kind, n] of s.kinds) this.#kinds.set(kind, n);
    this.#all.load(s.all);
  }
}

class SlidingEdge implements SlidingAggregator {
  readonly #q = new Queue<unknown>();
  constructor(readonly last: boolean) {}
  push(value: unknown, pos: number): void {
    if (value !== null) this.#q.push(value, pos);
  }
  evict(start: number): void {
    this.#q.evict(start);
    this.#q.compact();
  }
  result(): unknown {
    const q = this.#q;
    if (q.size === 0) return null;
    return this.last ? q.vals[q.vals.length - 1] : q.vals[q.head];
  }
  save(): unknown {
    return this.#q.save();
  }
  load(state: unknown): void {
    this.#q.load(state as QueueState<unknown>);
  }
}

/** A fresh sliding aggregator; `typed`: the argument is not JSON (its values all compare). */
export function newSlidingAggregator(shape: AggregateShape, typed: boolean): SlidingAggregator {
  switch (shape.fn) {
    case 'COUNT':
      return shape.star ? new SlidingCountStar() : new SlidingCount(shape.distinct);
    case 'SUM':
      return new SlidingSum(shape.integral, false);
    case 'AVG':
      return new SlidingSum(false, true);
    case 'MIN':
      return new SlidingExtreme(false, typed);
    case 'MAX':
      return new SlidingExtreme(true, typed);
    case 'STDDEV':
      return new SlidingStdDev();
    case 'FIRST':
      return new SlidingEdge(false);
    case 'LAST':
      return new SlidingEdge(true);
  }
}

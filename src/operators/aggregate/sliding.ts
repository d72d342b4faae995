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
 * Checkpoints: an aggregator's `save` gives its data as plain objects, arrays and Maps (the
 * queues' live entries copied out of their rings), and `load` puts it into a fresh aggregator of
 * the same aggregate (it also reads what the array-based queues of earlier versions saved).
 */
import { keyId } from '../../runtime/row.js';
import { addInts, carry, finite, intTotal } from '../../util/sums.js';
import { comparable, stddevOf, type AggregateShape } from './accumulators.js';

export interface SlidingAggregator {
  /** Adds the value of the event at position `pos` (positions increase by one per event). */
  push(value: unknown, pos: number): void;
  /** Drops every value at a position below `start`. */
  evict(start: number): void;
  result(): unknown;
  /** For checkpoints: the aggregator's state as plain data. */
  save(): unknown;
  /** Takes back what `save` gave, on a fresh aggregator of the same aggregate. */
  load(state: unknown): void;
}

/**
 * A ring of numbers (`width` per entry, entry k at slot `k & mask`) moved to a ring of capacity
 * `mask + 1`: the entries from `head` to `end`, at their slots there.
 */
function regrow(from: Float64Array, fromMask: number, mask: number, head: number, end: number, width = 1): Float64Array {
  const to = new Float64Array((mask + 1) * width);
  for (let k = head; k < end; k++) {
    for (let j = 0; j < width; j++) to[(k & mask) * width + j] = from[(k & fromMask) * width + j]!;
  }
  return to;
}

/** Storage for a ring's values: a typed array for numbers (unboxed), an array otherwise. */
type Slots<T> = { [index: number]: T; readonly length: number };

/**
 * Values with positions, oldest first, in a ring of a power-of-two capacity that doubles when
 * full. Entries are addressed by absolute index (`head` to `tail`, growing for ever), the slot
 * being the index modulo the capacity: nothing is copied as values come and go, only when the
 * ring grows — so a long window costs no more per event than a short one.
 */
class Queue<T> {
  #pos: Float64Array = new Float64Array(16);
  #vals: Slots<T>;
  #mask = 15;
  /** The absolute index of the oldest entry, and of the one after the newest. */
  head = 0;
  tail = 0;
  readonly #make: (capacity: number) => Slots<T>;

  /** `make` gives the value storage of a capacity: a Float64Array for numbers. */
  constructor(make: (capacity: number) => Slots<T>) {
    this.#make = make;
    this.#vals = make(16);
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** The capacity minus one (slots are `index & mask`); it changes when the ring grows. */
  get mask(): number {
    return this.#mask;
  }

  push(value: T, pos: number): void {
    if (this.tail - this.head > this.#mask) this.#grow();
    const i = this.tail & this.#mask;
    this.#pos[i] = pos;
    this.#vals[i] = value;
    this.tail++;
  }

  posAt(index: number): number {
    return this.#pos[index & this.#mask]!;
  }

  valAt(index: number): T {
    return this.#vals[index & this.#mask]!;
  }

  /** Drops the newest entry. */
  popBack(): void {
    this.tail--;
    this.#vals[this.tail & this.#mask] = undefined as T;
  }

  /** Pops front values below `start`, calling `drop` for each; returns how many. */
  evict(start: number, drop?: (value: T) => void): number {
    const pos = this.#pos;
    const vals = this.#vals;
    const mask = this.#mask;
    let n = 0;
    while (this.head < this.tail && pos[this.head & mask]! < start) {
      const i = this.head & mask;
      if (drop) drop(vals[i]!);
      vals[i] = undefined as T;
      this.head++;
      n++;
    }
    return n;
  }

  #grow(): void {
    const mask = this.#mask * 2 + 1;
    const vals = this.#make(mask + 1);
    for (let k = this.head; k < this.tail; k++) vals[k & mask] = this.#vals[k & this.#mask]!;
    this.#pos = regrow(this.#pos, this.#mask, mask, this.head, this.tail);
    this.#vals = vals;
    this.#mask = mask;
  }

  /** Its entries as plain arrays, oldest first (for checkpoints). */
  save(): QueueState<T> {
    const pos: number[] = [];
    const vals: T[] = [];
    for (let k = this.head; k < this.tail; k++) {
      pos.push(this.posAt(k));
      vals.push(this.valAt(k));
    }
    return { pos, vals, head: 0 };
  }

  /** Takes back what `save` gave (entries from `head` on), into an empty queue: they get indices from 0. */
  load(state: QueueState<T>): void {
    for (let k = state.head; k < state.pos.length; k++) this.push(state.vals[k]!, state.pos[k]!);
  }
}

/**
 * A sliding group's event times, oldest first, in a ring like `Queue`'s: appended at the back,
 * dropped from the front, never copied but to grow.
 */
export class Times {
  #items: Float64Array = new Float64Array(16);
  #mask = 15;
  head = 0;
  tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  front(): number {
    return this.#items[this.head & this.#mask]!;
  }

  back(): number {
    return this.#items[(this.tail - 1) & this.#mask]!;
  }

  push(time: number): void {
    if (this.tail - this.head > this.#mask) {
      const mask = this.#mask * 2 + 1;
      this.#items = regrow(this.#items, this.#mask, mask, this.head, this.tail);
      this.#mask = mask;
    }
    this.#items[this.tail & this.#mask] = time;
    this.tail++;
  }

  /** The times, oldest first (for checkpoints). */
  save(): number[] {
    const out: number[] = [];
    for (let k = this.head; k < this.tail; k++) out.push(this.#items[k & this.#mask]!);
    return out;
  }

  /** Takes back the times from `from` on (an empty ring). */
  load(times: readonly number[], from = 0): void {
    for (let k = from; k < times.length; k++) this.push(times[k]!);
  }
}

const values = <T>(capacity: number): Slots<T> => new Array<T | undefined>(capacity).fill(undefined) as Slots<T>;
const numbers = (capacity: number): Slots<number> => new Float64Array(capacity);

interface QueueState<T> {
  readonly pos: readonly number[];
  readonly vals: readonly T[];
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
  readonly #q = new Queue<unknown>(values);
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

/** Partial aggregates: `width` numbers each. */
type Vec = Float64Array;

/**
 * Two-stacks over a queue of numbers, generic in the partial aggregate (`W` numbers wide):
 * entries [head, split) carry suffix aggregates, entries [split, tail) are summarised by `back`.
 * The suffixes live in a ring aligned with the queue's (entry k at slot `k & mask`).
 */
abstract class TwoStacks implements SlidingAggregator {
  protected readonly q = new Queue<number>(numbers);
  /** Suffix aggregates of the front, `width` numbers per entry, in slots aligned with the queue's. */
  protected suffix: Vec;
  #suffixMask: number;
  protected split = 0;
  protected back: Vec;
  /** Scratch (nothing between calls): one value's aggregate. */
  protected readonly scratch: Vec;

  constructor(protected readonly width: number) {
    this.back = this.identity();
    this.scratch = this.identity();
    this.#suffixMask = this.q.mask;
    this.suffix = new Float64Array((this.q.mask + 1) * width);
  }

  protected abstract identity(): Vec;
  /** out = the aggregate of one value. */
  protected abstract unit(value: number, out: Vec, at: number): void;
  /** out[at…] = combine(left[l…], right[r…]): left's values all come before right's. */
  protected abstract combine(left: Vec, l: number, right: Vec, r: number, out: Vec, at: number): void;

  push(value: unknown, pos: number): void {
    if (typeof value !== 'number') return;
    this.q.push(value, pos);
    if (this.q.mask !== this.#suffixMask) this.#growSuffix();
    const one = this.scratch;
    this.unit(value, one, 0);
    this.combine(this.back, 0, one, 0, this.back, 0);
  }

  /** The queue has grown: the front's suffixes move to the slots of the new capacity. */
  #growSuffix(): void {
    const mask = this.q.mask;
    this.suffix = regrow(this.suffix, this.#suffixMask, mask, this.q.head, this.split, this.width);
    this.#suffixMask = mask;
  }

  evict(start: number): void {
    const q = this.q;
    while (q.head < q.tail && q.posAt(q.head) < start) {
      if (q.head === this.split) this.#flip();
      q.head++;
    }
  }

  /** The front is empty: the back's entries become the front, with suffix aggregates. */
  #flip(): void {
    const q = this.q;
    const w = this.width;
    const mask = this.#suffixMask;
    const end = q.tail;
    const s = this.suffix;
    const one = this.scratch;
    this.unit(q.valAt(end - 1), s, ((end - 1) & mask) * w);
    for (let i = end - 2; i >= q.head; i--) {
      this.unit(q.valAt(i), one, 0);
      this.combine(one, 0, s, ((i + 1) & mask) * w, s, (i & mask) * w);
    }
    this.split = end;
    this.back = this.identity();
  }

  /** The window's aggregate into `out`. */
  protected total(out: Vec): void {
    const q = this.q;
    if (q.head < this.split) this.combine(this.suffix, (q.head & this.#suffixMask) * this.width, this.back, 0, out, 0);
    else for (let k = 0; k < this.width; k++) out[k] = this.back[k]!;
  }

  abstract result(): unknown;

  /** The queue from its oldest entry, the front's suffixes aligned with it, where the front ends, the back. */
  save(): unknown {
    const q = this.q;
    const w = this.width;
    const suffix: number[] = [];
    for (let k = q.head; k < this.split; k++) for (let j = 0; j < w; j++) suffix.push(this.suffix[(k & this.#suffixMask) * w + j]!);
    return { q: q.save(), suffix, split: Math.max(0, this.split - q.head), back: Array.from(this.back) };
  }

  /** Takes what `save` gave; also a queue saved with consumed entries before `head` (its suffixes aligned with the whole). */
  load(state: unknown): void {
    const s = state as { q: QueueState<number>; suffix: number[]; split: number; back: number[] };
    const w = this.width;
    // Entry i of the saved queue (its suffix at i * w) becomes entry i - head here.
    const from = s.q.head;
    this.q.load(s.q);
    this.#growSuffix();
    this.split = Math.max(0, s.split - from);
    for (let k = 0; k < this.split; k++) for (let j = 0; j < w; j++) this.suffix[(k & this.#suffixMask) * w + j] = s.suffix[(k + from) * w + j]!;
    this.back = Float64Array.from(s.back);
  }
}

/**
 * SUM and AVG: [count, sum]; an INT SUM [count, low, high], exact (util/sums.ts): a total of
 * integers is the same however it is grouped, so the two stacks' parts add up exactly.
 */
class SlidingSum extends TwoStacks {
  readonly #out: Float64Array;
  constructor(
    readonly integral: boolean,
    readonly average: boolean,
  ) {
    super(integral ? 3 : 2);
    this.#out = new Float64Array(this.width);
  }
  protected identity(): Vec {
    return new Float64Array(this.width);
  }
  protected unit(value: number, out: Vec, at: number): void {
    out[at] = 1;
    out[at + 1] = value;
    if (this.integral) out[at + 2] = 0;
  }
  protected combine(left: Vec, l: number, right: Vec, r: number, out: Vec, at: number): void {
    const n = left[l]! + right[r]!;
    if (this.integral) {
      const low = addInts(left[l + 1]!, right[r + 1]!);
      out[at + 2] = left[l + 2]! + right[r + 2]! + carry.value;
      out[at + 1] = low;
    } else out[at + 1] = left[l + 1]! + right[r + 1]!;
    out[at] = n;
  }
  result(): number | null {
    const out = this.#out;
    this.total(out);
    if (out[0] === 0) return null;
    if (this.average) return finite(out[1]! / out[0]!);
    return this.integral ? intTotal(out[1]!, out[2]!) : finite(out[1]!);
  }
  /** An INT SUM saved as [count, sum] (earlier versions) gets a high part of 0. */
  override load(state: unknown): void {
    const s = state as { suffix: number[]; back: number[] };
    if (this.integral && s.back.length === 2) {
      const widen = (v: readonly number[]): number[] => v.flatMap((x, i) => (i % 2 === 1 ? [x, 0] : [x]));
      super.load({ ...s, suffix: widen(s.suffix), back: widen(s.back) });
    } else super.load(state);
  }
}

/** STDDEV: [count, mean, M2], combined by Chan's formula. */
class SlidingStdDev extends TwoStacks {
  readonly #out = new Float64Array(3);
  constructor() {
    super(3);
  }
  protected identity(): Vec {
    return new Float64Array(3);
  }
  protected unit(value: number, out: Vec, at: number): void {
    out[at] = 1;
    out[at + 1] = value;
    out[at + 2] = 0;
  }
  protected combine(left: Vec, l: number, right: Vec, r: number, out: Vec, at: number): void {
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
    return out[0]! < 2 ? null : stddevOf(out[0]!, out[1]!, out[2]!);
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
  readonly #deque = new Queue<unknown>(values);
  /** Values in the window that do not compare with the others, by kind. */
  readonly #kinds = new Map<string, number>();
  readonly #all = new Queue<string>(values);
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
      const last = d.valAt(d.tail - 1);
      const beaten = this.#max ? !before(value, last) && last !== value : before(value, last);
      if (!beaten) break;
      d.popBack();
    }
    d.push(value, pos);
  }

  evict(start: number): void {
    this.#deque.evict(start);
    if (!this.#typed) {
      const kinds = this.#kinds;
      this.#all.evict(start, (kind) => {
        const n = kinds.get(kind)! - 1;
        if (n === 0) kinds.delete(kind);
        else kinds.set(kind, n);
      });
    }
  }

  result(): unknown {
    if (!this.#typed && (this.#kinds.size > 1 || this.#kinds.has('object'))) return null;
    const d = this.#deque;
    return d.size > 0 ? d.valAt(d.head) : null;
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
  readonly #q = new Queue<unknown>(values);
  constructor(readonly last: boolean) {}
  push(value: unknown, pos: number): void {
    if (value !== null) this.#q.push(value, pos);
  }
  evict(start: number): void {
    this.#q.evict(start);
  }
  result(): unknown {
    const q = this.#q;
    if (q.size === 0) return null;
    return this.last ? q.valAt(q.tail - 1) : q.valAt(q.head);
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

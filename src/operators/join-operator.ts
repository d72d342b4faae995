/**
 * Joins (LANGUAGE.md section 8).
 *
 * Stream-stream `[INNER | LEFT] JOIN … WITHIN d ON …`: each side's events are kept for `d` of
 * event time, in hash buckets by the values of ON's equalities between the two sides (a bucket
 * lookup, never a scan of the side), and in one arrival-ordered list per side that expiry walks
 * from the front. A pair is emitted when its second event arrives, at that event's time; a
 * LEFT JOIN's left event without a partner is emitted with NULLs once the watermark passes
 * `a.ts + d`, at that time.
 *
 * Stream-table joins look the table's current row up when the stream event is processed.
 *
 * Checkpoints: a stream-stream join writes each side's kept entries in arrival order (its hash
 * buckets are rebuilt from them on load) and the timer it asked for; a stream-table join keeps
 * no state (the table is checkpointed as itself).
 */
import { emptyScope, keyId, type EvalScope, type Row } from '../runtime/row.js';
import type { Operator, OperatorContext, OperatorEvent } from './operator.js';

type Compiled<T> = (input: Row | undefined, scope: EvalScope) => T;

export interface JoinOutput {
  readonly type: 'INNER' | 'LEFT';
  /** The whole of ON, or (stream-stream) what the hash keys do not already decide. */
  readonly on: Compiled<boolean>;
  readonly where: Compiled<boolean>;
  readonly project: Compiled<Record<string, unknown>>;
}

export interface StreamJoinDefinition extends JoinOutput {
  readonly left: string;
  readonly right: string;
  readonly within: number;
  /** The hash key expressions of each side, read from `scope.left` / `scope.right`. */
  readonly leftKeys: readonly Compiled<unknown>[];
  readonly rightKeys: readonly Compiled<unknown>[];
}

interface Entry {
  readonly row: Row;
  readonly time: number;
  /** The hash key; undefined when a key value is NULL (it can never be equal). */
  readonly key: string | undefined;
  matched: boolean;
}

/** An arrival-ordered list consumed from the front. */
class Fifo<T> {
  items: T[] = [];
  head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T {
    const item = this.items[this.head++]!;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

class Side {
  readonly order = new Fifo<Entry>();
  readonly buckets = new Map<string, Fifo<Entry>>();

  add(entry: Entry): void {
    this.order.items.push(entry);
    if (entry.key === undefined) return;
    let bucket = this.buckets.get(entry.key);
    if (!bucket) this.buckets.set(entry.key, (bucket = new Fifo()));
    bucket.items.push(entry);
  }

  /** Removes the oldest entry (the front of its bucket too). */
  shift(): Entry {
    const entry = this.order.shift();
    if (entry.key !== undefined) {
      const bucket = this.buckets.get(entry.key)!;
      bucket.shift();
      if (bucket.size === 0) this.buckets.delete(entry.key);
    }
    return entry;
  }

  /** Drops the entries older than `time`. */
  expire(time: number): void {
    while (this.order.size > 0 && this.order.peek()!.time < time) this.shift();
  }

  /** For checkpoints: the entries kept, in arrival order (each bucket is the ones of its key). */
  save(): Entry[] {
    const order = this.order;
    return order.items.slice(order.head);
  }

  /** Takes back what `save` gave, replacing what the side holds. */
  load(entries: readonly Entry[]): void {
    this.order.items = [];
    this.order.head = 0;
    this.buckets.clear();
    for (const entry of entries) this.add(entry);
  }
}

export class StreamJoinOperator implements Operator {
  readonly inputs: readonly string[];
  readonly #def: StreamJoinDefinition;
  readonly #ctx: OperatorContext;
  readonly #maxEvents: number;
  readonly #scope = emptyScope();
  readonly #left = new Side();
  readonly #right = new Side();
  #requested = Infinity;

  constructor(def: StreamJoinDefinition, ctx: OperatorContext, maxEvents: number) {
    this.#def = def;
    this.#ctx = ctx;
    this.#maxEvents = maxEvents;
    this.inputs = def.left === def.right ? [def.left] : [def.left, def.right];
  }

  stateSize(): number {
    return this.#left.order.size + this.#right.order.size;
  }

  saveState(): { left: Entry[]; right: Entry[]; requested: number } {
    return { left: this.#left.save(), right: this.#right.save(), requested: this.#requested };
  }

  loadState(state: unknown): void {
    const s = state as ReturnType<StreamJoinOperator['saveState']>;
    this.#left.load(s.left);
    this.#right.load(s.right);
    this.#requested = s.requested;
  }

  onEvent(ev: OperatorEvent): void {
    // A self-join's event is first a left event, then a right one (and so meets itself).
    if (ev.stream === this.#def.left) this.#asLeft(ev);
    if (ev.stream === this.#def.right) this.#asRight(ev);
  }

  #key(keys: readonly Compiled<unknown>[]): string | undefined {
    const scope = this.#scope;
    let id = '';
    for (let i = 0; i < keys.length; i++) {
      const v = keys[i]!(undefined, scope);
      if (v === null) return undefined;
      id += (i > 0 ? '\u0001' : '') + keyId(v);
    }
    return id;
  }

  #asLeft(ev: OperatorEvent): void {
    const def = this.#def;
    const scope = this.#scope;
    scope.now = ev.time;
    scope.left = ev.row;
    scope.right = undefined;
    const key = this.#key(def.leftKeys);
    this.#right.expire(ev.time - def.within);
    const entry: Entry = { row: ev.row, time: ev.time, key, matched: false };
    if (key !== undefined && this.#probe(this.#right.buckets.get(key), ev, 'left')) entry.matched = true;
    if (def.type === 'INNER') {
      this.#left.expire(ev.time - def.within);
      if (key === undefined) return;
    }
    if (this.#left.order.size >= this.#maxEvents) {
      // The cap: the event is not kept (for a LEFT JOIN, its row with NULLs is lost too).
      this.#ctx.dropped(1);
      return;
    }
    if (!this.#ctx.admit()) return;
    this.#left.add(entry);
    if (def.type === 'LEFT') this.#request(entry.time + def.within);
  }

  #asRight(ev: OperatorEvent): void {
    const def = this.#def;
    const scope = this.#scope;
    scope.now = ev.time;
    scope.left = undefined;
    scope.right = ev.row;
    const key = this.#key(def.rightKeys);
    // A LEFT JOIN's expired left events have been given up by their timers already.
    if (def.type === 'INNER') this.#left.expire(ev.time - def.within);
    this.#right.expire(ev.time - def.within);
    if (key === undefined) return;
    this.#probe(this.#left.buckets.get(key), ev, 'right');
    if (this.#right.order.size >= this.#maxEvents) {
      this.#ctx.dropped(1);
      return;
    }
    if (!this.#ctx.admit()) return;
    this.#right.add({ row: ev.row, time: ev.time, key, matched: false });
  }

  /**
   * Pairs the event (on side `as`) with the other side's buffered events of its key, in their
   * arrival order: each pair that ON accepts marks the partner matched and is emitted if WHERE
   * holds. Returns whether the event found a partner.
   */
  #probe(bucket: Fifo<Entry> | undefined, ev: OperatorEvent, as: 'left' | 'right'): boolean {
    if (!bucket) return false;
    const scope = this.#scope;
    const on = this.#def.on;
    let matched = false;
    for (let i = bucket.head; i < bucket.items.length; i++) {
      const partner = bucket.items[i]!;
      scope.left = as === 'left' ? ev.row : partner.row;
      scope.right = as === 'left' ? partner.row : ev.row;
      if (!on(undefined, scope)) continue;
      partner.matched = true;
      matched = true;
      this.#output(ev.time);
    }
    return matched;
  }

  /** Emits the pair (or left row) in the scope if WHERE holds. */
  #output(time: number): void {
    const scope = this.#scope;
    scope.now = time;
    if (this.#def.where(undefined, scope)) this.#ctx.emit(this.#def.project(undefined, scope), time);
  }

  #request(deadline: number): void {
    if (deadline < this.#requested) {
      this.#requested = deadline;
      this.#ctx.scheduleAfter(deadline);
    }
  }

  /** LEFT JOIN: the left events whose time plus WITHIN the watermark has passed are given up. */
  onTimer(time: number): void {
    if (this.#requested <= time) this.#requested = Infinity;
    const within = this.#def.within;
    const left = this.#left;
    const scope = this.#scope;
    while (left.order.size > 0 && left.order.peek()!.time + within <= time) {
      const entry = left.shift();
      if (entry.matched) continue;
      scope.left = entry.row;
      scope.right = undefined;
      this.#output(entry.time + within);
    }
    const next = left.order.peek();
    if (next) this.#request(next.time + within);
  }
}

export interface TableJoinDefinition extends JoinOutput {
  readonly stream: string;
  /** The stream's expression equated with the table's PRIMARY KEY, read from `scope.left`. */
  readonly key: Compiled<unknown>;
  readonly lookup: (key: unknown) => Row | undefined;
}

/** Stream-table join: the table's current row for the event's key (section 8). */
export class TableJoinOperator implements Operator {
  readonly inputs: readonly string[];
  readonly #def: TableJoinDefinition;
  readonly #ctx: OperatorContext;
  readonly #scope = emptyScope();

  constructor(def: TableJoinDefinition, ctx: OperatorContext) {
    this.#def = def;
    this.#ctx = ctx;
    this.inputs = [def.stream];
  }

  stateSize(): number {
    return 0;
  }

  onTimer(): void {}

  onEvent(ev: OperatorEvent): void {
    const def = this.#def;
    const scope = this.#scope;
    scope.now = ev.time;
    scope.left = ev.row;
    scope.right = undefined;
    const key = def.key(undefined, scope);
    const row = key === null ? undefined : def.lookup(key);
    if (row !== undefined) {
      scope.right = row;
      if (!def.on(undefined, scope)) scope.right = undefined;
    }
    if (scope.right === undefined && def.type === 'INNER') return;
    if (def.where(undefined, scope)) this.#ctx.emit(def.project(undefined, scope), ev.time);
  }
}

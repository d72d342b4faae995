/**
 * Windowed and grouped aggregation (LANGUAGE.md section 7): one operator class per window kind,
 * sharing the grouping, the HAVING filter and the emission of rows.
 *
 * - no window: a running aggregate per GROUP BY key, a changed row per event;
 * - TUMBLING and HOPPING: accumulators per window when an event falls in at most 16 windows,
 *   otherwise epoch-aligned panes of gcd(SIZE, ADVANCE) — an event is added to one pane, and a
 *   window is the merge of the panes it covers when it is emitted;
 * - SESSION: one open session per key, closed once the watermark passes its last event's time
 *   plus the gap;
 * - SLIDING by time or by count: aggregators that lose values at the front (`sliding.ts`);
 * - TUMBLING by count: emitted when it holds SIZE events.
 *
 * Every window row is emitted in a fixed order: by window end, then window start, then the
 * order in which the key's first event of that window arrived.
 *
 * Checkpoints (`saveState`/`loadState`): the groups as they are — plain objects whose window
 * states are the accumulators' plain objects — plus what the window kind keeps besides (the
 * windows still to close, the open sessions in order, the timer asked for); a sliding group's
 * aggregators are written as their data and rebuilt on load.
 */
import type { WindowSpec } from '../../model/types.js';
import { emptyScope, keyId, type EvalScope, type Row } from '../../runtime/row.js';
import type { Operator, OperatorContext, OperatorEvent } from '../operator.js';
import { compileAccumulators, type Accumulators, type AccumulatorState, type AggregateShape } from './accumulators.js';
import { newSlidingAggregator, Times, type SlidingAggregator } from './sliding.js';

type Compiled<T> = (input: Row | undefined, scope: EvalScope) => T;


export interface AggregateDefinition {
  readonly input: string;
  readonly where: Compiled<boolean>;
  /** The GROUP BY expressions of an event. */
  readonly groupBy: readonly Compiled<unknown>[];
  readonly aggregates: readonly {
    readonly shape: AggregateShape;
    /** The argument of an event; undefined for COUNT(*). */
    readonly arg: Compiled<unknown> | undefined;
    /** The argument has one SQL type (not JSON): its values always compare. */
    readonly typed: boolean;
  }[];
  readonly window: WindowSpec | undefined;
  readonly emit: 'FINAL' | 'CHANGES';
  readonly having: Compiled<boolean>;
  /** The SELECT list of a row, reading aggregates, group keys and window bounds from the scope. */
  readonly project: Compiled<Record<string, unknown>>;
}

export interface AggregateLimits {
  /** Groups (and open windows of them) kept per query; an event that needs one more is dropped and counted. */
  readonly maxGroups: number;
  /** Events one group's sliding window holds; beyond it, events are dropped and counted. */
  readonly maxWindowEvents: number;
  /** Distinct values one COUNT(DISTINCT) holds per group and window; beyond it, its count is NULL and a drop counted. */
  readonly maxDistinct: number;
}

export function createAggregateOperator(def: AggregateDefinition, ctx: OperatorContext, limits: AggregateLimits): Operator {
  const w = def.window;
  if (w === undefined) return new RunningAggregate(def, ctx, limits);
  switch (w.kind) {
    case 'tumbling':
      return new PaneAggregate(def, ctx, limits, w.size, w.size);
    case 'hopping':
      return new PaneAggregate(def, ctx, limits, w.size, w.advance);
    case 'session':
      return new SessionAggregate(def, ctx, limits, w.gap);
    case 'sliding':
      return new SlidingAggregate(def, ctx, limits, { time: w.size });
    case 'slidingCount':
      return new SlidingAggregate(def, ctx, limits, { count: w.size });
    case 'tumblingCount':
      return new TumblingCountAggregate(def, ctx, limits, w.size);
  }
}

interface Group {
  readonly id: string;
  readonly keys: readonly unknown[];
}

const NO_KEYS: readonly unknown[] = [];

/** What an aggregate operator's checkpoint holds: at least its groups, by key id. */
interface AggregateState<G = unknown> {
  readonly groups: ReadonlyMap<string, G>;
}

abstract class AggregateBase<G extends Group> implements Operator {
  readonly inputs: readonly string[];
  protected readonly def: AggregateDefinition;
  protected readonly ctx: OperatorContext;
  protected readonly limits: AggregateLimits;
  protected readonly groups = new Map<string, G>();
  /** Scratch (nothing between events), as are `results` and the key scratch. */
  protected readonly scope: EvalScope = emptyScope();
  /** The results of the row being emitted, by aggregate index. */
  protected readonly results: unknown[];
  /** The generated accumulators of the query's aggregates (append-only windows). */
  protected readonly acc: Accumulators;
  readonly #keyScratch: unknown[];

  constructor(def: AggregateDefinition, ctx: OperatorContext, limits: AggregateLimits) {
    this.def = def;
    this.ctx = ctx;
    this.limits = limits;
    this.inputs = [def.input];
    this.results = new Array<unknown>(def.aggregates.length).fill(null);
    this.acc = compileAccumulators(def.aggregates, { maxDistinct: limits.maxDistinct, dropped: (n) => ctx.dropped(n), admit: () => ctx.admit() });
    this.#keyScratch = new Array<unknown>(def.groupBy.length).fill(null);
    this.scope.aggregates = this.results;
  }

  onEvent(ev: OperatorEvent): void {
    const scope = this.scope;
    scope.now = ev.time;
    if (!this.def.where(ev.row, scope)) return;
    const id = this.#keyOf(ev.row);
    let group = this.groups.get(id);
    if (group === undefined) {
      if (this.groups.size >= this.limits.maxGroups) {
        this.ctx.dropped(1);
        return;
      }
      if (!this.ctx.admit()) return;
      group = this.newGroup(id, this.def.groupBy.length === 0 ? NO_KEYS : this.#keyScratch.slice(), ev);
      this.groups.set(id, group);
    }
    this.accept(group, ev);
  }

  /** The key's identity; its values are left in the scratch array. */
  #keyOf(row: Row): string {
    const keys = this.def.groupBy;
    if (keys.length === 0) return '';
    const scratch = this.#keyScratch;
    const scope = this.scope;
    if (keys.length === 1) return keyId((scratch[0] = keys[0]!(row, scope)));
    let id = '';
    for (let i = 0; i < keys.length; i++) id += (i > 0 ? '\u0001' : '') + keyId((scratch[i] = keys[i]!(row, scope)));
    return id;
  }

  protected abstract newGroup(id: string, keys: readonly unknown[], ev: OperatorEvent): G;
  protected abstract accept(group: G, ev: OperatorEvent): void;

  onTimer(_time: number): void {}

  stateSize(): number {
    return this.groups.size;
  }

  /** Checkpoints: the groups; a window kind that keeps more adds it. */
  saveState(): AggregateState {
    return { groups: this.groups };
  }

  /** Replaces the state (a failed restore loads the empty state over a partial one). */
  loadState(state: unknown): void {
    this.groups.clear();
    for (const [id, group] of (state as AggregateState<G>).groups) this.groups.set(id, group);
  }

  /** The values of the row's aggregates, from a window's state. */
  protected resultsOf(state: AccumulatorState): void {
    this.acc.results(state, this.results);
  }

  /** Emits the row of `results` for a group if HAVING holds (section 7). */
  protected emitRow(keys: readonly unknown[], start: number | undefined, end: number | undefined, time: number): void {
    const scope = this.scope;
    scope.groupKeys = keys;
    scope.windowStart = start;
    scope.windowEnd = end;
    scope.now = time;
    if (!this.def.having(undefined, scope)) return;
    this.ctx.emit(this.def.project(undefined, scope), time);
  }

}

// --------------------------------------------------------------------------- GROUP BY only

interface RunningGroup extends Group {
  readonly state: AccumulatorState;
}

/** GROUP BY without a window: running aggregates, the changed row on every event. */
class RunningAggregate extends AggregateBase<RunningGroup> {
  protected newGroup(id: string, keys: readonly unknown[]): RunningGroup {
    return { id, keys, state: this.acc.create() };
  }

  protected accept(group: RunningGroup, ev: OperatorEvent): void {
    this.acc.add(group.state, ev.row, this.scope);
    this.resultsOf(group.state);
    this.emitRow(group.keys, undefined, undefined, ev.time);
  }
}

// ------------------------------------------------------------------------ TUMBLING, HOPPING

/** A slice of a group's timeline and its accumulators: a pane, or a whole window (see PaneAggregate). */
interface Pane {
  /** Which: the pane's or the window's start, divided by the unit. */
  readonly index: number;
  readonly state: AccumulatorState;
}

interface PaneGroup extends Group {
  /** In order of index. */
  readonly panes: Pane[];
  /** The highest window (k in [k·advance, k·advance + size)) the group is registered with. */
  lastWindow: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Up to this many windows holding each event, a hopping window keeps accumulators of its own
 * and each event is added to every window that holds it, as a tumbling window's are: sums are
 * then made in event order, exactly as they would be over the window's events alone.
 */
const MAX_WINDOWS_PER_EVENT = 16;

/**
 * Epoch-aligned windows `[k·advance, k·advance + size)`, tumbling when advance = size. A group
 * keeps accumulators per unit of its timeline: per window when an event falls in at most
 * MAX_WINDOWS_PER_EVENT windows (a tumbling window, `SIZE 5 MINUTES, ADVANCE BY 1 MINUTE`);
 * otherwise per pane of gcd(size, advance), and a window merges its panes when it is emitted,
 * so that `SIZE 1 DAY, ADVANCE BY 1 SECOND` costs one update an event, not 86,400. Merging
 * adds partial sums: a DOUBLE sum may then differ in its last bits from one made event by event.
 */
class PaneAggregate extends AggregateBase<PaneGroup> {
  readonly #size: number;
  readonly #advance: number;
  /** Whether a unit is a window (its index k is the window's) rather than a pane. */
  readonly #perWindow: boolean;
  /** The length of a pane (without #perWindow). */
  readonly #paneSize: number;
  /** Per window end still to come: the groups with events in that window, in order of arrival. */
  readonly #closing = new Map<number, PaneGroup[]>();

  constructor(def: AggregateDefinition, ctx: OperatorContext, limits: AggregateLimits, size: number, advance: number) {
    super(def, ctx, limits);
    this.#size = size;
    this.#advance = advance;
    this.#perWindow = Math.ceil(size / advance) <= MAX_WINDOWS_PER_EVENT;
    this.#paneSize = gcd(size, advance);
  }

  /** With the windows still to close (each has its timer pending in the clock). */
  override saveState(): AggregateState & { closing: ReadonlyMap<number, PaneGroup[]>; perWindow: boolean } {
    return { groups: this.groups, closing: this.#closing, perWindow: this.#perWindow };
  }

  override loadState(state: unknown): void {
    const s = state as ReturnType<PaneAggregate['saveState']>;
    super.loadState(state);
    this.#closing.clear();
    for (const [end, list] of s.closing) this.#closing.set(end, list);
    // Saved when every hopping window kept panes (earlier versions): windows are made of them.
    if (this.#perWindow && s.perWindow !== true && this.#paneSize !== this.#size) {
      for (const group of this.groups.values()) this.#windowsFromPanes(group);
    }
  }

  protected newGroup(id: string, keys: readonly unknown[]): PaneGroup {
    return { id, keys, panes: [], lastWindow: -Infinity };
  }

  protected accept(group: PaneGroup, ev: OperatorEvent): void {
    const t = ev.time;
    const advance = this.#advance;
    const first = Math.floor((t - this.#size) / advance) + 1;
    const last = Math.floor(t / advance);
    if (this.#perWindow) {
      // The windows from `first` on are the last ones (windows before it have closed).
      const panes = group.panes;
      let from = panes.length;
      while (from > 0 && panes[from - 1]!.index >= first) from--;
      for (let k = first, i = from; k <= last; k++, i++) {
        if (i === panes.length || panes[i]!.index !== k) panes.splice(i, 0, { index: k, state: this.acc.create() });
      }
      this.acc.addToEach(panes, from, from + last - first + 1, ev.row, this.scope);
    } else this.acc.add(this.#pane(group, Math.floor(t / this.#paneSize)), ev.row, this.scope);
    for (let k = Math.max(first, group.lastWindow + 1); k <= last; k++) this.#register(group, k * advance + this.#size);
    if (last > group.lastWindow) group.lastWindow = last;
    if (this.def.emit === 'CHANGES') {
      for (let k = first; k <= last; k++) this.#emitWindow(group, k * advance, t);
    }
  }

  /** The accumulators of the group's pane `index`: the last one (events come in time order), or a new one. */
  #pane(group: PaneGroup, index: number): AccumulatorState {
    const panes = group.panes;
    let pane = panes[panes.length - 1];
    if (pane === undefined || pane.index !== index) {
      pane = { index, state: this.acc.create() };
      panes.push(pane);
    }
    return pane.state;
  }

  /** Makes a group restored with panes keep its windows instead (see loadState). */
  #windowsFromPanes(group: PaneGroup): void {
    const panes = group.panes.splice(0);
    if (panes.length === 0) return;
    const panesPerWindow = this.#size / this.#paneSize;
    const firstWindow = Math.floor((panes[0]!.index * this.#paneSize - this.#size) / this.#advance) + 1;
    for (let k = firstWindow; k <= group.lastWindow; k++) {
      const from = (k * this.#advance) / this.#paneSize;
      let state: AccumulatorState | undefined;
      for (const pane of panes) {
        if (pane.index < from || pane.index >= from + panesPerWindow) continue;
        state ??= this.acc.create();
        this.acc.merge(state, pane.state);
      }
      if (state !== undefined) group.panes.push({ index: k, state });
    }
  }

  #register(group: PaneGroup, end: number): void {
    const list = this.#closing.get(end);
    if (list) list.push(group);
    else {
      this.#closing.set(end, [group]);
      this.ctx.scheduleAt(end);
    }
  }

  /** The window starting at `start`, as the row's results: its own accumulators, or its panes merged. */
  #emitWindow(group: PaneGroup, start: number, time: number): void {
    if (this.#perWindow) {
      const index = start / this.#advance;
      const window = group.panes.find((p) => p.index === index);
      if (window === undefined) return;
      this.resultsOf(window.state);
      this.emitRow(group.keys, start, start + this.#size, time);
      return;
    }
    const from = start / this.#paneSize;
    const to = (start + this.#size) / this.#paneSize;
    let merged: AccumulatorState | undefined;
    let only: Pane | undefined;
    for (const pane of group.panes) {
      if (pane.index < from || pane.index >= to) continue;
      if (only === undefined) {
        only = pane;
        continue;
      }
      if (merged === undefined) {
        merged = this.acc.create();
        this.acc.merge(merged, only.state);
      }
      this.acc.merge(merged, pane.state);
    }
    if (only === undefined) return;
    this.resultsOf(merged ?? only.state);
    this.emitRow(group.keys, start, start + this.#size, time);
  }

  override onTimer(time: number): void {
    const list = this.#closing.get(time);
    if (list === undefined) return;
    this.#closing.delete(time);
    const start = time - this.#size;
    // The units the next windows still need: from the next window on, or the panes from its start.
    const keepFrom = this.#perWindow ? start / this.#advance + 1 : (start + this.#advance) / this.#paneSize;
    for (const group of list) {
      if (this.def.emit === 'FINAL') this.#emitWindow(group, start, time);
      const panes = group.panes;
      let drop = 0;
      while (drop < panes.length && panes[drop]!.index < keepFrom) drop++;
      if (drop > 0) panes.splice(0, drop);
      if (group.lastWindow * this.#advance + this.#size <= time) this.groups.delete(group.id);
    }
  }
}

// ---------------------------------------------------------------------------------- SESSION

interface Session extends Group {
  start: number;
  last: number;
  firstSeq: number;
  readonly state: AccumulatorState;
  /** The open sessions in order of their last event (and so of their end). */
  prev: Session | undefined;
  next: Session | undefined;
}

/** Per key, events at most `gap` apart; closed once the watermark passes last + gap (section 3). */
class SessionAggregate extends AggregateBase<Session> {
  readonly #gap: number;
  #head: Session | undefined;
  #tail: Session | undefined;
  /** The earliest timer asked for and not yet fired. */
  #requested = Infinity;

  constructor(def: AggregateDefinition, ctx: OperatorContext, limits: AggregateLimits, gap: number) {
    super(def, ctx, limits);
    this.#gap = gap;
  }

  /** With the open sessions' order (their links are in the sessions) and the timer asked for. */
  override saveState(): AggregateState & { head: Session | undefined; tail: Session | undefined; requested: number } {
    return { groups: this.groups, head: this.#head, tail: this.#tail, requested: this.#requested };
  }

  override loadState(state: unknown): void {
    super.loadState(state);
    const s = state as ReturnType<SessionAggregate['saveState']>;
    this.#head = s.head;
    this.#tail = s.tail;
    this.#requested = s.requested;
  }

  protected newGroup(id: string, keys: readonly unknown[], ev: OperatorEvent): Session {
    return { id, keys, start: ev.time, last: ev.time, firstSeq: ev.seq, state: this.acc.create(), prev: undefined, next: undefined };
  }

  protected accept(s: Session, ev: OperatorEvent): void {
    this.acc.add(s.state, ev.row, this.scope);
    s.last = ev.time;
    this.#unlink(s);
    this.#append(s);
    if (this.def.emit === 'CHANGES') {
      this.resultsOf(s.state);
      this.emitRow(s.keys, s.start, s.last + this.#gap, ev.time);
    }
    this.#request();
  }

  #append(s: Session): void {
    s.prev = this.#tail;
    s.next = undefined;
    if (this.#tail) this.#tail.next = s;
    else this.#head = s;
    this.#tail = s;
  }

  #unlink(s: Session): void {
    if (s.prev) s.prev.next = s.next;
    else if (this.#head === s) this.#head = s.next;
    if (s.next) s.next.prev = s.prev;
    else if (this.#tail === s) this.#tail = s.prev;
    s.prev = s.next = undefined;
  }

  #request(): void {
    const head = this.#head;
    if (head === undefined) return;
    const deadline = head.last + this.#gap;
    if (deadline < this.#requested) {
      this.#requested = deadline;
      this.ctx.scheduleAfter(deadline);
    }
  }

  override onTimer(time: number): void {
    if (this.#requested <= time) this.#requested = Infinity;
    const gap = this.#gap;
    while (this.#head !== undefined && this.#head.last + gap <= time) {
      // The sessions that end together, emitted by start, then by first event.
      const end = this.#head.last + gap;
      const closing: Session[] = [];
      while (this.#head !== undefined && this.#head.last + gap === end) {
        const s = this.#head;
        this.#unlink(s);
        this.groups.delete(s.id);
        closing.push(s);
      }
      if (this.def.emit !== 'FINAL') continue;
      if (closing.length > 1) closing.sort((a, b) => a.start - b.start || a.firstSeq - b.firstSeq);
      for (const s of closing) {
        this.resultsOf(s.state);
        this.emitRow(s.keys, s.start, end, end);
      }
    }
    this.#request();
  }
}

// ---------------------------------------------------------------------------------- SLIDING

interface SlidingGroup extends Group {
  readonly aggs: SlidingAggregator[];
  /** Event times in the window, oldest first (`pos` counts the group's events). */
  readonly times: Times;
  pos: number;
}

/**
 * SLIDING by time: for each event e, the group's events with ts in (e.ts − size, e.ts];
 * WINDOW_START is e.ts − size (excluded) and WINDOW_END e.ts. SLIDING by count: the group's last
 * `count` events; WINDOW_START and WINDOW_END are the oldest and newest event's times.
 */
class SlidingAggregate extends AggregateBase<SlidingGroup> {
  readonly #time: number | undefined;
  readonly #count: number | undefined;
  /** Groups whose window has emptied are dropped once per window size of event time. */
  #nextSweep = Infinity;

  constructor(def: AggregateDefinition, ctx: OperatorContext, limits: AggregateLimits, size: { time?: number; count?: number }) {
    super(def, ctx, limits);
    this.#time = size.time;
    this.#count = size.count;
  }

  /** The groups with their aggregators' data instead of the aggregators, and the sweep's timer. */
  override saveState(): AggregateState & { nextSweep: number } {
    const groups = new Map<string, unknown>();
    for (const [id, g] of this.groups) groups.set(id, { ...g, aggs: g.aggs.map((a) => a.save()), times: g.times.save(), timesHead: 0 });
    return { groups, nextSweep: this.#nextSweep };
  }

  override loadState(state: unknown): void {
    const s = state as AggregateState<Omit<SlidingGroup, 'aggs' | 'times'> & { aggs: unknown[]; times: number[]; timesHead: number }> & { nextSweep: number };
    this.groups.clear();
    for (const [id, saved] of s.groups) {
      const aggs = this.def.aggregates.map((a, i) => {
        const agg = newSlidingAggregator(a.shape, a.typed);
        agg.load(saved.aggs[i]);
        return agg;
      });
      const times = new Times();
      times.load(saved.times, saved.timesHead);
      this.groups.set(id, { id: saved.id, keys: saved.keys, pos: saved.pos, aggs, times });
    }
    this.#nextSweep = s.nextSweep;
  }

  protected newGroup(id: string, keys: readonly unknown[]): SlidingGroup {
    const aggs = this.def.aggregates.map((a) => newSlidingAggregator(a.shape, a.typed));
    return { id, keys, aggs, times: new Times(), pos: 0 };
  }

  protected accept(g: SlidingGroup, ev: OperatorEvent): void {
    const t = ev.time;
    const times = g.times;
    // Evict what leaves the window with this event.
    if (this.#time !== undefined) {
      const limit = t - this.#time;
      while (times.size > 0 && times.front() <= limit) times.head++;
    } else if (times.size >= this.#count!) {
      times.head = times.tail - this.#count! + 1;
    }
    if (times.size >= this.limits.maxWindowEvents) {
      this.ctx.dropped(1);
      return;
    }
    if (!this.ctx.admit()) return;
    const start = g.pos - times.size;
    const aggs = g.aggs;
    for (let i = 0; i < aggs.length; i++) aggs[i]!.evict(start);
    const defs = this.def.aggregates;
    const scope = this.scope;
    for (let i = 0; i < aggs.length; i++) {
      const arg = defs[i]!.arg;
      aggs[i]!.push(arg === undefined ? null : arg(ev.row, scope), g.pos);
    }
    g.pos++;
    times.push(t);
    const results = this.results;
    for (let i = 0; i < aggs.length; i++) results[i] = aggs[i]!.result();
    if (this.#time !== undefined) this.emitRow(g.keys, t - this.#time, t, t);
    else this.emitRow(g.keys, times.front(), t, t);
    if (this.#time !== undefined && this.#nextSweep === Infinity) {
      this.#nextSweep = t + this.#time;
      this.ctx.scheduleAfter(this.#nextSweep);
    }
  }

  /** Drops the groups whose every event has left the window (memory is bounded by the window). */
  override onTimer(time: number): void {
    if (time < this.#nextSweep) return;
    const limit = time - this.#time!;
    for (const [id, g] of this.groups) if (g.times.back() <= limit) this.groups.delete(id);
    this.#nextSweep = this.groups.size > 0 ? time + this.#time! : Infinity;
    if (this.#nextSweep !== Infinity) this.ctx.scheduleAfter(this.#nextSweep);
  }
}

// ---------------------------------------------------------------------------- TUMBLING COUNT

interface CountGroup extends Group {
  state: AccumulatorState;
  n: number;
  first: number;
}

/** TUMBLING (SIZE n EVENTS): a row when the group's window holds n events; never an incomplete one. */
class TumblingCountAggregate extends AggregateBase<CountGroup> {
  readonly #size: number;

  constructor(def: AggregateDefinition, ctx: OperatorContext, limits: AggregateLimits, size: number) {
    super(def, ctx, limits);
    this.#size = size;
  }

  protected newGroup(id: string, keys: readonly unknown[]): CountGroup {
    return { id, keys, state: this.acc.create(), n: 0, first: 0 };
  }

  protected accept(g: CountGroup, ev: OperatorEvent): void {
    if (g.n === 0) g.first = ev.time;
    this.acc.add(g.state, ev.row, this.scope);
    if (++g.n < this.#size) return;
    this.resultsOf(g.state);
    g.state = this.acc.create();
    g.n = 0;
    this.emitRow(g.keys, g.first, ev.time, ev.time);
  }
}

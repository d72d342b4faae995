/**
 * Reference semantics of windows, aggregation, joins and tables (LANGUAGE.md sections 7 and 8),
 * as directly as the text reads: every query keeps *all* the events it has seen and recomputes
 * each window or join from them — no panes, no incremental aggregates, no hash buckets. Slow on
 * purpose; the property tests hold the engine's incremental operators to the same output.
 *
 * Decisions the spec leaves open are the ones docs/runtime.md records: a window row's order is
 * by window end, then window start, then the arrival of the key's first event in that window;
 * a sliding window's bounds are (e.ts − size, e.ts]; a count window's are its oldest and newest
 * event's times; a self-join's event is first a left event, then a right one.
 */
import type { AggregateCall, AggregateQuery, JoinQuery } from '../../src/analysis/bound.js';
import { compare, evaluate, holds, type Env, type Row, type Value } from './evaluate.js';
import type { RefEventRecord, RefMatch } from './pattern.js';

/** A timer: fires once the watermark passes `time`, or with `reaches`, once it reaches it. */
export interface RefTimer {
  readonly time: number;
  readonly reaches: boolean;
}

/** A stateful query of the reference engine. */
export interface RefQuery {
  reads(stream: string): boolean;
  onEvent(ev: RefEventRecord): RefMatch[];
  nextTimer(): RefTimer | undefined;
  onTimer(time: number): RefMatch[];
}

/** Identity of a value for grouping, DISTINCT and keys: equal values of one type are one. */
export function identity(v: Value): string {
  return `${v === null ? 'null' : typeof v}:${JSON.stringify(v)}`;
}

// ------------------------------------------------------------------------------- aggregates

/** One aggregate over a window's events, in event-time order (section 7). */
export function aggregateOf(call: AggregateCall, rows: readonly RefEventRecord[], now: number): Value {
  if (call.arg === undefined) return rows.length; // COUNT(*)
  const values = rows.map((r) => evaluate(call.arg!, { input: r.data, now })).filter((v) => v !== null);
  switch (call.fn) {
    case 'COUNT':
      return call.distinct ? new Set(values.map(identity)).size : values.length;
    case 'SUM':
    case 'AVG': {
      const numbers = values.filter((v): v is number => typeof v === 'number');
      if (numbers.length === 0) return null;
      if (call.fn === 'SUM' && call.type === 'INT') {
        // Exact, as in SQL: NULL only when the total itself is beyond the safe integers.
        const total = numbers.reduce((t, n) => t + BigInt(n), 0n);
        return Number.isSafeInteger(Number(total)) && BigInt(Number(total)) === total ? Number(total) : null;
      }
      let sum = 0;
      for (const n of numbers) sum += n;
      const result = call.fn === 'AVG' ? sum / numbers.length : sum;
      return Number.isFinite(result) ? result : null;
    }
    case 'MIN':
    case 'MAX': {
      if (values.length === 0) return null;
      let best: Value = values[0]!;
      for (const v of values) {
        const c = compare(v, best);
        if (c === null || c === 'unequal' || typeof v === 'object') return null; // values that do not compare
        if (call.fn === 'MIN' ? c < 0 : c > 0) best = v;
      }
      return typeof best === 'object' ? null : best;
    }
    case 'STDDEV': {
      const numbers = values.filter((v): v is number => typeof v === 'number');
      if (numbers.length < 2) return null;
      const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length;
      const squares = numbers.reduce((a, b) => a + (b - mean) * (b - mean), 0);
      const result = Math.sqrt(squares / (numbers.length - 1));
      return Number.isFinite(result) ? result : null;
    }
    case 'FIRST':
      return values.length > 0 ? values[0]! : null;
    case 'LAST':
      return values.length > 0 ? values[values.length - 1]! : null;
  }
}

interface WindowRow {
  readonly keys: readonly Value[];
  readonly rows: readonly RefEventRecord[];
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly time: number;
}

export class AggregateReference implements RefQuery {
  readonly #q: AggregateQuery;
  /** Every event that passed WHERE, in processing order. */
  readonly #seen: RefEventRecord[] = [];
  /** Time windows' ends and sessions already emitted or closed (by time). */
  #closedUpTo = -Infinity;
  /** Count windows: per key, events already emitted. */
  readonly #consumed = new Map<string, number>();

  constructor(q: AggregateQuery) {
    this.#q = q;
  }

  reads(stream: string): boolean {
    return stream === this.#q.input;
  }

  #keys(ev: RefEventRecord): Value[] {
    return this.#q.groupBy.map((g) => evaluate(g, { input: ev.data, now: ev.ts }));
  }

  #groupOf(ev: RefEventRecord): string {
    return this.#keys(ev).map(identity).join('|');
  }

  #row(w: WindowRow): RefMatch[] {
    const q = this.#q;
    const aggregates = q.aggregates.map((a) => aggregateOf(a, w.rows, w.time));
    const env: Env = { aggregates, groupKeys: w.keys, windowStart: w.start, windowEnd: w.end, now: w.time };
    if (!holds(q.having, env)) return [];
    return [{ time: w.time, data: Object.fromEntries(q.projections.map((p) => [p.name, evaluate(p.expr, env)])) }];
  }

  onEvent(ev: RefEventRecord): RefMatch[] {
    const q = this.#q;
    if (!holds(q.where, { input: ev.data, now: ev.ts })) return [];
    this.#seen.push(ev);
    const id = this.#groupOf(ev);
    const same = this.#seen.filter((e) => this.#groupOf(e) === id);
    const keys = this.#keys(ev);
    const w = q.window;
    if (w === undefined) return this.#row({ keys, rows: same, start: undefined, end: undefined, time: ev.ts });
    switch (w.kind) {
      case 'tumbling':
      case 'hopping': {
        if (q.emit === 'FINAL') return [];
        const advance = w.kind === 'hopping' ? w.advance : w.size;
        const out: RefMatch[] = [];
        for (const start of windowStarts(ev.ts, w.size, advance)) {
          const rows = same.filter((e) => e.ts >= start && e.ts < start + w.size);
          out.push(...this.#row({ keys, rows, start, end: start + w.size, time: ev.ts }));
        }
        return out;
      }
      case 'session': {
        if (q.emit === 'FINAL') return [];
        const session = sessionsOf(same, w.gap).at(-1)!;
        return this.#row({ keys, rows: session, start: session[0]!.ts, end: session.at(-1)!.ts + w.gap, time: ev.ts });
      }
      case 'sliding': {
        const rows = same.filter((e) => e.ts > ev.ts - w.size && e.ts <= ev.ts);
        return this.#row({ keys, rows, start: ev.ts - w.size, end: ev.ts, time: ev.ts });
      }
      case 'slidingCount': {
        const rows = same.slice(-w.size);
        return this.#row({ keys, rows, start: rows[0]!.ts, end: ev.ts, time: ev.ts });
      }
      case 'tumblingCount': {
        const done = this.#consumed.get(id) ?? 0;
        if (same.length - done < w.size) return [];
        this.#consumed.set(id, same.length);
        const rows = same.slice(done);
        return this.#row({ keys, rows, start: rows[0]!.ts, end: ev.ts, time: ev.ts });
      }
    }
  }

  /** Every window of the events seen, with the time it closes (FINAL rows only). */
  #closing(): WindowRow[] {
    const q = this.#q;
    const w = q.window;
    if (q.emit !== 'FINAL' || w === undefined) return [];
    const groups = new Map<string, RefEventRecord[]>();
    for (const e of this.#seen) {
      const id = this.#groupOf(e);
      const list = groups.get(id) ?? [];
      list.push(e);
      groups.set(id, list);
    }
    const rows: (WindowRow & { first: number })[] = [];
    for (const events of groups.values()) {
      const keys = this.#keys(events[0]!);
      if (w.kind === 'session') {
        for (const s of sessionsOf(events, w.gap)) {
          const end = s.at(-1)!.ts + w.gap;
          rows.push({ keys, rows: s, start: s[0]!.ts, end, time: end, first: s[0]!.seq });
        }
      } else if (w.kind === 'tumbling' || w.kind === 'hopping') {
        const advance = w.kind === 'hopping' ? w.advance : w.size;
        const starts = new Set(events.flatMap((e) => windowStarts(e.ts, w.size, advance)));
        for (const start of starts) {
          const inside = events.filter((e) => e.ts >= start && e.ts < start + w.size);
          rows.push({ keys, rows: inside, start, end: start + w.size, time: start + w.size, first: inside[0]!.seq });
        }
      }
    }
    return rows.sort((a, b) => a.end! - b.end! || a.start! - b.start! || a.first - b.first);
  }

  nextTimer(): RefTimer | undefined {
    const w = this.#q.window;
    const next = this.#closing().find((r) => r.time > this.#closedUpTo);
    // Section 3: a window closes once the watermark reaches its end; a session once it passes it.
    return next && { time: next.time, reaches: w?.kind !== 'session' };
  }

  onTimer(time: number): RefMatch[] {
    const due = this.#closing().filter((r) => r.time > this.#closedUpTo && r.time <= time);
    this.#closedUpTo = time;
    return due.flatMap((r) => this.#row(r));
  }
}

/** The starts of the epoch-aligned windows [k·advance, k·advance + size) containing `ts`. */
function windowStarts(ts: number, size: number, advance: number): number[] {
  const starts: number[] = [];
  for (let k = Math.floor(ts / advance); k * advance + size > ts; k--) starts.unshift(k * advance);
  return starts;
}

/** A key's events cut into sessions: consecutive events at most `gap` apart. */
function sessionsOf(events: readonly RefEventRecord[], gap: number): RefEventRecord[][] {
  const sessions: RefEventRecord[][] = [];
  for (const e of events) {
    const current = sessions.at(-1);
    if (current && e.ts - current.at(-1)!.ts <= gap) current.push(e);
    else sessions.push([e]);
  }
  return sessions;
}

// ------------------------------------------------------------------------------------ joins

export class JoinReference implements RefQuery {
  readonly #q: JoinQuery;
  readonly #lookup: (table: string, key: Value) => Row | undefined;
  readonly #lefts: RefEventRecord[] = [];
  readonly #rights: RefEventRecord[] = [];
  /** LEFT JOIN: left events (by seq) that found a partner. */
  readonly #matched = new Set<number>();
  #givenUpTo = -Infinity;

  constructor(q: JoinQuery, lookup: (table: string, key: Value) => Row | undefined) {
    this.#q = q;
    this.#lookup = lookup;
  }

  reads(stream: string): boolean {
    return stream === this.#q.left.stream || (!this.#q.right.table && stream === this.#q.right.stream);
  }

  #pair(left: RefEventRecord, right: Row | undefined, time: number, out: RefMatch[]): void {
    const q = this.#q;
    const env: Env = { left: left.data, right, now: time, lookup: this.#lookup };
    if (!holds(q.where, env)) return;
    out.push({ time, data: Object.fromEntries(q.projections.map((p) => [p.name, evaluate(p.expr, env)])) });
  }

  #on(left: RefEventRecord, right: Row, time: number): boolean {
    return holds(this.#q.on, { left: left.data, right, now: time, lookup: this.#lookup });
  }

  onEvent(ev: RefEventRecord): RefMatch[] {
    const q = this.#q;
    const out: RefMatch[] = [];
    if (q.right.table) {
      // Section 8: the table's current row when the stream event is processed.
      const key = evaluate(q.tableKey!, { left: ev.data, now: ev.ts });
      const row = key === null ? undefined : this.#lookup(q.right.stream, key);
      if (row && this.#on(ev, row, ev.ts)) this.#pair(ev, row, ev.ts, out);
      else if (q.joinType === 'LEFT') this.#pair(ev, undefined, ev.ts, out);
      return out;
    }
    const d = q.within!;
    if (ev.stream === q.left.stream) {
      for (const b of this.#rights) {
        if (Math.abs(ev.ts - b.ts) <= d && this.#on(ev, b.data, ev.ts)) {
          this.#matched.add(ev.seq);
          this.#pair(ev, b.data, ev.ts, out);
        }
      }
      this.#lefts.push(ev);
    }
    if (ev.stream === q.right.stream) {
      for (const a of this.#lefts) {
        if (Math.abs(ev.ts - a.ts) <= d && this.#on(a, ev.data, ev.ts)) {
          this.#matched.add(a.seq);
          this.#pair(a, ev.data, ev.ts, out);
        }
      }
      this.#rights.push(ev);
    }
    return out;
  }

  #unmatched(): RefEventRecord[] {
    return this.#lefts.filter((a) => !this.#matched.has(a.seq) && a.ts + this.#q.within! > this.#givenUpTo);
  }

  nextTimer(): RefTimer | undefined {
    if (this.#q.joinType !== 'LEFT' || this.#q.right.table) return undefined;
    const next = this.#unmatched()[0];
    return next && { time: next.ts + this.#q.within!, reaches: false };
  }

  onTimer(time: number): RefMatch[] {
    const out: RefMatch[] = [];
    for (const a of this.#unmatched()) if (a.ts + this.#q.within! <= time) this.#pair(a, undefined, a.ts + this.#q.within!, out);
    this.#givenUpTo = time;
    return out;
  }
}

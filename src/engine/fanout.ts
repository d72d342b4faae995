/**
 * Delivery of one stream's events to the operators that read it, in deployment order (the
 * order their outputs must come in). Runs of eight or more consecutive operators that declare
 * guards (Operator.guards: a filter whose WHERE requires a column to equal a constant,
 * `country = 'US'`, `mcc IN ('5411', '5812')`) are indexed on the column that splits them best,
 * and each value's operators again on their other guards: an event reaches only the operators
 * its values can satisfy, plus those without such a test — a thousand fraud rules cost a few
 * predicate calls per event, not a thousand.
 */
import type { EventGuard, Operator, OperatorEvent } from '../operators/operator.js';
import { columnReader, type Row } from '../runtime/row.js';

type Segment =
  | { readonly kind: 'one'; readonly operator: Operator }
  | { readonly kind: 'indexed'; readonly read: (row: Row) => unknown; readonly byValue: ReadonlyMap<unknown, Fanout>; readonly rest: Fanout };

/** An operator with the guards still to be used for indexing it. */
interface Entry {
  readonly operator: Operator;
  readonly guards: readonly EventGuard[];
}

const MIN_INDEXED = 8;

export class Fanout {
  readonly #segments: Segment[] = [];

  /** `stream`: the stream whose events these operators read (their guards are per stream). */
  constructor(stream: string, operators: readonly Operator[] | readonly Entry[]) {
    const entries: readonly Entry[] = operators.map((o) => ('operator' in o ? o : { operator: o, guards: o.guards?.get(stream) ?? [] }));
    let run: Entry[] = [];
    const flush = (): void => {
      if (run.length >= MIN_INDEXED) this.#segments.push(indexed(stream, run));
      else for (const e of run) this.#segments.push({ kind: 'one', operator: e.operator });
      run = [];
    };
    for (const e of entries) {
      if (e.guards.length > 0) run.push(e);
      else {
        flush();
        this.#segments.push({ kind: 'one', operator: e.operator });
      }
    }
    flush();
  }

  /** Delivers the event; `ev`'s fields are set again before each operator (they must not keep it). */
  deliver(ev: { stream: string; row: OperatorEvent['row']; time: number; seq: number }): void {
    const { stream, row, time, seq } = ev;
    const segments = this.#segments;
    for (let s = 0; s < segments.length; s++) {
      const segment = segments[s]!;
      if (segment.kind === 'indexed') {
        const value = segment.read(row);
        const sub = (value === null || value === undefined ? undefined : segment.byValue.get(value)) ?? segment.rest;
        sub.deliver(ev);
        continue;
      }
      ev.stream = stream;
      ev.row = row;
      ev.time = time;
      ev.seq = seq;
      segment.operator.onEvent(ev);
    }
  }
}

/**
 * Indexes a run of guarded operators on the column that splits them best (the most operators
 * guarded, times the most distinct values), keeping their order; each value's operators are
 * indexed again on their other guards.
 */
function indexed(stream: string, run: readonly Entry[]): Segment {
  const stats = new Map<string, { ops: number; values: Set<unknown> }>();
  for (const e of run) {
    for (const column of new Set(e.guards.map((g) => g.column))) {
      const st = stats.get(column) ?? { ops: 0, values: new Set<unknown>() };
      st.ops++;
      for (const g of e.guards) if (g.column === column) for (const v of g.values) st.values.add(v);
      stats.set(column, st);
    }
  }
  const column = [...stats].sort((a, b) => b[1].ops * b[1].values.size - a[1].ops * a[1].values.size || (a[0] < b[0] ? -1 : 1))[0]![0];
  // Per entry, the values of the column it accepts (several guards on it must all hold), or
  // undefined when it does not test the column.
  const accepts = run.map((e) => {
    const guards = e.guards.filter((g) => g.column === column);
    if (guards.length === 0) return undefined;
    let values = new Set<unknown>(guards[0]!.values);
    for (const g of guards.slice(1)) values = new Set(g.values.filter((v) => values.has(v)));
    return values;
  });
  const rest = run.filter((_, i) => accepts[i] === undefined);
  const byValue = new Map<unknown, Fanout>();
  const allValues = new Set(accepts.flatMap((a) => (a ? [...a] : [])));
  for (const value of allValues) {
    const entries = run
      .filter((_, i) => accepts[i] === undefined || accepts[i]!.has(value))
      .map((e) => ({ operator: e.operator, guards: e.guards.filter((g) => g.column !== column) }));
    byValue.set(value, new Fanout(stream, entries));
  }
  return { kind: 'indexed', read: columnReader(column), byValue, rest: new Fanout(stream, rest.map((e) => ({ operator: e.operator, guards: e.guards.filter((g) => g.column !== column) }))) };
}

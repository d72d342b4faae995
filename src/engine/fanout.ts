/**
 * Delivery of one stream's events to the operators that read it, in deployment order (the
 * order their outputs must come in). Runs of eight or more consecutive operators that declare
 * guards (Operator.guards: a filter whose WHERE requires a column to equal a constant,
 * `country = 'US'`, `mcc IN ('5411', '5812')`) are indexed on the column that splits them best,
 * and each value's operators again on their other guards: an event reaches only the operators
 * its values can satisfy, plus those without such a test — a thousand fraud rules cost a few
 * predicate calls per event, not a thousand. Runs of eight or more patterns that declare
 * `anyGuards` (each atom that could use an event requires a column to equal a constant: `a=Txn[mcc
 * = '5411'] -> b=Txn[country = 'US']`) are indexed on every such column at once: an event reaches
 * the patterns one of whose atoms its values can satisfy.
 */
import { FilterOperator } from '../operators/filter-operator.js';
import type { EventGuard, Operator } from '../operators/operator.js';
import { columnReader, type Row } from '../runtime/row.js';

type Segment =
  | { readonly kind: 'one'; readonly operator: Operator }
  | { readonly kind: 'indexed'; readonly read: (row: Row) => unknown; readonly byValue: ReadonlyMap<unknown, Fanout>; readonly rest: Fanout }
  | { readonly kind: 'any'; readonly deliver: Deliver };

/** An operator with the guards still to be used for indexing it. */
interface Entry {
  readonly operator: Operator;
  readonly guards: readonly EventGuard[];
  /** Its `anyGuards` of the stream, when it has no `guards`. */
  readonly any?: readonly EventGuard[] | undefined;
}

const MIN_INDEXED = 8;

/** Segments per generated delivery function: V8 stops optimising functions past a size. */
const SEGMENTS_PER_FUNCTION = 48;

/** The event delivered, as the engine passes it: operators read it during onEvent and must not keep it. */
export interface DeliveredEvent {
  stream: string;
  row: Row;
  time: number;
  seq: number;
}

type Deliver = (ev: DeliveredEvent) => void;

/**
 * The engine's arrival numbering (OperatorEvent.seq): the number given last. Derived events are
 * processed inside the event that caused them, so they are numbered while it is still being
 * delivered; the fanout then numbers the event again for the operators after, so that each
 * operator sees numbers grow in the order it is given events (a pattern's rule 9 and AFTER
 * MATCH SKIP rely on it).
 */
export interface Sequence {
  last: number;
}

export class Fanout {
  /**
   * Delivers the event to each operator in turn. The code is generated per fanout (see
   * compile): each operator, each filter's condition, is called from a call site of its own,
   * which V8 inlines, where one shared loop would see every operator kind and condition of the
   * process and inline none — a thousand filters would then run slower for each other query
   * deployed beside them.
   */
  readonly deliver: Deliver;

  /**
   * `stream`: the stream whose events these operators read (their guards are per stream).
   * `sequence`: the engine's last arrival number (see Sequence); without it events keep theirs.
   */
  constructor(stream: string, operators: readonly Operator[] | readonly Entry[], sequence?: Sequence) {
    const entries: readonly Entry[] = operators.map((o) => ('operator' in o ? o : { operator: o, guards: o.guards?.get(stream) ?? [], any: o.anyGuards?.get(stream) }));
    const segments: Segment[] = [];
    // A run of consecutive operators with guards (`all`) or with anyGuards only (`any`).
    let run: Entry[] = [];
    let runKind: 'all' | 'any' = 'all';
    const flush = (): void => {
      if (run.length >= MIN_INDEXED) segments.push(runKind === 'all' ? indexed(stream, run, sequence) : anyIndexed(run, sequence));
      else for (const e of run) segments.push({ kind: 'one', operator: e.operator });
      run = [];
    };
    for (const e of entries) {
      const kind = e.guards.length > 0 ? 'all' : e.any !== undefined ? 'any' : undefined;
      if (kind !== runKind) flush();
      if (kind === undefined) segments.push({ kind: 'one', operator: e.operator });
      else {
        runKind = kind;
        run.push(e);
      }
    }
    flush();
    const parts: Deliver[] = [];
    for (let i = 0; i < segments.length; i += SEGMENTS_PER_FUNCTION) parts.push(compile(segments.slice(i, i + SEGMENTS_PER_FUNCTION), sequence, i === 0));
    this.deliver = parts.length === 0 ? () => {} : parts.length === 1 ? parts[0]! : (ev) => {
      for (let i = 0; i < parts.length; i++) parts[i]!(ev);
    };
  }
}

/**
 * The delivery code of some segments, in order. An operator is given the event object with its
 * fields set again (an earlier one may have changed them); a filter is run inline from its
 * kernel, with the event's row and time; an indexed segment hands the event to the fanout of
 * the value the event has in its column, or to the fanout of the operators without a guard on
 * that column. Only generated names enter the code: the functions and maps are arguments.
 */
function compile(segments: readonly Segment[], sequence: Sequence | undefined, first: boolean): Deliver {
  const names: string[] = [];
  const values: unknown[] = [];
  const bind = (prefix: string, value: unknown): string => {
    const name = `${prefix}${names.length}`;
    names.push(name);
    values.push(value);
    return name;
  };
  const body: string[] = ['const stream = ev.stream, row = ev.row, time = ev.time;', 'let seq = ev.seq;'];
  // After an operator emitted (its readers processed the derived events at once, numbered
  // after this one), the operators after it are given the event as arriving after those.
  // A fanout is entered with the event numbered last (by the engine, or by the fanout that hands
  // it on), so its first operator needs no check.
  const check = sequence === undefined ? '' : `if (${bind('sequence', sequence)}.last !== seq) seq = ++${names.at(-1)!}.last; `;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const renumber = first && i === 0 ? '' : check;
    if (segment.kind === 'indexed') {
      const read = bind('read', segment.read);
      const byValue = bind('byValue', segment.byValue);
      const rest = bind('rest', segment.rest.deliver);
      body.push(`{ ${renumber}ev.stream = stream; ev.row = row; ev.time = time; ev.seq = seq; const v = ${read}(row); const sub = v === null || v === undefined ? undefined : ${byValue}.get(v); if (sub === undefined) ${rest}(ev); else sub.deliver(ev); }`);
    } else if (segment.kind === 'any') {
      const deliver = bind('any', segment.deliver);
      body.push(`${renumber}ev.stream = stream; ev.row = row; ev.time = time; ev.seq = seq; ${deliver}(ev); seq = ev.seq;`);
    } else if (segment.operator instanceof FilterOperator) {
      const k = segment.operator.kernel;
      const where = bind('where', k.where);
      const project = bind('project', k.project);
      const scope = bind('scope', k.scope);
      const emit = bind('emit', k.emit);
      body.push(`${scope}.now = time; if (${where}(row, ${scope})) ${emit}(${project}(row, ${scope}), time);`);
    } else {
      const op = bind('op', segment.operator);
      body.push(`${renumber}ev.stream = stream; ev.row = row; ev.time = time; ev.seq = seq; ${op}.onEvent(ev);`);
    }
  }
  const factory = new Function(...names, `"use strict";\nreturn function deliver(ev) {\n${body.join('\n')}\n};`) as (...args: unknown[]) => Deliver;
  return factory(...values);
}

/**
 * Indexes a run of guarded operators on the column that splits them best (the most operators
 * guarded, times the most distinct values), keeping their order; each value's operators are
 * indexed again on their other guards.
 */
function indexed(stream: string, run: readonly Entry[], sequence: Sequence | undefined): Segment {
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
    byValue.set(value, new Fanout(stream, entries, sequence));
  }
  return { kind: 'indexed', read: columnReader(column), byValue, rest: new Fanout(stream, rest.map((e) => ({ operator: e.operator, guards: e.guards.filter((g) => g.column !== column) })), sequence) };
}

/**
 * Indexes a run of operators with `anyGuards` on every column they name: per column and value,
 * the positions in the run of the operators one of whose guards it satisfies (lists, not bit
 * sets: ten thousand rules with values of their own would take a bit set of every rule per
 * value). An event's values mark their operators in a bit set of the run, which is then read in
 * order: each operator once, in deployment order.
 */
function anyIndexed(run: readonly Entry[], sequence: Sequence | undefined): Segment {
  const words = Math.ceil(run.length / 32);
  const lists = new Map<string, Map<unknown, number[]>>();
  run.forEach((e, i) => {
    for (const g of e.any!) {
      let byValue = lists.get(g.column);
      if (!byValue) lists.set(g.column, (byValue = new Map()));
      for (const v of g.values) {
        const list = byValue.get(v);
        if (!list) byValue.set(v, [i]);
        else if (list.at(-1) !== i) list.push(i);
      }
    }
  });
  const reads = [...lists.keys()].map(columnReader);
  const maps = [...lists.values()].map((byValue) => new Map([...byValue].map(([v, list]) => [v, Int32Array.from(list)])));
  const operators = run.map((e) => e.operator);
  // One bit set per depth of delivery: an operator's outputs are processed at once, and could
  // (through a derived stream read by a query of another run like this) come back here.
  const scratch: Int32Array[] = [];
  let depth = 0;
  return {
    kind: 'any',
    deliver(ev: DeliveredEvent): void {
      const bits = (scratch[depth] ??= new Int32Array(words));
      depth++;
      try {
        bits.fill(0);
        const row = ev.row;
        for (let c = 0; c < reads.length; c++) {
          const v = reads[c]!(row);
          const list = v === null || v === undefined ? undefined : maps[c]!.get(v);
          if (list !== undefined) {
            for (let j = 0; j < list.length; j++) {
              const i = list[j]!;
              bits[i >>> 5]! |= 1 << (i & 31);
            }
          }
        }
        const stream = ev.stream;
        const time = ev.time;
        let seq = ev.seq;
        let first = true;
        for (let w = 0; w < words; w++) {
          let word = bits[w]!;
          while (word !== 0) {
            const low = word & -word;
            word ^= low;
            // As in the generated code: after an operator emitted, the next is given the event as
            // arriving after the derived ones.
            if (!first && sequence !== undefined && sequence.last !== seq) seq = ++sequence.last;
            first = false;
            ev.stream = stream;
            ev.row = row;
            ev.time = time;
            ev.seq = seq;
            operators[(w << 5) + 31 - Math.clz32(low)]!.onEvent(ev);
          }
        }
        ev.seq = seq;
      } finally {
        depth--;
      }
    },
  };
}

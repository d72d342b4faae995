/**
 * The reference engine: runs a whole script over a finite input, as LANGUAGE.md sections 3, 5,
 * 6 and 10 describe, with one input and lateness 0. A second, deliberately simple
 * implementation for the property tests: same script, same input, so the fast engine must
 * produce the same output events in the same order.
 *
 * Supported: source streams and tables with a `timestamp` column, filter queries (section 5),
 * pattern queries (section 6), windows and aggregation (section 7), joins and LOOKUP (section
 * 8), derived streams read by later queries. Anything else throws a 'reference: unsupported …'
 * error rather than guess.
 */
import { compileScript } from '../../src/index.js';
import type { FilterQuery, StreamDefinition } from '../../src/analysis/bound.js';
import { evaluate, holds, type Row, type Value } from './evaluate.js';
import { PatternReference, type RefEventRecord, type RefMatch } from './pattern.js';
import { AggregateReference, identity, JoinReference, type RefQuery } from './relational.js';
import { validateEvent } from './validate.js';

export interface RefEvent {
  readonly stream: string;
  readonly data: Record<string, unknown>;
}

export interface RefOutput {
  readonly stream: string;
  readonly time: number;
  readonly data: Record<string, unknown>;
}

/** A rejected input event (section 2): published on `_rejected` by the real engine. */
export interface RefRejection {
  readonly stream: string;
  readonly reason: string;
  readonly event: unknown;
}

export interface RefResult {
  readonly outputs: RefOutput[];
  readonly rejected: RefRejection[];
}

type DeployedQuery =
  | { readonly kind: 'filter'; readonly query: FilterQuery }
  | { readonly kind: 'stateful'; readonly output: string; readonly state: RefQuery };

/** A table (section 8): the latest row per PRIMARY KEY; a row whose other columns are all NULL deletes. */
interface RefTable {
  readonly key: string;
  /** The event-time column: not a value of the row. */
  readonly timestamp: string;
  readonly rows: Map<string, Row>;
}

/** The pattern reference as a RefQuery: its timers fire once the watermark passes them. */
function patternQuery(p: PatternReference): RefQuery {
  return {
    reads: (stream) => p.reads(stream),
    onEvent: (ev) => p.onEvent(ev),
    nextTimer: () => {
      const t = p.nextTimer();
      return t === undefined ? undefined : { time: t, reaches: false };
    },
    onTimer: (t) => p.onTimer(t),
  };
}

/** Runs a whole script over finite input (one input, lateness 0, then end of input = watermark +∞). */
export function runReference(source: string, events: readonly RefEvent[]): RefOutput[] {
  return runReferenceDetailed(source, events).outputs;
}

/** As runReference, also returning the rejected events. */
export function runReferenceDetailed(source: string, events: readonly RefEvent[]): RefResult {
  const engine = new ReferenceEngine(source);
  for (const e of events) engine.push(e);
  engine.end();
  return { outputs: engine.outputs, rejected: engine.rejected };
}

export class ReferenceEngine {
  readonly outputs: RefOutput[] = [];
  readonly rejected: RefRejection[] = [];
  readonly #sources = new Map<string, StreamDefinition>();
  readonly #tables = new Map<string, RefTable>();
  readonly #lookup = (table: string, key: Value): Row | undefined => this.#tables.get(table)?.rows.get(identity(key));
  /** In deployment order (section 6.2 and the brief: one event, queries in that order). */
  readonly #queries: DeployedQuery[] = [];
  /** Section 3: with one input, the largest event time seen (minus lateness 0). */
  #watermark = -Infinity;
  /** Arrival positions, shared by input and derived events. */
  #seq = 0;

  constructor(source: string) {
    const result = compileScript(source);
    if (!result.ok) {
      throw new Error(`reference: the script does not compile:\n${result.diagnostics.map((d) => d.message).join('\n')}`);
    }
    for (const statement of result.script.statements) {
      switch (statement.kind) {
        case 'createStream':
          if (statement.stream.timestamp === undefined) {
            throw new Error(`reference: stream '${statement.stream.name}' needs a timestamp column (arrival time is wall-clock)`);
          }
          this.#sources.set(statement.stream.name, statement.stream);
          break;
        case 'createTable':
          if (statement.table.timestamp === undefined) throw new Error(`reference: table '${statement.table.name}' needs a timestamp column`);
          this.#sources.set(statement.table.name, statement.table);
          this.#tables.set(statement.table.name, { key: statement.table.primaryKey, timestamp: statement.table.timestamp, rows: new Map() });
          break;
        case 'query': {
          const { query } = statement;
          if (query.reads.includes('_rejected')) throw new Error('reference: unsupported: queries reading _rejected');
          const output = query.output;
          if (query.kind === 'filter') this.#queries.push({ kind: 'filter', query });
          else if (query.kind === 'pattern') this.#queries.push({ kind: 'stateful', output, state: patternQuery(new PatternReference(query, this.#lookup)) });
          else if (query.kind === 'aggregate') this.#queries.push({ kind: 'stateful', output, state: new AggregateReference(query) });
          else this.#queries.push({ kind: 'stateful', output, state: new JoinReference(query, this.#lookup) });
          break;
        }
        case 'explain':
          break; // not deployed
        default:
          throw new Error(`reference: unsupported statement '${statement.kind}'`);
      }
    }
  }

  /** One input event, in arrival order. */
  push(e: RefEvent): void {
    const def = this.#sources.get(e.stream);
    if (!def) throw new Error(`reference: '${e.stream}' is not a source stream of the script`);
    // Section 2: an invalid event is rejected, never processed.
    const v = validateEvent(def, e.data);
    if (!v.ok) {
      this.rejected.push({ stream: e.stream, reason: v.reason, event: e.data });
      return;
    }
    // Section 3: an event older than the watermark is late: rejected.
    if (v.ts < this.#watermark) {
      this.rejected.push({ stream: e.stream, reason: 'late', event: e.data });
      return;
    }
    this.#watermark = v.ts;
    // Section 3: a timer that fires once the watermark passes t comes after every event at t
    // and before every later event: here, before this one.
    this.#fireTimers();
    const table = this.#tables.get(e.stream);
    if (table) this.#upsert(table, v.data);
    this.#deliver({ seq: this.#seq++, stream: e.stream, ts: v.ts, data: v.data });
  }

  #upsert(table: RefTable, row: Row): void {
    const id = identity((row[table.key] ?? null) as Value);
    const others = Object.keys(row).filter((c) => c !== table.key && c !== table.timestamp);
    if (others.every((c) => row[c] === null || row[c] === undefined)) table.rows.delete(id);
    else table.rows.set(id, row);
  }

  /** Section 3: at the end of a finite input the watermark goes to +∞: every timer fires. */
  end(): void {
    this.#watermark = Infinity;
    this.#fireTimers();
  }

  /**
   * Fires every due timer: one that waits for the watermark to pass t once watermark > t, one
   * that waits for it to reach t once watermark ≥ t. Section 3: a timer reaching t comes before
   * the events at t, one passing t after them; timers due together fire in order of their time,
   * and at one time in the order the queries were deployed.
   */
  #fireTimers(): void {
    for (;;) {
      let best: { place: number; time: number; query: DeployedQuery } | undefined;
      for (const q of this.#queries) {
        const next = q.kind === 'stateful' ? q.state.nextTimer() : undefined;
        if (next === undefined) continue;
        const place = next.reaches ? next.time - 0.5 : next.time;
        if (!best || place < best.place || (place === best.place && next.time < best.time)) best = { place, time: next.time, query: q };
      }
      if (!best || !(this.#watermark > best.place)) return;
      const q = best.query as Extract<DeployedQuery, { kind: 'stateful' }>;
      this.#emitAll(q.output, q.state.onTimer(best.time));
    }
  }

  /**
   * An event (input or derived) to every query reading its stream, in deployment order. Derived
   * events an earlier query emitted meanwhile were numbered after it; the queries after see it as
   * arriving after them, numbered again (docs/runtime.md: positions count in processing order).
   */
  #deliver(event: RefEventRecord): void {
    let ev = event;
    for (const q of this.#queries) {
      if (ev.seq !== this.#seq - 1) ev = { ...ev, seq: this.#seq++ };
      if (q.kind === 'filter') {
        if (q.query.input !== ev.stream) continue;
        // Section 5: WHERE, then the SELECT list; the output's time is the event's.
        const env = { input: ev.data, now: ev.ts, lookup: this.#lookup };
        if (!holds(q.query.where, env)) continue;
        const data = Object.fromEntries(q.query.projections.map((p) => [p.name, evaluate(p.expr, env)]));
        this.#emit(q.query.output, ev.ts, data);
      } else if (q.state.reads(ev.stream)) {
        this.#emitAll(q.output, q.state.onEvent(ev));
      }
    }
  }

  #emitAll(stream: string, matches: readonly RefMatch[]): void {
    for (const m of matches) this.#emit(stream, m.time, m.data);
  }

  /**
   * Section 3: a derived stream is processed by the queries that read it as soon as it is
   * emitted (depth first), before the next input event, with its own event time; never late.
   */
  #emit(stream: string, time: number, data: Record<string, unknown>): void {
    this.outputs.push({ stream, time, data });
    this.#deliver({ seq: this.#seq++, stream, ts: time, data });
  }
}

/**
 * The engine: deploys scripts, takes events, runs queries and delivers their outputs
 * (LANGUAGE.md sections 2, 3, 5, 6, 9, 10). One event-time clock for all streams; an event
 * reaches only the queries that read its stream; a derived stream's events are processed by
 * their readers as soon as they are emitted. Nothing a caller pushes can throw: a bad event is
 * rejected with a reason, counted, and published on `_rejected`.
 *
 *     const engine = new Engine();
 *     const deployed = engine.deploy(script);
 *     if (!deployed.ok) console.error(deployed.diagnostics);
 *     engine.subscribe('card_testing', (e) => console.log(e.time, e.data));
 *     engine.push('Txn', { card: 'c1', amount: 0.5, ts: 1000 });
 *     engine.end();
 */
import { compileScript } from '../analysis/compile-script.js';
import type { BoundQuery, BoundStatement } from '../analysis/bound.js';
import { Catalog } from '../analysis/catalog.js';
import type { FunctionSignature } from '../analysis/functions.js';
import type { Diagnostic } from '../lang/diagnostics.js';
import type { CqlType } from '../model/types.js';
import { explainQuery } from '../compile/explain.js';
import { compileQuery } from '../compile/query.js';
import type { Operator, OperatorContext } from '../operators/operator.js';
import { TableOperator } from '../operators/table-operator.js';
import { columnReader, type EvalServices, type Row } from '../runtime/row.js';
import { compileValidator, shownEvent, type Validated } from '../runtime/validate.js';
import { Clock, type ClockState } from './clock.js';
import { Fanout, type Sequence } from './fanout.js';
import { defaultMaxHeapBytes, MemoryGuard } from './memory.js';
import { Subscriptions, type OutputEvent, type Subscriber } from './outputs.js';
import { decodeState, encodeState, SnapshotError } from '../util/state-codec.js';

export type { OutputEvent, Subscriber };

export interface EngineOptions {
  /** Allowed lateness in milliseconds (section 3); default 0. */
  readonly lateness?: number;
  /** Partial matches kept per partition of a pattern; beyond it, new runs are dropped and counted. Default 10,000. */
  readonly maxRunsPerPartition?: number;
  /** Partial matches kept per pattern query. Default 1,000,000. */
  readonly maxRunsPerQuery?: number;
  /** Rows kept per table. Default 1,000,000. */
  readonly maxTableRows?: number;
  /** Groups (with their open windows) kept per aggregating query. Default 1,000,000. */
  readonly maxGroups?: number;
  /** Events one group's sliding window holds. Default 1,000,000. */
  readonly maxWindowEvents?: number;
  /**
   * Distinct values one `COUNT(DISTINCT x)` holds per group and window. Default 100,000: past
   * it the count is NULL for that group and window, and one drop is counted.
   */
  readonly maxDistinct?: number;
  /** Events a stream-stream join keeps per side. Default 1,000,000. */
  readonly maxJoinEvents?: number;
  /**
   * The engine-wide memory budget, over every query: while the V8 heap holds more than this many
   * bytes, no query keeps new state (runs, groups, window and join events, table rows are dropped
   * and counted in `runsDropped` and `memoryDrops`), so that the caps of many queries together, or
   * large events, cannot end the process. Default: 80% of the old generation's limit
   * (`--max-old-space-size`); `Infinity` turns it off (docs/runtime.md, "Memory").
   */
  readonly maxHeapBytes?: number;
}

/** Refuses options that are no number of the kind they count (a negative lateness, NaN). */
function checkOptions(options: EngineOptions): void {
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const finite = name === 'lateness';
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (finite && !Number.isFinite(value))) {
      throw new RangeError(`the engine option ${name} must be ${finite ? 'a finite number of milliseconds' : 'a number'} of 0 or more, not ${String(value)}`);
    }
  }
}

export interface Deployment {
  readonly id: number;
  /** Source streams and tables the script defined. */
  readonly streams: readonly string[];
  /** Output streams of the script's queries. */
  readonly queries: readonly string[];
  /** The plan of each `EXPLAIN <query>` statement (section 9), in script order: it is printed, not run. */
  readonly explained: readonly string[];
}

/** Where an event came from, said by its `toString()` (see Engine.push). */
export interface Origin {
  toString(): string;
}

export type DeployResult = { readonly ok: true; readonly deployment: Deployment } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export interface EngineStats {
  /** Events pushed, accepted or not. */
  readonly eventsIn: number;
  /** Output events of queries. */
  readonly outputs: number;
  /** Output events of pattern queries. */
  readonly matches: number;
  /** Rejected events, late ones included. */
  readonly rejected: number;
  readonly late: number;
  /**
   * Partial matches held now. A run past its WITHIN counts until it is dropped: when its
   * partition next sees an event that could concern it, or at the sweep, at most one WITHIN later.
   */
  readonly runsAlive: number;
  /** What caps dropped: pattern runs, table rows, groups, window and join events. */
  readonly runsDropped: number;
  /** Of `runsDropped`: state refused because the heap was past `maxHeapBytes`. */
  readonly memoryDrops: number;
  /** Whether the heap is past `maxHeapBytes` now, so that no new state is kept. */
  readonly memoryFull: boolean;
  /** Run-time faults in expressions (each made a value NULL). */
  readonly faults: number;
  /** Subscriber callbacks that threw. */
  readonly subscriberErrors: number;
  readonly watermark: number;
  /** Events accepted and waiting for the watermark (allowed lateness, or inputs behind). */
  readonly waiting: number;
  readonly perQuery: Readonly<Record<string, { readonly outputs: number; readonly state: number }>>;
}

/** A deployed query, for listings (the server, the console). */
export interface QueryInfo {
  /** Its output stream's name. */
  readonly name: string;
  readonly kind: BoundQuery['kind'];
  readonly deployment: number;
  /** The statement's text. */
  readonly text: string;
  readonly reads: readonly string[];
  readonly outputs: number;
  /** State held now: partial matches, groups, buffered join events. */
  readonly state: number;
  /**
   * Per input stream, the columns its state is keyed by (PARTITION BY, GROUP BY columns); an
   * empty list when it keeps one state for all events; undefined when it keeps no keyed state
   * (filters) or it is not told (joins, GROUP BY on expressions).
   */
  readonly keys?: Readonly<Record<string, readonly string[]>>;
}

const withKeys = (keys: Readonly<Record<string, readonly string[]>> | undefined) => (keys ? { keys } : {});

function keysOf(query: BoundQuery): Readonly<Record<string, readonly string[]>> | undefined {
  switch (query.kind) {
    case 'pattern':
      return Object.fromEntries(query.reads.map((stream) => [stream, query.partitionBy[stream] ?? []]));
    case 'aggregate': {
      const columns = query.groupBy.map((g) => (g.kind === 'column' ? g.column : undefined));
      return columns.every((c) => c !== undefined) ? { [query.input]: columns as string[] } : undefined;
    }
    default:
      return undefined;
  }
}

interface StreamRuntime {
  readonly kind: 'stream' | 'table' | 'derived' | 'system';
  readonly validate: ((event: unknown) => Validated) | undefined;
  /** The event-time column; undefined means arrival time. */
  readonly timestamp: string | undefined;
  /** Reads the event-time column of a valid row (compiled for it; see columnReader). */
  readonly time: ((row: Row) => unknown) | undefined;
  readonly deployment: number;
  /** Connector options from the script's WITH (`source`, `topic`, `format`, `key`, …). */
  readonly options: Readonly<Record<string, string | number | boolean>>;
}

interface QueryRuntime {
  readonly query: BoundQuery;
  readonly operator: Operator;
  readonly deployment: number;
  outputs: number;
  /** Where its output stream's events go (see Destination). */
  destination: Destination | undefined;
}

/**
 * Where a stream's events go: its subscribers and the operators that read it, as they stood at
 * `version` (routes and subscriptions change rarely; events come all the time). Kept per stream
 * and per query, it spares each event and output the lookups by stream name.
 */
interface Destination {
  readonly version: number;
  readonly subscribers: ReadonlySet<Subscriber> | undefined;
  readonly fanout: Fanout | undefined;
}


const SYSTEM_DEPLOYMENT = 0;

/** What `Engine.snapshot` writes. */
interface EngineState {
  /** The deployments it was taken under (see #fingerprint). */
  readonly deployed: string;
  readonly seq: number;
  readonly clock: ClockState;
  readonly queries: readonly (readonly [string, unknown])[];
  readonly tables: readonly (readonly [string, unknown])[];
}

export class Engine {
  readonly #options: Required<EngineOptions>;
  #catalog = new Catalog();
  readonly #streams = new Map<string, StreamRuntime>([['_rejected', { kind: 'system', validate: undefined, timestamp: undefined, time: undefined, deployment: SYSTEM_DEPLOYMENT, options: {} }]]);
  readonly #queries = new Map<string, QueryRuntime>();
  readonly #tables = new Map<string, TableOperator>();
  readonly #routes = new Map<string, Operator[]>();
  /** Per stream, how its events reach the operators of #routes (built on first use after a change). */
  readonly #fanouts = new Map<string, Fanout>();
  /** Changes with every route added or removed (see Destination). */
  #routesVersion = 0;
  readonly #destinations = new Map<string, Destination>();
  readonly #udfs = new Map<string, { fn: (...args: unknown[]) => unknown; signature: FunctionSignature }>();
  readonly #deployments = new Map<number, Deployment>();
  /** What was deployed, in order, for `replica`. */
  readonly #sources = new Map<number, { source: string; file: string }>();
  /** While `replica` replays those: a DROP of a name an undeployed deployment made is passed over. */
  #replaying = false;
  readonly #subscriptions: Subscriptions;
  readonly #clock: Clock;
  readonly #memory: MemoryGuard;
  readonly #services: EvalServices;
  readonly #events: { stream: string; row: Row; time: number; seq: number }[] = [];
  #depth = 0;
  /** Events pushed while processing (see push). */
  readonly #deferred: { stream: string; event: unknown; origin: string | Origin | undefined; input: string | undefined }[] = [];
  #nextDeployment = 1;
  #nextRank = 0;
  readonly #sequence: Sequence = { last: 0 };
  #stats = { eventsIn: 0, outputs: 0, matches: 0, rejected: 0, late: 0, runsDropped: 0, faults: 0, subscriberErrors: 0 };

  constructor(options: EngineOptions = {}) {
    checkOptions(options);
    this.#options = {
      lateness: options.lateness ?? 0,
      maxRunsPerPartition: options.maxRunsPerPartition ?? 10_000,
      maxRunsPerQuery: options.maxRunsPerQuery ?? 1_000_000,
      maxTableRows: options.maxTableRows ?? 1_000_000,
      maxGroups: options.maxGroups ?? 1_000_000,
      maxWindowEvents: options.maxWindowEvents ?? 1_000_000,
      maxDistinct: options.maxDistinct ?? 100_000,
      maxJoinEvents: options.maxJoinEvents ?? 1_000_000,
      maxHeapBytes: options.maxHeapBytes ?? defaultMaxHeapBytes(),
    };
    this.#memory = new MemoryGuard(this.#options.maxHeapBytes, () => this.#stateSize());
    this.#subscriptions = new Subscriptions(() => this.#stats.subscriberErrors++);
    this.#clock = new Clock(this.#options.lateness, {
      process: (stream, row, time) => this.#process(stream, row, time),
      fire: (owner, time) => {
        this.#depth++;
        try {
          (owner as Operator).onTimer(time);
        } finally {
          this.#depth--;
        }
      },
    });
    this.#services = {
      lookup: (table, key) => this.#tables.get(table)?.lookup(key),
      udf: (name) => this.#udfs.get(name.toUpperCase())?.fn,
      fault: () => this.#stats.faults++,
    };
  }

  /** Registers a user-defined function, callable from scripts deployed afterwards. */
  registerFunction(name: string, fn: (...args: unknown[]) => unknown, signature: { returns: CqlType; params?: readonly CqlType[] }): void {
    this.#udfs.set(name.toUpperCase(), { fn, signature });
  }

  /**
   * A new engine with this one's options, functions and deployments, and none of its state or
   * subscribers (the Kafka connector runs one per partition, so that each partition's state can
   * be checkpointed and moved on its own).
   */
  replica(): Engine {
    const engine = new Engine(this.#options);
    for (const [name, u] of this.#udfs) engine.registerFunction(name, u.fn, u.signature);
    engine.#replaying = true;
    try {
      for (const { source, file } of this.#sources.values()) {
        const deployed = engine.deploy(source, { file });
        if (!deployed.ok) throw new Error(`a replica cannot deploy ${file}: ${deployed.diagnostics[0]?.message ?? ''}`);
      }
    } finally {
      engine.#replaying = false;
    }
    return engine;
  }

  /** Deploys a script atomically: every statement, or — with any error — nothing. */
  deploy(source: string, options: { file?: string } = {}): DeployResult {
    const file = options.file ?? '<script>';
    const functions = new Map([...this.#udfs].map(([name, u]) => [name, u.signature]));
    const result = compileScript(source, { file, catalog: this.#catalog, functions, ignoreMissingDrops: this.#replaying });
    if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
    const id = this.#nextDeployment++;
    const staged: (() => void)[] = [];
    const streams: string[] = [];
    const queries: string[] = [];
    const explained: string[] = [];
    for (const statement of result.script.statements) {
      if (statement.kind === 'explain') explained.push(explainQuery(statement.query));
      const step = this.#stage(statement, id, streams, queries);
      if (step) staged.push(step);
    }
    for (const apply of staged) apply();
    this.#catalog = result.catalog;
    const deployment: Deployment = { id, streams, queries, explained };
    this.#deployments.set(id, deployment);
    this.#sources.set(id, { source, file });
    return { ok: true, deployment };
  }

  /** Builds a statement's runtime without changing the engine; returns how to install it. */
  #stage(statement: BoundStatement, deployment: number, streams: string[], queries: string[]): (() => void) | undefined {
    switch (statement.kind) {
      case 'createStream': {
        const s = statement.stream;
        const validate = compileValidator({ name: s.name, columns: s.schema.columns, timestamp: s.timestamp, timestampFormat: s.timestampFormat, timezone: s.timezone });
        streams.push(s.name);
        const time = s.timestamp === undefined ? undefined : columnReader(s.timestamp);
        return () => this.#streams.set(s.name, { kind: 'stream', validate, timestamp: s.timestamp, time, deployment, options: s.options });
      }
      case 'createTable': {
        const t = statement.table;
        const validate = compileValidator({ name: t.name, columns: t.schema.columns, timestamp: t.timestamp, timestampFormat: t.timestampFormat, timezone: t.timezone });
        // The event-time column says when, not what: a row whose other columns are all NULL deletes.
        const values = t.schema.columns.map((c) => c.name).filter((c) => c !== t.timestamp);
        const table = new TableOperator(t.name, t.primaryKey, values, this.#options.maxTableRows, (n) => (this.#stats.runsDropped += n), () => this.#memory.admit());
        const time = t.timestamp === undefined ? undefined : columnReader(t.timestamp);
        streams.push(t.name);
        return () => {
          this.#streams.set(t.name, { kind: 'table', validate, timestamp: t.timestamp, time, deployment, options: t.options });
          this.#tables.set(t.name, table);
          this.#route(table);
        };
      }
      case 'query': {
        const q = statement.query;
        const runtime: { outputs: number; destination: Destination | undefined } = { outputs: 0, destination: undefined };
        const rank = this.#nextRank++;
        const memory = this.#memory;
        const ctx: OperatorContext = {
          emit: (data, time) => this.#emit(q, runtime, data, time),
          scheduleAfter: (time) => this.#clock.schedule(operator, time, rank),
          scheduleAt: (time) => this.#clock.schedule(operator, time, rank, true),
          dropped: (n) => (this.#stats.runsDropped += n),
          admit: () => memory.admit(),
        };
        const operator = compileQuery(q, ctx, this.#services, this.#options);
        queries.push(q.output);
        return () => {
          const entry: QueryRuntime = Object.assign(runtime, { query: q, operator, deployment });
          this.#queries.set(q.output, entry);
          this.#streams.set(q.output, { kind: 'derived', validate: undefined, timestamp: undefined, time: undefined, deployment, options: q.options });
          this.#route(operator);
        };
      }
      case 'drop':
        return () => this.#drop(statement.name);
      case 'explain':
        return undefined;
    }
  }

  #route(operator: Operator): void {
    for (const input of operator.inputs) {
      const list = this.#routes.get(input) ?? [];
      list.push(operator);
      this.#routes.set(input, list);
      this.#fanouts.delete(input);
      this.#routesVersion++;
    }
  }

  #unroute(operator: Operator): void {
    for (const input of operator.inputs) {
      const list = (this.#routes.get(input) ?? []).filter((o) => o !== operator);
      if (list.length > 0) this.#routes.set(input, list);
      else this.#routes.delete(input);
      this.#fanouts.delete(input);
      this.#routesVersion++;
    }
  }

  #drop(name: string): void {
    const query = this.#queries.get(name);
    if (query) {
      this.#unroute(query.operator);
      this.#clock.cancelTimers(query.operator);
      this.#queries.delete(name);
    }
    const table = this.#tables.get(name);
    if (table) {
      this.#unroute(table);
      this.#tables.delete(name);
    }
    // Events of a source stream or table waiting for the watermark go with it: a stream created
    // again under its name must not receive them.
    if (this.#streams.get(name)?.validate !== undefined) this.#clock.discardEvents(name);
    this.#streams.delete(name);
  }

  /**
   * Removes a deployment: its queries stop and its streams and tables are dropped. Refused, with
   * the reason, while a query of another deployment reads one of them.
   */
  undeploy(deployment: Deployment | number): { ok: true } | { ok: false; reason: string } {
    const id = typeof deployment === 'number' ? deployment : deployment.id;
    const d = this.#deployments.get(id);
    if (!d) return { ok: false, reason: `no deployment ${id}` };
    // What the deployment still owns: a later deployment may have dropped a name and made it again.
    const owned = (name: string) => this.#streams.get(name)?.deployment === id;
    const queries = d.queries.filter(owned);
    const streams = d.streams.filter(owned);
    const names = new Set([...streams, ...queries]);
    for (const [name, q] of this.#queries) {
      if (q.deployment === id) continue;
      const read = q.query.reads.find((r) => names.has(r));
      if (read) return { ok: false, reason: `'${name}' (another deployment) reads '${read}'` };
    }
    const catalog = this.#catalog.clone();
    for (const name of [...queries].reverse()) {
      this.#drop(name);
      catalog.remove(name);
    }
    for (const name of streams) {
      this.#drop(name);
      catalog.remove(name);
    }
    this.#catalog = catalog;
    this.#deployments.delete(id);
    this.#sources.delete(id);
    return { ok: true };
  }

  // ---------------------------------------------------------------------------------- input

  /**
   * Pushes one event into a source stream or table. Never throws: bad events are rejected.
   * `origin` says where the event came from (`topic t, partition p, offset o`): a rejection's
   * reason carries it. It may be an object whose `toString()` says it, made text only when an
   * event is rejected (a Kafka message is one). `input` names the input it arrived on (a Kafka partition): the watermark
   * is then the least, over the named inputs that are not idle, of the largest event time each
   * has sent (LANGUAGE.md section 3), so one input's backlog does not make another's events late.
   */
  push(stream: string, event: unknown, origin?: string | Origin, input?: string): void {
    if (this.#depth > 0) {
      // From a subscriber or a function while an event or timer is being processed: it waits
      // until that is done, so that events stay in time order (section 3).
      this.#deferred.push({ stream, event, origin, input });
      return;
    }
    this.#accept(stream, event, origin, input);
    if (this.#deferred.length > 0) this.#settle();
  }

  #accept(stream: string, event: unknown, origin: string | Origin | undefined, input: string | undefined): void {
    this.#stats.eventsIn++;
    const target = this.#streams.get(stream);
    if (!target || !target.validate) {
      const reason = !target ? `unknown stream '${stream}'` : `'${stream}' is ${target.kind === 'derived' ? "a query's output" : 'a system stream'}: events cannot be pushed to it`;
      this.#reject(stream, origin === undefined ? reason : `${reason} (${origin})`, event, undefined);
      return;
    }
    let row: Row | string;
    try {
      row = target.validate(event);
    } catch (error) {
      // Only an object built in code can throw here (a getter, a proxy): JSON never does.
      row = `the event could not be read: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (typeof row === 'string') {
      this.#reject(stream, origin === undefined ? row : `${row} (${origin})`, event, undefined);
      return;
    }
    if (target.time === undefined && target.kind === 'table') {
      // A table without a timestamp column: its rows happen at the latest event time seen.
      this.#clock.acceptUntimed(stream, row, input);
      return;
    }
    // A stream without a timestamp column is stamped with its arrival (processing) time.
    const time = target.time !== undefined ? (target.time(row) as number) : Math.max(Date.now(), this.#clock.watermark);
    if (this.#clock.isLate(time)) {
      this.#stats.late++;
      // Section 3: the reason is `late`, whatever the input (queries select on it).
      this.#reject(stream, 'late', event, time);
      return;
    }
    this.#clock.accept(stream, row, time, input);
  }

  /**
   * Rejects what an input could not even read as an event (a line or a message that is no JSON):
   * counted and published on `_rejected` with `reason`, as the engine's own rejections are.
   */
  reject(stream: string, reason: string, event: unknown): void {
    this.#stats.eventsIn++;
    this.#reject(stream, reason, event, undefined);
    if (this.#deferred.length > 0) this.#settle();
  }

  /**
   * Announces a named input before its first event, or again (an idle input is then active): it
   * holds the watermark until it sends or goes idle.
   */
  addInput(input: string): void {
    this.#clock.addInput(input);
  }

  /** A named input has sent nothing for a while: it stops holding the watermark back until it does. */
  inputIdle(input: string): void {
    this.#clock.idle(input);
    this.#settle();
  }

  /** A named input is gone (a partition revoked or finished): it no longer holds the watermark back. */
  removeInput(input: string): void {
    this.#clock.removeInput(input);
    this.#settle();
  }

  /**
   * A named input has sent events up to `time` elsewhere (to another engine: a partition's
   * replica): it counts for the watermark as if it had sent them here.
   */
  advanceInput(input: string, time: number): void {
    this.#clock.advance(input, time);
    this.#settle();
  }

  /** Pushes what subscribers pushed while events were being processed, in the order they did. */
  #settle(): void {
    const deferred = this.#deferred;
    if (this.#depth > 0 || deferred.length === 0) return;
    for (let i = 0; i < deferred.length; i++) {
      const d = deferred[i]!;
      this.#accept(d.stream, d.event, d.origin, d.input);
    }
    deferred.length = 0;
  }

  /** Events accepted and waiting for the watermark (as `stats().waiting`, without the rest of stats). */
  waiting(): number {
    return this.#clock.waiting;
  }

  /** The largest event time a named input has sent, or undefined for an input the clock does not know. */
  inputTime(input: string): number | undefined {
    return this.#clock.inputTime(input);
  }

  /** The named inputs of the clock. */
  inputs(): string[] {
    return this.#clock.inputNames();
  }

  /**
   * The event time `event` would have on `stream`, or undefined when it would be rejected or
   * the stream has no timestamp column (for merging inputs by event time before pushing).
   */
  eventTime(stream: string, event: unknown): number | undefined {
    const target = this.#streams.get(stream);
    const row = target?.validate?.(event);
    return row === undefined || typeof row === 'string' || target?.time === undefined ? undefined : (target.time(row) as number);
  }

  /**
   * The connector options of every source stream or table and every query output that has
   * any (`WITH (source = 'kafka', topic = …)`, `WITH (sink = 'kafka', topic = …)`), for the
   * connectors that feed and drain the engine.
   */
  connectorOptions(): { readonly stream: string; readonly role: 'source' | 'sink'; readonly options: Readonly<Record<string, string | number | boolean>> }[] {
    const out: { stream: string; role: 'source' | 'sink'; options: Readonly<Record<string, string | number | boolean>> }[] = [];
    for (const [stream, s] of this.#streams) {
      if (Object.keys(s.options).length === 0) continue;
      out.push({ stream, role: s.kind === 'derived' ? 'sink' : 'source', options: s.options });
    }
    return out;
  }

  /** The deployed queries, in deployment order. */
  queries(): QueryInfo[] {
    return [...this.#queries].map(([name, q]) => ({
      name,
      kind: q.query.kind,
      deployment: q.deployment,
      text: q.query.text,
      reads: q.query.reads,
      outputs: q.outputs,
      state: q.operator.stateSize(),
      ...withKeys(keysOf(q.query)),
    }));
  }

  /** Whether a stream or table of that name exists (source, derived or system). */
  hasStream(name: string): boolean {
    return this.#streams.has(name);
  }

  /** The output streams of deployed queries, in deployment order. */
  outputStreams(): string[] {
    return [...this.#queries.keys()];
  }

  /** Pushes several events into one stream, in order. */
  pushBatch(stream: string, events: readonly unknown[]): void {
    for (const event of events) this.push(stream, event);
  }

  /** The end of input: the watermark goes to +∞, every pending timer fires, iterators end. */
  end(): void {
    this.#clock.end();
    // Pushed by subscribers during the last timers: after the end of input, they are late.
    this.#settle();
    this.#subscriptions.closeIterators();
  }

  // ----------------------------------------------------------------------------- checkpoints

  /**
   * The engine's state as bytes: every query's partial matches, windows and join buffers, the
   * tables' rows, events waiting for the watermark, pending timers and the clock's inputs. An
   * engine with the same deployments takes it back with `restore` and goes on exactly as this
   * one would have (the Kafka connector checkpoints each partition's engine this way). Counters
   * (`stats`) are not state: they count what this process did. Not callable from a subscriber,
   * in the middle of processing an event.
   */
  snapshot(): Uint8Array {
    if (this.#depth > 0) throw new SnapshotError('a snapshot cannot be taken while an event is being processed (from a subscriber)');
    const externals = new Map<object, string>();
    for (const [name, q] of this.#queries) externals.set(q.operator, `query ${name}`);
    for (const [name, t] of this.#tables) externals.set(t, `table ${name}`);
    const state: EngineState = {
      deployed: this.#fingerprint(),
      seq: this.#sequence.last,
      clock: this.#clock.save(),
      queries: [...this.#queries].map(([name, q]) => [name, q.operator.saveState?.()]),
      tables: [...this.#tables].map(([name, t]) => [name, t.saveState()]),
    };
    return encodeState(state, externals);
  }

  /**
   * Takes back a `snapshot` of an engine with the same deployments, before any event. Throws a
   * SnapshotError, changing nothing, when the bytes are not such a snapshot — also when they
   * decode and name these deployments but an operator cannot load its part (corrupt bytes that
   * happen to decode): the engine is then put back as it was, empty.
   */
  restore(bytes: Uint8Array): void {
    if (this.#sequence.last > 0 || this.#stats.eventsIn > 0) throw new SnapshotError('a snapshot can only be restored into an engine that has seen no event');
    const state = this.#decode(bytes);
    const deployed = this.#fingerprint();
    if (state?.deployed !== deployed) {
      const have = new Set(deployed.split('\n'));
      const differ = String(state?.deployed ?? '').split('\n').find((line) => !have.has(line));
      throw new SnapshotError(`the snapshot is of other deployments than this engine's${differ ? ` (it has: ${differ.slice(0, 200)})` : ''}`);
    }
    // The state of this engine as it is (no event seen: nothing but empty operators), to go back to.
    const empty = this.snapshot();
    try {
      this.#load(state);
    } catch (error) {
      this.#load(this.#decode(empty));
      throw new SnapshotError(`the snapshot could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #decode(bytes: Uint8Array): EngineState {
    const externals = new Map<string, object>();
    for (const [name, q] of this.#queries) externals.set(`query ${name}`, q.operator);
    for (const [name, t] of this.#tables) externals.set(`table ${name}`, t);
    return decodeState(bytes, externals) as EngineState;
  }

  #load(state: EngineState): void {
    this.#sequence.last = state.seq;
    this.#clock.load(state.clock);
    for (const [name, saved] of state.queries) if (saved !== undefined) this.#queries.get(name)!.operator.loadState?.(saved);
    for (const [name, saved] of state.tables) this.#tables.get(name)!.loadState(saved);
  }

  /** What a snapshot must match: the streams, tables and queries deployed, with their text and order. */
  #fingerprint(): string {
    const lines: string[] = [];
    for (const [name, s] of this.#streams) if (s.kind === 'stream' || s.kind === 'table') lines.push(`${s.kind} ${name} ${JSON.stringify(this.#catalog.get(name) ?? null)}`);
    for (const [name, q] of this.#queries) lines.push(`query ${name} ${q.query.text.replace(/\s+/g, ' ')}`);
    return lines.join('\n');
  }

  // --------------------------------------------------------------------------------- output

  /** Calls `subscriber` with every event of `stream` (a source, a query's output, `_rejected`). */
  subscribe(stream: string, subscriber: Subscriber): () => void {
    return this.#subscriptions.add(stream, subscriber);
  }

  /** The events of `stream` as an async iterator; it ends at `end()`. */
  events(stream: string): AsyncIterableIterator<OutputEvent> {
    return this.#subscriptions.iterate(stream);
  }

  stats(): EngineStats {
    const perQuery: Record<string, { outputs: number; state: number }> = {};
    let runsAlive = 0;
    for (const [name, q] of this.#queries) {
      const state = q.operator.stateSize();
      perQuery[name] = { outputs: q.outputs, state };
      if (q.query.kind === 'pattern') runsAlive += state;
    }
    return { ...this.#stats, runsDropped: this.#stats.runsDropped + this.#memory.refused, memoryDrops: this.#memory.refused, memoryFull: this.#memory.full(), runsAlive, watermark: this.#clock.watermark, waiting: this.#clock.waiting, perQuery };
  }

  /** The streams and tables the engine knows, with their schemas. */
  catalog(): Catalog {
    return this.#catalog.clone();
  }

  /**
   * Delivers an output computed elsewhere — by a replica of this engine (a Kafka partition's) —
   * to this engine's subscribers, and counts it for its query, as if this engine had emitted it.
   * Readers of the stream here do not process it: the replica's did.
   */
  relay(event: OutputEvent): void {
    const query = this.#queries.get(event.stream);
    if (query) {
      query.outputs++;
      this.#stats.outputs++;
      if (query.query.kind === 'pattern') this.#stats.matches++;
    } else if (event.stream === '_rejected') this.#stats.rejected++;
    const { subscribers } = this.#destination(event.stream);
    if (subscribers !== undefined) this.#subscriptions.deliver(event, subscribers);
  }

  /** Changes whenever a route or a subscription does (both counters only grow). */
  #version(): number {
    return this.#routesVersion + this.#subscriptions.version;
  }

  /** Where `stream`'s events go now; `cached` is returned while routes and subscriptions are as they were. */
  #destination(stream: string, cached: Destination | undefined = this.#destinations.get(stream)): Destination {
    const version = this.#version();
    if (cached !== undefined && cached.version === version) return cached;
    let fanout = this.#fanouts.get(stream);
    if (!fanout) {
      const operators = this.#routes.get(stream);
      if (operators) this.#fanouts.set(stream, (fanout = new Fanout(stream, operators, this.#sequence)));
    }
    const destination: Destination = { version, subscribers: this.#subscriptions.subscribers(stream), fanout };
    this.#destinations.set(stream, destination);
    return destination;
  }

  // ------------------------------------------------------------------------------ processing

  #process(stream: string, row: Row, time: number, destination: Destination = this.#destination(stream)): void {
    const seq = ++this.#sequence.last;
    // One event object per nesting depth (a derived stream's events are processed inside their
    // producer's): operators read it during onEvent and never keep it.
    const depth = this.#depth++;
    try {
      const subscribers = destination.subscribers;
      let fanout = destination.fanout;
      if (subscribers !== undefined) {
        this.#subscriptions.deliver({ stream, time, data: row }, subscribers);
        // A subscriber may have deployed or undeployed a reader of the stream: this event goes
        // to the readers there are now.
        if (destination.version !== this.#version()) fanout = this.#destination(stream).fanout;
      }
      if (!fanout) return;
      const event = (this.#events[depth] ??= { stream, row, time, seq });
      event.stream = stream;
      event.row = row;
      event.time = time;
      event.seq = seq;
      fanout.deliver(event);
    } finally {
      this.#depth--;
    }
  }

  #emit(query: BoundQuery, runtime: { outputs: number; destination: Destination | undefined }, data: Record<string, unknown>, time: number): void {
    runtime.outputs++;
    this.#stats.outputs++;
    if (query.kind === 'pattern') this.#stats.matches++;
    // A derived stream's events go to its readers at once, before the next input event.
    const destination = (runtime.destination = this.#destination(query.output, runtime.destination));
    this.#process(query.output, data, time, destination);
  }

  /** Pieces of state held by every query and table (for the memory guard). */
  #stateSize(): number {
    let size = 0;
    for (const q of this.#queries.values()) size += q.operator.stateSize();
    for (const t of this.#tables.values()) size += t.stateSize();
    return size;
  }

  #reject(stream: string, reason: string, event: unknown, time: number | undefined): void {
    this.#stats.rejected++;
    // At the watermark: a late event's own time is before it, and the events of a stream that
    // queries read are never late (section 3): a window over _rejected must not reopen.
    const wm = this.#clock.watermark;
    const at = Number.isFinite(wm) ? Math.max(0, wm) : (time ?? 0);
    this.#process('_rejected', { stream, reason, event: event === undefined ? null : shownEvent(event) }, at);
  }
}

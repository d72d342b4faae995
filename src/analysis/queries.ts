/**
 * Continuous queries (LANGUAGE.md sections 5, 7 and 8): filters and projections, windowed and
 * grouped aggregation, stream-stream and stream-table joins; patterns are in patterns.ts.
 * Each produces a BoundQuery whose output stream is added to the catalogue.
 */
import type * as A from '../lang/ast.js';
import { didYouMean } from '../lang/diagnostics.js';
import { closestMatch } from '../util/edit-distance.js';
import { report, type AnalysisContext } from './context.js';
import { bindProjections, finish, rejectClauses, resolveSource, type QueryTarget } from './query-common.js';
import type { AggregateCall, AggregateQuery, BoundExpr, BoundQuery, BoundWindow, FilterQuery, JoinQuery, Projection } from './bound.js';
import { boundChildren, conjuncts, walkBound } from './bound-walk.js';
import type { CatalogEntry } from './catalog.js';
import { durationMillis, isEventCount } from './durations.js';
import { bindCondition, bindExpr, canonical, forEachChild, type AggregateMode, type BindContext } from './expressions.js';
import { AGGREGATES } from './functions.js';
import { analyzePattern } from './patterns.js';
import type { Scope, ScopeRow } from './scope.js';

export function analyzeQuery(ctx: AnalysisContext, q: A.Query, target: QueryTarget): BoundQuery | undefined {
  for (const m of q.misplaced) report(ctx, 'duplicateClause', m.span, `${m.clause}: each clause may appear once`);
  const from = q.from;
  const read = from.kind === 'FromPattern' ? from.elements.flatMap(elementStreams) : [from.source.name, ...from.joins.map((j) => j.right.name)];
  // A query may not read its own output: that would be a cycle (section 5).
  const self = read.find((n) => n.text === target.output);
  if (self && target.outputName) {
    report(ctx, 'cycle', self.span, `stream '${target.output}' cannot read itself: derived streams may not form cycles`);
    keepName(ctx, target, read);
    return undefined;
  }
  // An event runs through a chain of derived streams at once, one level inside the other.
  // (A stream whose own query had an error reports nothing more.)
  const deep = read.find((n) => ctx.catalog.get(n.text)?.incomplete !== true && derivationDepth(ctx, n.text) >= MAX_DERIVATION_DEPTH);
  if (deep && target.outputName) {
    report(ctx, 'derivationTooDeep', deep.span, `stream '${deep.text}' is already ${MAX_DERIVATION_DEPTH} queries away from a source stream: a derived stream may be at most ${MAX_DERIVATION_DEPTH} away`, 'read an earlier stream of the chain');
    keepName(ctx, target, read);
    return undefined;
  }
  const errors = ctx.diagnostics.length;
  let bound: BoundQuery | undefined;
  if (from.kind === 'FromPattern') bound = analyzePattern(ctx, q, from, target);
  else if (from.joins.length > 0) bound = analyzeJoin(ctx, q, from, target);
  else if (isAggregating(q)) bound = analyzeAggregate(ctx, q, from.source, target);
  else bound = analyzeFilter(ctx, q, from.source, target);
  if (!bound) keepName(ctx, target, read);
  else if (columnsUncertain(ctx, q, read, errors)) markUncertain(ctx, target);
  return bound;
}

/**
 * Whether the columns of a query's output may not be the ones meant: its SELECT list had an
 * error (a misspelt column, an unknown alias in `t.*`), or it selects `*` of a stream whose own
 * columns are uncertain.
 */
function columnsUncertain(ctx: AnalysisContext, q: A.Query, read: readonly A.Name[], errorsBefore: number): boolean {
  const first = q.items[0];
  const last = q.items[q.items.length - 1];
  if (first && last && ctx.diagnostics.slice(errorsBefore).some((d) => d.span.start >= first.span.start && d.span.start < last.span.end)) return true;
  return q.items.some((i) => i.kind === 'StarItem') && read.some((n) => ctx.catalog.get(n.text)?.schema.uncertain === true);
}

/**
 * A derived stream whose columns may not be the ones meant (columnsUncertain): the statements
 * reading it are still checked, but a column not found in it is not reported (Schema.uncertain).
 */
function markUncertain(ctx: AnalysisContext, target: QueryTarget): void {
  const entry = target.register ? ctx.catalog.get(target.output) : undefined;
  if (entry?.derived) ctx.catalog.add({ ...entry, schema: { ...entry.schema, uncertain: true } });
}

/** How many queries a derived stream may be away from the source streams it comes from. */
export const MAX_DERIVATION_DEPTH = 100;

/**
 * How many queries `name` is away from a source stream: 0 for a source, else 1 + the most of
 * the streams its query reads; more than MAX_DERIVATION_DEPTH is not looked into further.
 */
function derivationDepth(ctx: AnalysisContext, name: string, memo = new Map<string, number>(), budget = MAX_DERIVATION_DEPTH + 1): number {
  const known = memo.get(name);
  if (known !== undefined) return known;
  const entry = ctx.catalog.get(name);
  let depth = 0;
  if (entry?.derived) {
    if (budget === 0) return MAX_DERIVATION_DEPTH + 1;
    for (const r of entry.reads) depth = Math.max(depth, 1 + derivationDepth(ctx, r, memo, budget - 1));
  }
  memo.set(name, depth);
  return depth;
}

/**
 * A derived stream whose query has an error still defines its name, as incomplete: reading it
 * reports nothing more, and dropping a stream it reads is still refused (section 9: every error
 * is reported, none cascades).
 */
function keepName(ctx: AnalysisContext, target: QueryTarget, read: readonly A.Name[]): void {
  if (!target.register || ctx.catalog.has(target.output)) return;
  const reads = [...new Set(read.map((n) => n.text).filter((n) => ctx.catalog.has(n)))];
  ctx.catalog.add({ name: target.output, kind: 'stream', schema: { columns: [] }, derived: true, reads, timestamp: undefined, primaryKey: undefined, system: false, incomplete: true });
}

function elementStreams(e: A.PatternElement): A.Name[] {
  if (e.kind === 'GroupElement') return e.branches.flat().flatMap(elementStreams);
  return [e.atom.stream];
}

function singleScope(entry: CatalogEntry, ref: A.StreamRef): Scope {
  const name = ref.alias?.text ?? ref.name.text;
  return {
    rows: [{ names: [name], schema: entry.schema, ref: { kind: 'input' }, bare: true }],
    kleene: [],
    description: `in '${entry.name}'`,
  };
}

function bindContext(ctx: AnalysisContext, scope: Scope, aggregates: AggregateMode, windowBounds = false): BindContext {
  return { ...ctx, scope, aggregates, windowBounds };
}

function starOf(ctx: AnalysisContext, scope: Scope, item: A.StarItem): Projection[] {
  const rows = item.qualifier ? scope.rows.filter((r) => r.names.includes(item.qualifier!.text)) : scope.rows;
  if (item.qualifier && rows.length === 0) {
    const hint = didYouMean(closestMatch(item.qualifier.text, scope.rows.flatMap((r) => r.names)));
    report(ctx, 'unknownAlias', item.qualifier.span, `unknown alias '${item.qualifier.text}'`, hint);
    return [];
  }
  const all = rows.flatMap((row) => row.schema.columns.map((c) => ({ row, c })));
  const counts = new Map<string, number>();
  for (const { c } of all) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  return all.map(({ row, c }) => ({
    // In `*` over a join, a name both sides have is prefixed with its alias (as ksqlDB does).
    name: (counts.get(c.name) ?? 0) > 1 ? `${row.names[0]}_${c.name}` : c.name,
    expr: { kind: 'column', type: c.type, row: row.ref, column: c.name, span: item.span },
    span: item.span,
  }));
}

// ----------------------------------------------------------------------------------- filters

function readableStream(ctx: AnalysisContext, ref: A.StreamRef, role: string): CatalogEntry | undefined {
  const entry = resolveSource(ctx, ref.name);
  if (!entry) return undefined;
  if (entry.kind === 'table') {
    report(ctx, 'invalidTable', ref.name.span, `'${entry.name}' is a table: ${role}`, `join it to a stream (FROM s JOIN ${entry.name} t ON …) or read it with LOOKUP(${entry.name}, key)`);
    return undefined;
  }
  return entry;
}

function analyzeFilter(ctx: AnalysisContext, q: A.Query, ref: A.StreamRef, target: QueryTarget): FilterQuery | undefined {
  rejectClauses(ctx, q, 'a query without a pattern', ['partitionBy', 'within', 'strategy', 'skipPastLastEvent']);
  rejectClauses(ctx, q, 'a query without a window or GROUP BY', ['emit']);
  const entry = readableStream(ctx, ref, 'a table cannot be read in FROM on its own');
  if (!entry) return undefined;
  const scope = singleScope(entry, ref);
  const where = q.where && bindCondition(bindContext(ctx, scope, { kind: 'forbidden', clause: 'WHERE' }), q.where, 'WHERE');
  const projections = bindProjections(
    ctx,
    q.items,
    (e) => bindExpr(bindContext(ctx, scope, { kind: 'forbidden', clause: 'a query without GROUP BY or WINDOW' }), e),
    (item) => starOf(ctx, scope, item),
  );
  return { kind: 'filter', input: entry.name, where, ...finish(ctx, target, projections, [entry.name], [where]) };
}

// ------------------------------------------------------------------------------- aggregation

function containsAggregate(e: A.Expr): boolean {
  if (e.kind === 'FunctionCall' && (AGGREGATES as readonly string[]).includes(e.name.text.toUpperCase())) return true;
  let found = false;
  forEachChild(e, (c) => {
    found ||= containsAggregate(c);
  });
  return found;
}

/** The aggregate calls of an expression, in the order they are written. */
function aggregateCalls(e: A.Expr): A.FunctionCall[] {
  if (e.kind === 'FunctionCall' && (AGGREGATES as readonly string[]).includes(e.name.text.toUpperCase())) return [e];
  const calls: A.FunctionCall[] = [];
  forEachChild(e, (c) => calls.push(...aggregateCalls(c)));
  return calls;
}

function isAggregating(q: A.Query): boolean {
  return (
    q.window !== undefined ||
    q.groupBy.length > 0 ||
    q.having !== undefined ||
    q.items.some((i) => i.kind === 'ExprItem' && containsAggregate(i.expr))
  );
}

function bindWindow(ctx: AnalysisContext, w: A.WindowSpec): BoundWindow | undefined {
  const time = (d: A.Duration | undefined, what: string): number | undefined => {
    if (!d) {
      report(ctx, 'invalidWindow', w.span, `${what} is missing`);
      return undefined;
    }
    const ms = durationMillis(ctx, d, true);
    if (ms !== undefined && ms <= 0) {
      report(ctx, 'invalidWindow', d.span, `${what} must be positive`);
      return undefined;
    }
    return ms;
  };
  const count = (d: A.Duration): number | undefined => {
    if (!Number.isSafeInteger(d.amount) || d.amount < 1) {
      report(ctx, 'invalidWindow', d.span, 'a count window holds a positive whole number of events');
      return undefined;
    }
    return d.amount;
  };
  if (w.kind === 'SessionWindow') {
    if (w.gap && isEventCount(w.gap)) {
      report(ctx, 'invalidWindow', w.gap.span, 'a SESSION window is separated by a gap of time, not a count of events');
      return undefined;
    }
    const gap = time(w.gap, 'the SESSION gap');
    return gap === undefined ? undefined : { kind: 'session', gap };
  }
  const kind = w.windowType;
  if (w.advance && kind !== 'HOPPING') {
    report(ctx, 'invalidWindow', w.advance.span, `ADVANCE BY belongs to HOPPING windows, not ${kind}`);
  }
  if (w.size && isEventCount(w.size)) {
    if (kind === 'HOPPING') {
      report(ctx, 'invalidWindow', w.size.span, 'HOPPING windows are measured in time; count windows are TUMBLING or SLIDING');
      return undefined;
    }
    const n = count(w.size);
    if (n === undefined) return undefined;
    return kind === 'TUMBLING' ? { kind: 'tumblingCount', size: n } : { kind: 'slidingCount', size: n };
  }
  const size = time(w.size, `the SIZE of the ${kind} window`);
  if (kind === 'HOPPING') {
    if (!w.advance) {
      report(ctx, 'invalidWindow', w.span, 'a HOPPING window needs ADVANCE BY', 'WINDOW HOPPING (SIZE 5 MINUTES, ADVANCE BY 1 MINUTE)');
      return undefined;
    }
    if (isEventCount(w.advance)) {
      report(ctx, 'invalidWindow', w.advance.span, 'ADVANCE BY is a time');
      return undefined;
    }
    const advance = time(w.advance, 'ADVANCE BY');
    if (size === undefined || advance === undefined) return undefined;
    if (advance > size) {
      report(ctx, 'invalidWindow', w.advance.span, 'ADVANCE BY is larger than SIZE: events between windows would be lost', 'use an advance no larger than the size');
      return undefined;
    }
    if (size / advance > MAX_HOPPING_WINDOWS) {
      report(
        ctx,
        'invalidWindow',
        w.advance.span,
        `a HOPPING window of SIZE / ADVANCE BY = ${Math.ceil(size / advance).toLocaleString('en-US')} puts every event in that many windows, each one an output row; at most ${MAX_HOPPING_WINDOWS.toLocaleString('en-US')} are allowed`,
        'use a larger ADVANCE BY, or a SLIDING window (one row per event)',
      );
      return undefined;
    }
    return { kind: 'hopping', size, advance };
  }
  if (size === undefined) return undefined;
  return kind === 'TUMBLING' ? { kind: 'tumbling', size } : { kind: 'sliding', size };
}

/**
 * The most windows a HOPPING window may put each event in (SIZE / ADVANCE BY): `SIZE 1 DAY,
 * ADVANCE BY 1 SECOND` (86,400) is allowed; `ADVANCE BY 1 MILLISECOND` would make 86,400,000
 * output rows of a single event, and is refused at deployment rather than exhaust memory.
 */
export const MAX_HOPPING_WINDOWS = 100_000;

/** The number of nodes in a bound expression. */
function sizeOf(e: BoundExpr): number {
  let n = 0;
  walkBound(e, () => n++);
  return n;
}

/**
 * Replaces grouped expressions by group-key references, outermost first (`UPPER(k)` selected
 * under `GROUP BY UPPER(k)` is the key, though `k` alone is not grouped); reports the columns
 * left outside every grouped expression and aggregate — unless a key could not be bound (`keys`
 * is then not what was meant, and its error is the one to report).
 */
function groupify(ctx: AnalysisContext, root: BoundExpr, keys: readonly BoundExpr[] | undefined, where: string): BoundExpr {
  if (keys === undefined) return root;
  const canonicalKeys = keys.map(canonical);
  const sizes = new Set(keys.map(sizeOf));
  // Only a subtree as large as some key can equal it, so most nodes are never serialised and
  // the cost stays linear in the expression's size.
  const size = new Map<BoundExpr, number>();
  const measure = (e: BoundExpr): number => {
    const n = e.kind === 'aggregateRef' || e.kind === 'windowBound' || e.kind === 'literal' ? sizeOf(e) : boundChildren(e).reduce((sum, c) => sum + measure(c), 1);
    size.set(e, n);
    return n;
  };
  measure(root);
  const visit = (e: BoundExpr): BoundExpr => {
    if (e.kind === 'aggregateRef' || e.kind === 'windowBound' || e.kind === 'literal') return e;
    if (sizes.has(size.get(e)!)) {
      const index = canonicalKeys.indexOf(canonical(e));
      if (index >= 0) return { kind: 'groupKeyRef', type: e.type, index, span: e.span };
    }
    if (e.kind === 'column') {
      report(ctx, 'notGrouped', e.span, `column '${e.column}' in ${where} is neither in GROUP BY nor inside an aggregate`, keys.length === 0 ? 'aggregate it (LAST(x), MAX(x), …) or GROUP BY it' : 'add it to GROUP BY, or aggregate it');
      return e;
    }
    const children = boundChildren(e);
    return children.length === 0 ? e : replaceChildren(e, children.map(visit));
  };
  return visit(root);
}

/** A copy of `e` with new children, in boundChildren's order. */
function replaceChildren(e: BoundExpr, c: BoundExpr[]): BoundExpr {
  switch (e.kind) {
    case 'field':
      return { ...e, base: c[0]! };
    case 'unary':
    case 'isNull':
    case 'cast':
      return { ...e, operand: c[0]! } as BoundExpr;
    case 'binary':
      return { ...e, left: c[0]!, right: c[1]! };
    case 'in':
      return { ...e, operand: c[0]!, list: c.slice(1) };
    case 'between':
      return { ...e, operand: c[0]!, low: c[1]!, high: c[2]! };
    case 'like':
      return { ...e, operand: c[0]!, pattern: c[1]! };
    case 'case': {
      const whens = e.whens.map((_, i) => ({ when: c[2 * i]!, then: c[2 * i + 1]! }));
      return { ...e, whens, otherwise: e.otherwise ? c[c.length - 1] : undefined };
    }
    case 'call':
      return { ...e, args: c };
    case 'lookup':
      return { ...e, key: c[0]! };
    case 'kleeneAggregate':
      return { ...e, arg: c[0] };
    default:
      return e;
  }
}

function analyzeAggregate(ctx: AnalysisContext, q: A.Query, ref: A.StreamRef, target: QueryTarget): AggregateQuery | undefined {
  rejectClauses(ctx, q, 'an aggregation', ['partitionBy', 'within', 'strategy', 'skipPastLastEvent']);
  const entry = readableStream(ctx, ref, 'a table cannot be aggregated on its own');
  if (!entry) return undefined;
  const scope = singleScope(entry, ref);
  const window = q.window && bindWindow(ctx, q.window);
  const where = q.where && bindCondition(bindContext(ctx, scope, { kind: 'forbidden', clause: 'WHERE' }), q.where, 'WHERE');
  if (q.where && containsAggregate(q.where)) {
    // bindCondition has reported it; say where aggregates go.
  }
  for (const g of q.groupBy) {
    // PostgreSQL reads `GROUP BY 1` as the first output column, standard SQL as the constant:
    // rather than guess (and put every row in one group), it is refused.
    if (g.kind === 'Literal' && g.literalType === 'NUMBER' && !g.fractional) {
      report(ctx, 'notSupportedYet', g.span, 'GROUP BY a position (GROUP BY 1) is not supported', 'name the column or expression to group by');
    }
  }
  const errors = ctx.diagnostics.length;
  const groupBy = q.groupBy.map((g) => bindExpr(bindContext(ctx, scope, { kind: 'forbidden', clause: 'GROUP BY' }), g));
  const keys = ctx.diagnostics.length > errors ? undefined : groupBy;
  const calls: AggregateCall[] = [];
  const windowed = q.window !== undefined;
  const collect = bindContext(ctx, scope, { kind: 'collect', calls }, windowed);
  const projections = bindProjections(
    ctx,
    q.items,
    (e) => groupify(ctx, bindExpr(collect, e), keys, 'the SELECT list'),
    (item) => {
      report(ctx, 'notGrouped', item.span, 'SELECT * cannot be used in an aggregation', 'list the GROUP BY columns and the aggregates');
      return [];
    },
  );
  const having = q.having && groupify(ctx, bindCondition(collect, q.having, 'HAVING'), keys, 'HAVING');

  let emit: 'FINAL' | 'CHANGES';
  const closes = window !== undefined && window.kind !== 'sliding' && window.kind !== 'slidingCount';
  if (q.emit) {
    emit = q.emit.mode;
    if (emit === 'FINAL' && !closes && (window !== undefined || !windowed)) {
      report(ctx, 'clauseNotAllowed', q.emit.span, `EMIT FINAL needs a window that closes (TUMBLING, HOPPING or SESSION); ${window ? 'a sliding window' : 'GROUP BY without a window'} emits changes`);
    }
    if (emit === 'CHANGES' && window?.kind === 'tumblingCount') {
      report(ctx, 'clauseNotAllowed', q.emit.span, 'a count-based TUMBLING window emits only when it is full: EMIT CHANGES does not apply');
    }
  } else {
    emit = closes ? 'FINAL' : 'CHANGES';
  }
  const reads = [entry.name];
  const extra = [where, having, ...groupBy, ...calls.map((c) => c.arg)];
  return { kind: 'aggregate', input: entry.name, where, window, groupBy, aggregates: calls, having, emit, ...finish(ctx, target, projections, reads, extra) };
}

// ------------------------------------------------------------------------------------- joins

function analyzeJoin(ctx: AnalysisContext, q: A.Query, from: A.FromStreams, target: QueryTarget): JoinQuery | undefined {
  rejectClauses(ctx, q, 'a join', ['partitionBy', 'within', 'strategy', 'skipPastLastEvent', 'emit']);
  if (q.window || q.groupBy.length > 0 || q.having || q.items.some((i) => i.kind === 'ExprItem' && containsAggregate(i.expr))) {
    const firstAggregate = q.items.flatMap((i) => (i.kind === 'ExprItem' ? aggregateCalls(i.expr) : []))[0];
    const at = q.clauses.window ?? q.clauses.groupBy ?? q.clauses.having ?? firstAggregate?.span ?? from.span;
    report(ctx, 'notSupportedYet', at, 'aggregating the rows of a join in the same query is not supported yet', 'write the join as a derived stream and aggregate that stream in a second query');
    return undefined;
  }
  if (from.joins.length > 1) {
    report(ctx, 'notSupportedYet', from.joins[1]!.span, 'joining more than two streams in one query is not supported yet', 'join two, write the result as a derived stream, and join that');
    return undefined;
  }
  const join = from.joins[0]!;
  if (join.joinType === 'RIGHT' || join.joinType === 'FULL') {
    report(ctx, 'notSupportedYet', join.span, `${join.joinType} joins are not supported yet`, join.joinType === 'RIGHT' ? 'swap the two sides and use LEFT JOIN' : undefined);
    return undefined;
  }
  const left = resolveSource(ctx, from.source.name);
  const right = resolveSource(ctx, join.right.name);
  if (!left || !right) return undefined;
  if (left.kind === 'table') {
    report(ctx, 'invalidJoin', from.source.name.span, `a table can only be on the right of a join, and '${left.name}' is a table`, right.kind === 'stream' ? 'swap the two sides' : undefined);
    return undefined;
  }
  const table = right.kind === 'table';
  const leftAlias = from.source.alias?.text ?? left.name;
  const rightAlias = join.right.alias?.text ?? right.name;
  if (leftAlias === rightAlias) {
    report(ctx, 'duplicateAlias', (join.right.alias ?? join.right.name).span, `both sides of the join are called '${leftAlias}'`, 'give each side its own alias: FROM Txn a JOIN Txn b …');
    return undefined;
  }
  let within: number | undefined;
  if (table && join.within) {
    report(ctx, 'invalidJoin', join.within.span, 'a stream-table join looks up the current row: it takes no WITHIN');
  } else if (!table) {
    // A WITHIN written after ON is reported as misplaced (above), not as missing.
    if (!join.within && !q.within) {
      report(ctx, 'missingWithin', join.right.span, 'a stream-stream JOIN needs WITHIN: it bounds how long each side is kept', `JOIN ${join.right.name.text} ${join.right.alias?.text ?? ''} WITHIN 15 MINUTES ON …`.replace('  ', ' '));
    } else if (join.within) {
      within = durationMillis(ctx, join.within, false);
    }
  }
  const rows: ScopeRow[] = [
    { names: [leftAlias], schema: left.schema, ref: { kind: 'side', side: 'left' }, bare: true },
    { names: [rightAlias], schema: right.schema, ref: { kind: 'side', side: 'right' }, bare: true },
  ];
  const scope: Scope = { rows, kleene: [], description: `in '${leftAlias}' or '${rightAlias}'` };
  if (!join.on) {
    report(ctx, 'invalidJoin', join.span, 'a JOIN needs ON with the condition that pairs events', `… ON ${leftAlias}.id = ${rightAlias}.id`);
    return undefined;
  }
  const on = bindCondition(bindContext(ctx, scope, { kind: 'forbidden', clause: 'ON' }), join.on, 'ON');
  const { equiKeys, residual } = splitEquiKeys(on);
  const tableKey = table ? equiKeys.find((k) => k.right.kind === 'column' && k.right.column === right.primaryKey)?.left : undefined;
  if (table) {
    const pk = right.primaryKey;
    if (!tableKey) {
      report(ctx, 'invalidJoin', join.on.span, `a stream-table join looks rows up by the table's PRIMARY KEY: ON must include ${rightAlias}.${pk} = <an expression of '${leftAlias}'>`);
    }
  }
  const where = q.where && bindCondition(bindContext(ctx, scope, { kind: 'forbidden', clause: 'WHERE' }), q.where, 'WHERE');
  const projections = bindProjections(
    ctx,
    q.items,
    (e) => bindExpr(bindContext(ctx, scope, { kind: 'forbidden', clause: 'a join' }), e),
    (item) => starOf(ctx, scope, item),
  );
  if (within === undefined && !table) return undefined;
  return {
    kind: 'join',
    joinType: join.joinType === 'LEFT' ? 'LEFT' : 'INNER',
    left: { stream: left.name, alias: leftAlias },
    right: { stream: right.name, alias: rightAlias, table },
    within,
    on,
    equiKeys,
    residual,
    tableKey,
    where,
    ...finish(ctx, target, projections, [left.name, right.name], [on, where]),
  };
}

function sidesOf(e: BoundExpr): Set<string> {
  const sides = new Set<string>();
  walkBound(e, (n) => n.kind === 'column' && n.row.kind === 'side' && sides.add(n.row.side));
  return sides;
}

/** Splits ON into equalities between the two sides (hash keys) and the rest. */
function splitEquiKeys(on: BoundExpr): { equiKeys: { left: BoundExpr; right: BoundExpr }[]; residual: BoundExpr | undefined } {
  const equiKeys: { left: BoundExpr; right: BoundExpr }[] = [];
  const rest: BoundExpr[] = [];
  for (const c of conjuncts(on)) {
    if (c.kind === 'binary' && c.op === '=') {
      const l = sidesOf(c.left);
      const r = sidesOf(c.right);
      const only = (s: Set<string>, side: string) => s.size === 1 && s.has(side);
      if (only(l, 'left') && only(r, 'right')) {
        equiKeys.push({ left: c.left, right: c.right });
        continue;
      }
      if (only(l, 'right') && only(r, 'left')) {
        equiKeys.push({ left: c.right, right: c.left });
        continue;
      }
    }
    rest.push(c);
  }
  const residual = rest.reduce<BoundExpr | undefined>(
    (acc, c) => (acc ? { kind: 'binary', type: 'BOOLEAN', op: 'AND', left: acc, right: c, span: c.span } : c),
    undefined,
  );
  return { equiKeys, residual };
}

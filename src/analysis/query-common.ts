/**
 * What every kind of query shares (LANGUAGE.md section 5): resolving the streams it reads,
 * rejecting clauses it does not take, naming and checking its output columns, and adding its
 * output stream to the catalogue.
 */
import type * as A from '../lang/ast.js';
import { didYouMean } from '../lang/diagnostics.js';
import type { Span } from '../model/span.js';
import type { Column, CqlType } from '../model/types.js';
import { closestMatch } from '../util/edit-distance.js';
import { report, type AnalysisContext } from './context.js';
import { buildOptions, SINK_OPTIONS } from './options.js';
import type { BoundExpr, Projection } from './bound.js';
import { lookedUpTables } from './bound-walk.js';
import type { CatalogEntry } from './catalog.js';

export interface QueryTarget {
  readonly output: string;
  readonly outputName?: A.Name;
  readonly options: readonly A.WithOption[] | Record<string, never>;
  readonly span: Span;
  /** Whether the output stream joins the catalogue (not for EXPLAIN). */
  readonly register: boolean;
}

/** The parts every kind of query shares, computed by `finish`. */
export interface QueryCommon {
  readonly output: string;
  readonly outputSchema: { readonly columns: readonly Column[] };
  readonly projections: readonly Projection[];
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly reads: readonly string[];
  readonly span: Span;
  readonly text: string;
}


/** Resolves a stream or table name read by a query; reports unknown names. */
export function resolveSource(ctx: AnalysisContext, name: A.Name): CatalogEntry | undefined | null {
  const entry = ctx.catalog.get(name.text);
  if (entry) return entry.incomplete ? null : entry;
  if (ctx.incompleteNames.has(name.text)) return null;
  const hint = didYouMean(closestMatch(name.text, ctx.catalog.names()));
  report(ctx, 'unknownStream', name.span, `unknown stream '${name.text}'`, hint);
  return undefined;
}

/** Reports clauses that the kind of query does not take. */
export function rejectClauses(ctx: AnalysisContext, q: A.Query, kind: string, clauses: readonly A.ClauseName[]): void {
  const names: Record<A.ClauseName, [string, string | undefined]> = {
    where: ['WHERE', undefined],
    window: ['WINDOW', undefined],
    groupBy: ['GROUP BY', undefined],
    having: ['HAVING', 'HAVING filters the rows of GROUP BY or a window'],
    emit: ['EMIT', 'EMIT applies to windowed and grouped aggregations'],
    partitionBy: ['PARTITION BY', 'PARTITION BY keys a pattern; GROUP BY keys an aggregation'],
    within: ['WITHIN', kind === 'a join' ? "a stream-stream join's WITHIN comes before ON: JOIN Payments p WITHIN 15 MINUTES ON …" : 'WITHIN bounds a pattern or a stream-stream join'],
    strategy: ['USING', 'a selection strategy applies to patterns'],
    skipPastLastEvent: ['AFTER MATCH SKIP PAST LAST EVENT', 'it applies to patterns'],
  };
  for (const clause of clauses) {
    const value = q[clause];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    const [name, hint] = names[clause];
    report(ctx, 'clauseNotAllowed', q.clauses[clause] ?? clauseSpan(value), `${name} is not allowed in ${kind}`, hint);
  }
}

function clauseSpan(value: unknown): Span {
  if (Array.isArray(value)) return (value[0] as { span: Span }).span;
  const v = value as { span?: Span; start?: number };
  return v.span ?? (value as Span);
}

/** The output name of a projection written without AS, or undefined when it needs one. */
function implicitName(expr: A.Expr): string | undefined {
  if (expr.kind === 'Identifier') return expr.name.text;
  if (expr.kind !== 'FieldAccess') return undefined;
  // A path of names, `col`, `a.col`, `p.user.id`, `L.p.user.id`: its last name.
  let base: A.Expr = expr.base;
  while (base.kind === 'FieldAccess') base = base.base;
  return base.kind === 'Identifier' ? expr.field.text : undefined;
}

export function bindProjections(
  ctx: AnalysisContext,
  items: readonly A.SelectItem[],
  bind: (expr: A.Expr) => BoundExpr,
  expandStar: (item: A.StarItem) => Projection[],
  kleeneNames: ReadonlySet<string> = new Set(),
): Projection[] {
  const projections: Projection[] = [];
  /** Where a name given with AS is written: a repeated one is reported there. */
  const aliasSpans = new Map<Projection, Span>();
  for (const item of items) {
    if (item.kind === 'StarItem') {
      projections.push(...expandStar(item));
      continue;
    }
    const expr = bind(item.expr);
    let name = item.alias?.text;
    if (name === undefined) {
      const implicit = implicitName(item.expr);
      const isKleene = item.expr.kind === 'FieldAccess' && item.expr.base.kind === 'Identifier' && kleeneNames.has(item.expr.base.name.text);
      if (implicit === undefined && !isKleene) {
        report(ctx, 'outputNeedsName', item.expr.span, 'this output column needs a name', 'add AS name after the expression');
        continue;
      }
      name = implicit ?? '';
    }
    const projection: Projection = { name, expr, span: item.span };
    if (item.alias) aliasSpans.set(projection, item.alias.span);
    projections.push(projection);
  }
  const seen = new Set<string>();
  for (const p of projections) {
    if (seen.has(p.name)) {
      report(ctx, 'duplicateOutputColumn', aliasSpans.get(p) ?? p.span, `output column '${p.name}' is defined twice`, 'give one of them another name with AS');
    }
    seen.add(p.name);
  }
  return projections;
}

/** The parts of a query common to all kinds, and its registration in the catalogue. */
export function finish(ctx: AnalysisContext, target: QueryTarget, projections: readonly Projection[], reads: readonly string[], extra: readonly (BoundExpr | undefined)[]): QueryCommon {
  const columns = projections.map((p): Column => ({ name: p.name, type: outputType(p.expr.type), notNull: false }));
  const options = Array.isArray(target.options)
    ? buildOptions(ctx, target.options, SINK_OPTIONS, columns, `stream '${target.output}'`)
    : {};
  const allReads = [...new Set([...reads, ...lookedUpTables([...projections.map((p) => p.expr), ...extra])])];
  if (target.register) {
    ctx.catalog.add({ name: target.output, kind: 'stream', schema: { columns }, derived: true, reads: allReads, timestamp: undefined, primaryKey: undefined, system: false });
  }
  return {
    output: target.output,
    outputSchema: { columns },
    projections,
    options,
    reads: allReads,
    span: target.span,
    text: ctx.source.slice(target.span.start, target.span.end),
  };
}

function outputType(t: CqlType): Column['type'] {
  return t === 'NULL' ? 'JSON' : t;
}

/**
 * Binds and type-checks expressions (LANGUAGE.md section 4): resolves names through a scope,
 * infers each node's type, checks operators and function arguments, and turns aggregate calls
 * into references to the query's aggregates or to a Kleene alias's events. Every problem is
 * reported as a diagnostic and the node is given an error type, so one pass reports them all.
 */
import type * as A from '../lang/ast.js';
import { diagnostic, didYouMean, type Diagnostic, type DiagnosticKind } from '../lang/diagnostics.js';
import { closestMatch } from '../util/edit-distance.js';
import type { Span } from '../model/span.js';
import { findColumn, isColumnType, type CqlType } from '../model/types.js';
import { resolveZone } from '../model/zones.js';
import type { AggregateCall, AggregateFn, BoundExpr, KleeneAggregateFn } from './bound.js';
import type { Catalog } from './catalog.js';
import {
  AGGREGATES,
  aggregateType,
  CASTABLE,
  BUILTIN_FUNCTIONS,
  callableNames,
  commonType,
  commonTypeOf,
  KLEENE_AGGREGATES,
  UNSUPPORTED_AGGREGATES,
  type ArgKind,
  type FunctionSignature,
} from './functions.js';
import { kleeneByName, rowByName, type Scope } from './scope.js';
import { durationMillis } from './durations.js';

/** How aggregate calls are treated where the expression stands. */
export type AggregateMode =
  /** Not allowed here (WHERE, ON, GROUP BY, arguments of another aggregate). */
  | { readonly kind: 'forbidden'; readonly clause: string }
  /** Collected as the query's aggregates (SELECT and HAVING of an aggregating query). */
  | { readonly kind: 'collect'; readonly calls: AggregateCall[] }
  /** Aggregates of Kleene aliases (patterns). */
  | { readonly kind: 'kleene' };

export interface BindContext {
  readonly file: string;
  readonly diagnostics: Diagnostic[];
  readonly catalog: Catalog;
  /** User-defined functions by upper-case name. */
  readonly functions: ReadonlyMap<string, FunctionSignature>;
  readonly scope: Scope;
  readonly aggregates: AggregateMode;
  /** Whether WINDOW_START and WINDOW_END are available (a windowed aggregate). */
  readonly windowBounds: boolean;
}

/** The type given to a node that failed to bind, so one error does not cascade. */
const ERROR_TYPE: CqlType = 'JSON';

function report(ctx: BindContext, kind: DiagnosticKind, span: Span, message: string, hint?: string): void {
  ctx.diagnostics.push(diagnostic(kind, ctx.file, span, message, hint));
}

function errorExpr(span: Span): BoundExpr {
  return { kind: 'literal', type: ERROR_TYPE, value: null, span };
}

// ------------------------------------------------------------------------------------- types

function fitsKind(t: CqlType, kind: ArgKind): boolean {
  if (t === 'NULL' || t === 'JSON' || kind === 'any') return true;
  switch (kind) {
    case 'numeric':
      return t === 'INT' || t === 'DOUBLE';
    case 'string':
      return t === 'STRING';
    case 'timestamp':
      return t === 'TIMESTAMP' || t === 'INT' || t === 'DOUBLE';
    case 'boolean':
      return t === 'BOOLEAN';
  }
}

const KIND_WORDS: Record<ArgKind, string> = {
  numeric: 'a number',
  string: 'a STRING',
  timestamp: 'a TIMESTAMP',
  boolean: 'a BOOLEAN',
  any: 'a value',
};

/** Whether two types may be compared with `=`, `<`, IN or BETWEEN. */
export function comparable(a: CqlType, b: CqlType): boolean {
  if (commonType(a, b) !== undefined) return true;
  const temporal = (t: CqlType) => t === 'INT' || t === 'DOUBLE' || t === 'TIMESTAMP';
  return temporal(a) && temporal(b);
}

function arithmeticType(op: string, l: CqlType, r: CqlType): CqlType | undefined {
  const num = (t: CqlType) => t === 'INT' || t === 'DOUBLE' || t === 'NULL' || t === 'JSON';
  if (op === '+' || op === '-') {
    if (l === 'TIMESTAMP' && r === 'TIMESTAMP') return op === '-' ? 'INT' : undefined;
    if (l === 'TIMESTAMP' && num(r)) return 'TIMESTAMP';
    if (op === '+' && r === 'TIMESTAMP' && num(l)) return 'TIMESTAMP';
  }
  if (!num(l) || !num(r)) return undefined;
  if (l === 'DOUBLE' || r === 'DOUBLE') return 'DOUBLE';
  if (l === 'INT' && r === 'INT') return 'INT';
  if (l === 'INT' || r === 'INT') return l === 'JSON' || r === 'JSON' ? 'DOUBLE' : 'INT';
  return l === 'NULL' && r === 'NULL' ? 'NULL' : 'DOUBLE';
}

function requireBoolean(ctx: BindContext, e: BoundExpr, what: string): void {
  if (e.type !== 'BOOLEAN' && e.type !== 'NULL' && e.type !== 'JSON') {
    report(ctx, 'notBoolean', e.span, `${what} must be a BOOLEAN, not ${e.type}`);
  }
}

/** Binds a condition (WHERE, HAVING, ON, a pattern atom's `[cond]`): it must be BOOLEAN. */
export function bindCondition(ctx: BindContext, expr: A.Expr, what: string): BoundExpr {
  const bound = bindExpr(ctx, expr);
  requireBoolean(ctx, bound, what);
  return bound;
}

// ----------------------------------------------------------------------------------- binding

export function bindExpr(ctx: BindContext, expr: A.Expr): BoundExpr {
  switch (expr.kind) {
    case 'Literal':
      return bindLiteral(expr);
    case 'Duration': {
      const ms = durationMillis(ctx, expr, false);
      return { kind: 'literal', type: 'INT', value: ms ?? 0, span: expr.span };
    }
    case 'Identifier':
      return bindPath(ctx, [expr.name], expr.span);
    case 'FieldAccess': {
      const path = flattenPath(expr);
      if (path) return bindPath(ctx, path, expr.span);
      return bindFieldOf(ctx, expr);
    }
    case 'FunctionCall':
      return bindCall(ctx, expr);
    case 'Unary':
      return bindUnary(ctx, expr);
    case 'Binary':
      return bindBinary(ctx, expr);
    case 'IsNull':
      return { kind: 'isNull', type: 'BOOLEAN', operand: bindExpr(ctx, expr.operand), negated: expr.negated, span: expr.span };
    case 'InList': {
      const operand = bindExpr(ctx, expr.operand);
      const list = expr.list.map((e) => bindExpr(ctx, e));
      for (const item of list) {
        if (!comparable(operand.type, item.type)) {
          report(ctx, 'typeMismatch', item.span, `IN list value of type ${item.type} cannot be compared with ${operand.type}`);
        }
      }
      return { kind: 'in', type: 'BOOLEAN', operand, list, negated: expr.negated, span: expr.span };
    }
    case 'Between': {
      const operand = bindExpr(ctx, expr.operand);
      const low = bindExpr(ctx, expr.low);
      const high = bindExpr(ctx, expr.high);
      for (const bound of [low, high]) {
        if (!comparable(operand.type, bound.type)) {
          report(ctx, 'typeMismatch', bound.span, `BETWEEN bound of type ${bound.type} cannot be compared with ${operand.type}`);
        }
      }
      return { kind: 'between', type: 'BOOLEAN', operand, low, high, negated: expr.negated, span: expr.span };
    }
    case 'Like': {
      const operand = bindExpr(ctx, expr.operand);
      const pattern = bindExpr(ctx, expr.pattern);
      for (const side of [operand, pattern]) {
        if (!fitsKind(side.type, 'string')) report(ctx, 'typeMismatch', side.span, `LIKE works on STRING values, not ${side.type}`);
      }
      return { kind: 'like', type: 'BOOLEAN', operand, pattern, negated: expr.negated, span: expr.span };
    }
    case 'Case':
      return bindCase(ctx, expr);
    case 'Cast':
      return bindCast(ctx, expr);
  }
}

function bindLiteral(expr: A.Literal): BoundExpr {
  switch (expr.literalType) {
    case 'STRING':
      return { kind: 'literal', type: 'STRING', value: expr.value, span: expr.span };
    case 'BOOLEAN':
      return { kind: 'literal', type: 'BOOLEAN', value: expr.value, span: expr.span };
    case 'NULL':
      return { kind: 'literal', type: 'NULL', value: null, span: expr.span };
    case 'NUMBER': {
      const n = expr.value as number;
      const isInt = !expr.fractional && Number.isSafeInteger(n);
      return { kind: 'literal', type: isInt ? 'INT' : 'DOUBLE', value: n, span: expr.span };
    }
  }
}

/** `a.b.c` as its names, or undefined when the base is not a plain name (a call, say). */
function flattenPath(expr: A.Expr): A.Name[] | undefined {
  if (expr.kind === 'Identifier') return [expr.name];
  if (expr.kind === 'FieldAccess') {
    const base = flattenPath(expr.base);
    return base ? [...base, expr.field] : undefined;
  }
  return undefined;
}

/** A field of a computed value: `LOOKUP(Risk, a.card).score`, or a JSON path of a call. */
function bindFieldOf(ctx: BindContext, expr: A.FieldAccess): BoundExpr {
  const fields: A.Name[] = [];
  let base: A.Expr = expr;
  while (base.kind === 'FieldAccess' && !flattenPath(base)) {
    fields.unshift(base.field);
    base = base.base;
  }
  const bound = bindExpr(ctx, base);
  if (bound.kind === 'lookup' && bound.column === '' && fields.length > 0) {
    const table = ctx.catalog.get(bound.table);
    const column = fields[0]!;
    const col = table ? findColumn(table.schema, column.text) : undefined;
    if (!table) return errorExpr(expr.span);
    if (!col) {
      const hint = didYouMean(closestMatch(column.text, table.schema.columns.map((c) => c.name)));
      report(ctx, 'unknownColumn', column.span, `unknown column '${column.text}' in table '${table.name}'`, hint);
      return errorExpr(expr.span);
    }
    const lookup: BoundExpr = { ...bound, type: col.type, column: col.name, span: joinSpan(bound.span, column.span) };
    return jsonPath(ctx, lookup, fields.slice(1), expr.span);
  }
  return jsonPath(ctx, bound, fields, expr.span);
}

function joinSpan(a: Span, b: Span): Span {
  return { start: a.start, line: a.line, column: a.column, end: b.end, endLine: b.endLine, endColumn: b.endColumn };
}

/** Reads a path into a JSON value; any other type has no fields. */
function jsonPath(ctx: BindContext, base: BoundExpr, fields: readonly A.Name[], span: Span): BoundExpr {
  if (fields.length === 0) return base;
  if (base.type !== 'JSON') {
    report(ctx, 'invalidFieldAccess', fields[0]!.span, `'.${fields[0]!.text}' reads a field of a JSON value, but this is ${base.type}`);
    return errorExpr(span);
  }
  return { kind: 'field', type: 'JSON', base, path: fields.map((f) => f.text), span };
}

function bindPath(ctx: BindContext, path: readonly A.Name[], span: Span): BoundExpr {
  const { scope } = ctx;
  const [first, ...rest] = path as [A.Name, ...A.Name[]];

  // A qualifier: `alias.column[.json.path]`.
  const row = rest.length > 0 ? rowByName(scope, first) : undefined;
  if (row && rest.length > 0) {
    if (row.forbidden) {
      report(ctx, row.forbidden.kind, first.span, row.forbidden.message, row.forbidden.hint);
      return errorExpr(span);
    }
    const columnName = rest[0]!;
    const column = findColumn(row.schema, columnName.text);
    if (!column) {
      if (row.schema.uncertain) return errorExpr(span);
      const hint = didYouMean(closestMatch(columnName.text, row.schema.columns.map((c) => c.name)));
      report(ctx, 'unknownColumn', columnName.span, `unknown column '${columnName.text}' in '${first.text}'`, hint);
      return errorExpr(span);
    }
    const ref: BoundExpr = { kind: 'column', type: column.type, row: row.ref, column: column.name, span: joinSpan(first.span, columnName.span) };
    return jsonPath(ctx, ref, rest.slice(1), span);
  }
  const kleene = rest.length > 0 ? kleeneByName(scope, first.text) : undefined;
  if (kleene?.forbidden) {
    report(ctx, kleene.forbidden.kind, first.span, kleene.forbidden.message, kleene.forbidden.hint);
    return errorExpr(span);
  }
  if (kleene) {
    report(
      ctx,
      'bareKleeneReference',
      joinSpan(first.span, rest[0]!.span),
      `'${first.text}' is a Kleene element: it binds many events, so '${first.text}.${rest[0]!.text}' has no single value here`,
      `use FIRST(${first.text}.${rest[0]!.text}), LAST(${first.text}.${rest[0]!.text}), COUNT(${first.text}) or another aggregate`,
    );
    return errorExpr(span);
  }

  // A bare column, then a JSON path into it.
  const extra = scope.extraColumns?.get(first.text);
  if (extra) return jsonPath(ctx, { ...extra, span: first.span }, rest, span);
  const candidates = scope.rows.filter((r) => r.bare && findColumn(r.schema, first.text));
  if (candidates.length > 1) {
    report(
      ctx,
      'ambiguousColumn',
      first.span,
      `column '${first.text}' is ambiguous: it is in ${candidates.map((c) => `'${c.names[0]}'`).join(' and ')}`,
      `qualify it: ${candidates[0]!.names[0]}.${first.text}`,
    );
    return errorExpr(span);
  }
  const only = candidates[0];
  if (only) {
    if (only.forbidden) {
      report(ctx, only.forbidden.kind, first.span, only.forbidden.message, only.forbidden.hint);
      return errorExpr(span);
    }
    const column = findColumn(only.schema, first.text)!;
    return jsonPath(ctx, { kind: 'column', type: column.type, row: only.ref, column: column.name, span: first.span }, rest, span);
  }

  if (rest.length === 0 && (first.text.toUpperCase() === 'WINDOW_START' || first.text.toUpperCase() === 'WINDOW_END')) {
    const bound = first.text.toUpperCase() === 'WINDOW_START' ? 'start' : 'end';
    if (!ctx.windowBounds) {
      report(ctx, 'clauseNotAllowed', first.span, `${first.text.toUpperCase()} is only available in the SELECT list or HAVING of a windowed aggregation`);
      return errorExpr(span);
    }
    return { kind: 'windowBound', type: 'TIMESTAMP', bound, span: first.span };
  }

  // An alias where a value is expected: it names an event (or, for a Kleene alias, many).
  if (rest.length === 0) {
    const event = rowByName(scope, first);
    const events = event ? undefined : kleeneByName(scope, first.text);
    const named = event ?? events;
    if (named?.forbidden) {
      report(ctx, named.forbidden.kind, first.span, named.forbidden.message, named.forbidden.hint);
      return errorExpr(span);
    }
    const column = `${first.text}.${named?.schema.columns[0]?.name ?? 'column'}`;
    if (events) {
      report(ctx, 'bareKleeneReference', first.span, `'${first.text}' is a Kleene element: it binds many events, not one value`, `use COUNT(${first.text}), or an aggregate of a column such as LAST(${column})`);
      return errorExpr(span);
    }
    if (event) {
      report(ctx, 'unknownColumn', first.span, `'${first.text}' names an event, not a column`, `read one of its columns: ${column}`);
      return errorExpr(span);
    }
  }

  // Nothing matched: say what the name could have been (unless it may be a column of a stream
  // whose own query had errors, which were reported there).
  const isQualifier = rest.length > 0;
  if (!isQualifier && scope.rows.some((r) => r.bare && r.schema.uncertain)) return errorExpr(span);
  const columnNames = [
    ...scope.rows.filter((r) => r.bare).flatMap((r) => r.schema.columns.map((c) => c.name)),
    ...(scope.extraColumns?.keys() ?? []),
  ];
  const qualifiers = [...scope.rows.flatMap((r) => r.names), ...scope.kleene.map((k) => k.name)];
  if (isQualifier) {
    const suggestion = closestMatch(first.text, [...qualifiers, ...columnNames]);
    // `q.total` is an unknown alias when an alias is the likelier meaning: the suggestion is one,
    // or, without a suggestion, `total` is a column of one of the events in scope.
    const field = rest[0]!.text;
    const meantAlias =
      suggestion !== undefined
        ? !columnNames.includes(suggestion)
        : columnNames.length === 0 || [...scope.rows, ...scope.kleene].some((r) => findColumn(r.schema, field));
    report(
      ctx,
      meantAlias ? 'unknownAlias' : 'unknownColumn',
      first.span,
      `unknown name '${first.text}': not an alias or column ${scope.description}`,
      didYouMean(suggestion),
    );
  } else {
    // A bare name is a column: an alias is no suggestion for it (it names an event, not a value).
    const suggestion = closestMatch(first.text, columnNames);
    const owner = scope.rows.find((r) => !r.bare && !r.forbidden && findColumn(r.schema, first.text));
    report(
      ctx,
      'unknownColumn',
      first.span,
      `unknown column '${first.text}' ${scope.description}`,
      didYouMean(suggestion) ?? (owner ? `qualify it with an alias: ${owner.names[0]}.${first.text}` : scope.bareColumnHint),
    );
  }
  return errorExpr(span);
}

function bindUnary(ctx: BindContext, expr: A.Unary): BoundExpr {
  const operand = bindExpr(ctx, expr.operand);
  if (expr.op === 'NOT') {
    requireBoolean(ctx, operand, 'the operand of NOT');
    return { kind: 'unary', type: 'BOOLEAN', op: 'NOT', operand, span: expr.span };
  }
  if (!fitsKind(operand.type, 'numeric')) {
    report(ctx, 'typeMismatch', expr.span, `unary '${expr.op}' needs a number, not ${operand.type}`);
    return errorExpr(expr.span);
  }
  if (expr.op === '+') return operand;
  if (operand.kind === 'literal' && typeof operand.value === 'number') {
    return { ...operand, value: -operand.value, span: expr.span };
  }
  return { kind: 'unary', type: operand.type === 'NULL' ? 'NULL' : operand.type, op: '-', operand, span: expr.span };
}

function bindBinary(ctx: BindContext, expr: A.Binary): BoundExpr {
  const left = bindExpr(ctx, expr.left);
  const right = bindExpr(ctx, expr.right);
  const span = expr.span;
  switch (expr.op) {
    case 'AND':
    case 'OR':
      requireBoolean(ctx, left, `the left operand of ${expr.op}`);
      requireBoolean(ctx, right, `the right operand of ${expr.op}`);
      return { kind: 'binary', type: 'BOOLEAN', op: expr.op, left, right, span };
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (!comparable(left.type, right.type)) {
        report(ctx, 'typeMismatch', expr.opSpan, `cannot compare ${left.type} with ${right.type}`, typeHint(left, right));
      }
      return { kind: 'binary', type: 'BOOLEAN', op: expr.op, left, right, span };
    case '||':
      return { kind: 'binary', type: 'STRING', op: '||', left, right, span };
    default: {
      const type = arithmeticType(expr.op, left.type, right.type);
      if (type === undefined) {
        report(ctx, 'typeMismatch', expr.opSpan, `operator '${expr.op}' cannot be applied to ${left.type} and ${right.type}`, typeHint(left, right));
        return errorExpr(span);
      }
      return { kind: 'binary', type, op: expr.op, left, right, span };
    }
  }
}

function typeHint(left: BoundExpr, right: BoundExpr): string | undefined {
  const types = [left.type, right.type];
  if (types.includes('STRING') && (types.includes('INT') || types.includes('DOUBLE'))) {
    return 'values are not converted implicitly: use CAST(x AS DOUBLE) or CAST(x AS STRING)';
  }
  return undefined;
}

function bindCase(ctx: BindContext, expr: A.CaseExpr): BoundExpr {
  const operand = expr.operand ? bindExpr(ctx, expr.operand) : undefined;
  const whens = expr.whens.map(({ when, then }) => {
    let boundWhen = bindExpr(ctx, when);
    if (operand) {
      if (!comparable(operand.type, boundWhen.type)) {
        report(ctx, 'typeMismatch', boundWhen.span, `WHEN value of type ${boundWhen.type} cannot be compared with ${operand.type}`);
      }
      boundWhen = { kind: 'binary', type: 'BOOLEAN', op: '=', left: operand, right: boundWhen, span: boundWhen.span };
    } else {
      requireBoolean(ctx, boundWhen, 'a WHEN condition');
    }
    return { when: boundWhen, then: bindExpr(ctx, then) };
  });
  const otherwise = expr.otherwise ? bindExpr(ctx, expr.otherwise) : undefined;
  const results = [...whens.map((w) => w.then), ...(otherwise ? [otherwise] : [])];
  const type = commonTypeOf(results.map((r) => r.type));
  if (type === undefined) {
    report(ctx, 'typeMismatch', expr.span, `CASE branches have types that do not mix: ${results.map((r) => r.type).join(', ')}`);
  }
  return { kind: 'case', type: type ?? ERROR_TYPE, whens, otherwise, span: expr.span };
}


function bindCast(ctx: BindContext, expr: A.CastExpr): BoundExpr {
  const operand = bindExpr(ctx, expr.operand);
  const target = expr.type.text.toUpperCase();
  if (!isColumnType(target)) {
    const hint = didYouMean(closestMatch(target, Object.keys(CASTABLE)));
    report(ctx, 'unknownType', expr.type.span, `unknown type '${expr.type.text}'`, hint);
    return errorExpr(expr.span);
  }
  if (!CASTABLE[target].includes(operand.type)) {
    report(ctx, 'invalidCast', expr.span, `cannot CAST ${operand.type} to ${target}`);
  }
  return { kind: 'cast', type: target, operand, span: expr.span };
}

// --------------------------------------------------------------------------------- functions

function bindCall(ctx: BindContext, call: A.FunctionCall): BoundExpr {
  const name = call.name.text.toUpperCase();
  // A function registered under a percentile's name is the user's own.
  const udf = ctx.functions.get(name);
  if ((UNSUPPORTED_AGGREGATES as readonly string[]).includes(name) && !udf) {
    report(ctx, 'notSupportedYet', call.name.span, `percentile aggregates such as ${name} are not supported yet`);
    return errorExpr(call.span);
  }
  // On a function that does not exist, the error to give is that it does not (below).
  const known = udf !== undefined || name === 'LOOKUP' || (AGGREGATES as readonly string[]).includes(name) || BUILTIN_FUNCTIONS.has(name);
  if (call.withinGroup && known) {
    report(ctx, 'notSupportedYet', call.withinGroup, `WITHIN GROUP (ORDER BY …) belongs to ordered-set aggregates, such as the percentiles, which are not supported yet`);
    return errorExpr(call.span);
  }
  if (name === 'LOOKUP') return bindLookup(ctx, call);
  if (udf) return bindUdf(ctx, call, name, udf);
  const isAggregate = (AGGREGATES as readonly string[]).includes(name);
  if (isAggregate && ctx.aggregates.kind === 'kleene') return bindKleeneAggregate(ctx, call, name);
  if (isAggregate) return bindAggregate(ctx, call, name as AggregateFn);
  const builtin = BUILTIN_FUNCTIONS.get(name);
  if (!builtin) {
    const hint = didYouMean(closestMatch(call.name.text, callableNames(ctx.functions.keys())));
    report(ctx, 'unknownFunction', call.name.span, `unknown function '${call.name.text}'`, hint);
    call.args.forEach((a) => bindExpr(ctx, a));
    return errorExpr(call.span);
  }
  if (call.star || call.distinct) {
    report(ctx, 'typeMismatch', call.span, `${call.star ? '*' : 'DISTINCT'} is only allowed in aggregates such as COUNT`);
  }
  const args = call.args.map((a) => bindExpr(ctx, a));
  if (args.length < builtin.minArgs || args.length > builtin.maxArgs) {
    report(ctx, 'wrongArgumentCount', call.span, `${name} takes ${arity(builtin.minArgs, builtin.maxArgs)}, not ${args.length}`);
    return errorExpr(call.span);
  }
  args.forEach((arg, i) => {
    const kind = builtin.args[Math.min(i, builtin.args.length - 1)] ?? 'any';
    if (!fitsKind(arg.type, kind)) {
      report(ctx, 'typeMismatch', arg.span, `argument ${i + 1} of ${name} must be ${KIND_WORDS[kind]}, not ${arg.type}`);
    }
  });
  const type = builtin.returns(args.map((a) => a.type));
  if ((name === 'COALESCE' || name === 'GREATEST' || name === 'LEAST') && commonTypeOf(args.map((a) => a.type)) === undefined) {
    report(ctx, 'typeMismatch', call.span, `the arguments of ${name} have types that do not mix: ${args.map((a) => a.type).join(', ')}`);
  }
  // A time zone written as a literal is checked now, as a stream's `timezone` option is; one
  // computed from data can only fault when it runs.
  const zoneAt = ZONE_ARGUMENT[name];
  const zone = zoneAt === undefined ? undefined : args[zoneAt];
  if (zone?.kind === 'literal' && typeof zone.value === 'string' && resolveZone(zone.value) === null) {
    report(ctx, 'invalidOptionValue', zone.span, `unknown time zone '${zone.value}'`, "use an IANA zone such as 'Europe/London', 'UTC', or an offset such as 'UTC+3'");
  }
  if (name === 'NULLIF' && args.length === 2 && !comparable(args[0]!.type, args[1]!.type)) {
    report(ctx, 'typeMismatch', call.span, `the arguments of NULLIF cannot be compared: ${args[0]!.type} and ${args[1]!.type}`);
  }
  return { kind: 'call', type, name, udf: false, args, span: call.span };
}

/** The position of the time-zone argument of the time functions that take one. */
const ZONE_ARGUMENT: Readonly<Record<string, number>> = { HOUR: 1, DAY_OF_WEEK: 1, FORMAT_TIMESTAMP: 2, PARSE_TIMESTAMP: 2 };

function arity(min: number, max: number): string {
  if (min === max) return `${min} argument${min === 1 ? '' : 's'}`;
  if (max === Infinity) return `at least ${min} argument${min === 1 ? '' : 's'}`;
  return `${min} to ${max} arguments`;
}

function bindUdf(ctx: BindContext, call: A.FunctionCall, name: string, udf: FunctionSignature): BoundExpr {
  const args = call.args.map((a) => bindExpr(ctx, a));
  if (udf.params) {
    if (args.length !== udf.params.length) {
      report(ctx, 'wrongArgumentCount', call.span, `${call.name.text} takes ${arity(udf.params.length, udf.params.length)}, not ${args.length}`);
    } else {
      args.forEach((arg, i) => {
        const want = udf.params![i]!;
        if (want !== 'JSON' && commonType(want, arg.type) === undefined) {
          report(ctx, 'typeMismatch', arg.span, `argument ${i + 1} of ${call.name.text} must be ${want}, not ${arg.type}`);
        }
      });
    }
  }
  return { kind: 'call', type: udf.returns, name, udf: true, args, span: call.span };
}

/** `LOOKUP(Table, key)`: the table's current row for the key; `.column` reads one column. */
function bindLookup(ctx: BindContext, call: A.FunctionCall): BoundExpr {
  const [tableArg, keyArg] = call.args;
  if (call.args.length !== 2 || !tableArg || !keyArg || tableArg.kind !== 'Identifier') {
    report(ctx, 'wrongArgumentCount', call.span, 'LOOKUP takes a table name and a key: LOOKUP(Risk, a.card).score');
    call.args.forEach((a) => a.kind !== 'Identifier' && bindExpr(ctx, a));
    return errorExpr(call.span);
  }
  const table = ctx.catalog.get(tableArg.name.text);
  const key = bindExpr(ctx, keyArg);
  if (!table || table.kind !== 'table') {
    const tables = ctx.catalog.entries().filter((e) => e.kind === 'table').map((e) => e.name);
    report(
      ctx,
      table ? 'invalidTable' : 'unknownStream',
      tableArg.span,
      table ? `'${tableArg.name.text}' is a stream; LOOKUP reads a table` : `unknown table '${tableArg.name.text}'`,
      didYouMean(closestMatch(tableArg.name.text, tables)),
    );
    return errorExpr(call.span);
  }
  const pk = findColumn(table.schema, table.primaryKey ?? '');
  if (pk && !comparable(pk.type, key.type)) {
    report(ctx, 'typeMismatch', key.span, `the key of '${table.name}' is ${pk.type}, not ${key.type}`);
  }
  return { kind: 'lookup', type: 'JSON', table: table.name, key, column: '', span: call.span };
}

/** The canonical form of each aggregate collected so far, per list: equal aggregates are computed once. */
const collectedKeys = new WeakMap<AggregateCall[], Map<string, number>>();

/** An aggregate of a grouped or windowed query, collected into the query's aggregate list. */
function bindAggregate(ctx: BindContext, call: A.FunctionCall, fn: AggregateFn): BoundExpr {
  const mode = ctx.aggregates;
  if (mode.kind !== 'collect') {
    const where = mode.kind === 'forbidden' ? mode.clause : 'here';
    report(ctx, 'aggregateMisuse', call.span, `aggregate ${fn} is not allowed in ${where}`);
    return errorExpr(call.span);
  }
  if (call.distinct && fn !== 'COUNT') {
    report(ctx, 'notSupportedYet', call.span, `DISTINCT is supported in COUNT only, not yet in ${fn}`);
  }
  if (call.star && fn !== 'COUNT') {
    report(ctx, 'typeMismatch', call.span, `${fn}(*) is not an aggregate: only COUNT(*) counts rows`);
    return errorExpr(call.span);
  }
  const inner: BindContext = { ...ctx, aggregates: { kind: 'forbidden', clause: `the argument of ${fn}` }, windowBounds: false };
  let arg: BoundExpr | undefined;
  if (!call.star) {
    if (call.args.length !== 1) {
      report(ctx, 'wrongArgumentCount', call.span, `${fn} takes ${arity(1, 1)}, not ${call.args.length}`);
      return errorExpr(call.span);
    }
    arg = bindExpr(inner, call.args[0]!);
    if ((fn === 'SUM' || fn === 'AVG' || fn === 'STDDEV') && !fitsKind(arg.type, 'numeric')) {
      report(ctx, 'typeMismatch', arg.span, `${fn} needs a number, not ${arg.type}`);
    }
  }
  const type = aggregateType(fn, arg?.type);
  const aggregate: AggregateCall = { fn, arg, distinct: call.distinct, type, span: call.span };
  const key = canonical(aggregate);
  let known = collectedKeys.get(mode.calls);
  if (!known) collectedKeys.set(mode.calls, (known = new Map()));
  let index = known.get(key);
  if (index === undefined) {
    index = mode.calls.length;
    mode.calls.push(aggregate);
    known.set(key, index);
  }
  return { kind: 'aggregateRef', type, index, span: call.span };
}

/** An aggregate over a Kleene alias's events: `COUNT(r)`, `LAST(r.price)`, `AVG(r.v)`. */
function bindKleeneAggregate(ctx: BindContext, call: A.FunctionCall, name: string): BoundExpr {
  if (!(KLEENE_AGGREGATES as readonly string[]).includes(name)) {
    report(ctx, 'kleeneAggregateMisuse', call.name.span, `${name} is not available over a Kleene element; use one of ${KLEENE_AGGREGATES.join(', ')}`);
    return errorExpr(call.span);
  }
  const fn = name as KleeneAggregateFn;
  const arg = call.args[0];
  if (call.star || call.distinct || call.args.length !== 1 || !arg) {
    report(ctx, 'kleeneAggregateMisuse', call.span, `in a pattern, ${fn} reads a Kleene element: write ${fn === 'COUNT' ? 'COUNT(r)' : `${fn}(r.column)`}`);
    return errorExpr(call.span);
  }
  const target = kleeneTarget(ctx, arg);
  if (target === undefined && readsUnknownName(ctx.scope, arg)) {
    // A name that does not exist is reported as such, not as a misuse of the aggregate.
    bindExpr({ ...ctx, aggregates: { kind: 'forbidden', clause: `the argument of ${fn}` } }, arg);
    return errorExpr(call.span);
  }
  if (target === undefined) {
    report(
      ctx,
      'kleeneAggregateMisuse',
      arg.span,
      `${fn} in a pattern reads the events of a Kleene element (one with +, *, or {n,m})`,
      fn === 'COUNT' ? 'write COUNT(r) for a Kleene alias r' : `write ${fn}(r.column) for a Kleene alias r`,
    );
    return errorExpr(call.span);
  }
  if (target === null) return errorExpr(call.span);
  const { row } = target;
  if (row.forbidden) {
    report(ctx, row.forbidden.kind, arg.span, row.forbidden.message, row.forbidden.hint);
    return errorExpr(call.span);
  }
  if (fn === 'COUNT') {
    if (arg.kind !== 'Identifier') {
      report(ctx, 'kleeneAggregateMisuse', arg.span, `COUNT over a Kleene element counts its events: write COUNT(${row.name})`);
      return errorExpr(call.span);
    }
    return { kind: 'kleeneAggregate', type: 'INT', fn, slot: row.slot, arg: undefined, span: call.span };
  }
  if (arg.kind === 'Identifier') {
    report(ctx, 'kleeneAggregateMisuse', arg.span, `${fn}(${row.name}) needs a column: write ${fn}(${row.name}.column)`);
    return errorExpr(call.span);
  }
  // The argument reads each event of the Kleene alias, and constants.
  const itemScope: Scope = {
    rows: [{ names: [row.name], schema: row.schema, ref: { kind: 'kleeneItem' }, bare: false }],
    kleene: [],
    description: `of Kleene element '${row.name}'`,
  };
  const bound = bindExpr({ ...ctx, scope: itemScope, aggregates: { kind: 'forbidden', clause: `the argument of ${fn}` } }, arg);
  if ((fn === 'SUM' || fn === 'AVG') && !fitsKind(bound.type, 'numeric')) {
    report(ctx, 'typeMismatch', bound.span, `${fn} needs a number, not ${bound.type}`);
  }
  const type = aggregateType(fn, bound.type);
  return { kind: 'kleeneAggregate', type, fn, slot: row.slot, arg: bound, span: call.span };
}

/** Whether the expression starts a name path with a name that is no alias or column in scope. */
function readsUnknownName(scope: Scope, e: A.Expr): boolean {
  const path = flattenPath(e);
  if (path) {
    const name = path[0]!;
    const known =
      rowByName(scope, name) !== undefined ||
      kleeneByName(scope, name.text) !== undefined ||
      scope.extraColumns?.has(name.text) === true ||
      scope.rows.some((r) => r.bare && findColumn(r.schema, name.text));
    return !known;
  }
  let unknown = false;
  forEachChild(e, (c) => {
    unknown ||= readsUnknownName(scope, c);
  });
  return unknown;
}

/**
 * The Kleene alias an aggregate's argument reads: undefined when it reads none, null when an
 * error was reported.
 */
function kleeneTarget(ctx: BindContext, arg: A.Expr): { row: Scope['kleene'][number] } | undefined | null {
  const names = new Set<string>();
  const visit = (e: A.Expr): void => {
    if (e.kind === 'Identifier') names.add(e.name.text);
    else if (e.kind === 'FieldAccess') {
      const path = flattenPath(e);
      if (path) names.add(path[0]!.text);
      else visit(e.base);
    } else forEachChild(e, visit);
  };
  visit(arg);
  const kleene = [...names].map((n) => kleeneByName(ctx.scope, n)).filter((k) => k !== undefined);
  if (kleene.length === 0) return undefined;
  if (kleene.length > 1) {
    report(ctx, 'kleeneAggregateMisuse', arg.span, `an aggregate reads one Kleene element, not ${kleene.map((k) => `'${k.name}'`).join(' and ')}`);
    return null;
  }
  return { row: kleene[0]! };
}

/** Calls `f` on each direct sub-expression of an AST expression. */
export function forEachChild(e: A.Expr, f: (child: A.Expr) => void): void {
  switch (e.kind) {
    case 'Literal':
    case 'Duration':
    case 'Identifier':
      return;
    case 'FieldAccess':
      return f(e.base);
    case 'FunctionCall':
      return e.args.forEach(f);
    case 'Unary':
      return f(e.operand);
    case 'Binary':
      f(e.left);
      return f(e.right);
    case 'IsNull':
      return f(e.operand);
    case 'InList':
      f(e.operand);
      return e.list.forEach(f);
    case 'Between':
      f(e.operand);
      f(e.low);
      return f(e.high);
    case 'Like':
      f(e.operand);
      return f(e.pattern);
    case 'Case':
      if (e.operand) f(e.operand);
      e.whens.forEach((w) => {
        f(w.when);
        f(w.then);
      });
      if (e.otherwise) f(e.otherwise);
      return;
    case 'Cast':
      return f(e.operand);
  }
}

/** A bound value without its spans, for comparing expressions by structure. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === 'span' ? undefined : v));
}

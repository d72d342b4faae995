/** Compiles an analysed query into the operator that runs it. */
import type { AggregateQuery, BoundExpr, BoundQuery, JoinQuery } from '../analysis/bound.js';
import { createAggregateOperator, type AggregateLimits } from '../operators/aggregate/aggregate-operator.js';
import { FilterOperator } from '../operators/filter-operator.js';
import { StreamJoinOperator, TableJoinOperator } from '../operators/join-operator.js';
import type { Operator, OperatorContext } from '../operators/operator.js';
import { PatternOperator, type PatternLimits } from '../operators/pattern/pattern-operator.js';
import { FlatPatternOperator, isFlat } from '../operators/pattern/flat-pattern-operator.js';
import type { EvalServices } from '../runtime/row.js';
import { compileExpr, compilePredicate, compileProjection } from './expressions.js';
import { compilePattern } from './pattern.js';
import { guardsOf } from './guards.js';

export interface QueryLimits extends PatternLimits, AggregateLimits {
  /** Events a stream-stream join keeps per side. */
  readonly maxJoinEvents: number;
}

export function compileQuery(q: BoundQuery, ctx: OperatorContext, services: EvalServices, limits: QueryLimits): Operator {
  const options = { services };
  switch (q.kind) {
    case 'filter': {
      const where = compilePredicate(q.where, options);
      const project = compileProjection(q.projections, options);
      return new FilterOperator({ input: q.input, guards: guardsOf(q.where), where, project }, ctx);
    }
    case 'pattern': {
      const automaton = compilePattern(q, services);
      return isFlat(automaton) ? new FlatPatternOperator(automaton, ctx, limits) : new PatternOperator(automaton, ctx, limits);
    }
    case 'aggregate':
      return compileAggregate(q, ctx, services, limits);
    case 'join':
      return compileJoin(q, ctx, services, limits);
  }
}

function compileAggregate(q: AggregateQuery, ctx: OperatorContext, services: EvalServices, limits: AggregateLimits): Operator {
  const options = { services };
  const aggregates = q.aggregates.map((a) => ({
    shape: { fn: a.fn, star: a.arg === undefined, distinct: a.distinct, integral: a.type === 'INT' },
    arg: a.arg && compileExpr(a.arg, options),
    typed: a.arg !== undefined && a.arg.type !== 'JSON' && a.arg.type !== 'NULL',
  }));
  return createAggregateOperator(
    {
      input: q.input,
      where: compilePredicate(q.where, options),
      groupBy: q.groupBy.map((g) => compileExpr(g, options)),
      aggregates,
      window: q.window,
      emit: q.emit,
      having: compilePredicate(q.having, options),
      project: compileProjection(q.projections, options),
    },
    ctx,
    limits,
  );
}

/** JSON values compare structurally: they are checked by ON, not hashed. */
const hashable = (e: BoundExpr): boolean => e.type !== 'JSON' && e.type !== 'NULL';

function compileJoin(q: JoinQuery, ctx: OperatorContext, services: EvalServices, limits: QueryLimits): Operator {
  const options = { services };
  const output = {
    type: q.joinType,
    on: compilePredicate(q.on, options),
    where: compilePredicate(q.where, options),
    project: compileProjection(q.projections, options),
  };
  if (q.right.table) {
    const table = q.right.stream;
    return new TableJoinOperator({ ...output, stream: q.left.stream, key: compileExpr(q.tableKey!, options), lookup: (key) => services.lookup(table, key) }, ctx);
  }
  const keys = q.equiKeys.filter((k) => hashable(k.left) && hashable(k.right));
  return new StreamJoinOperator(
    {
      ...output,
      left: q.left.stream,
      right: q.right.stream,
      within: q.within!,
      leftKeys: keys.map((k) => compileExpr(k.left, options)),
      rightKeys: keys.map((k) => compileExpr(k.right, options)),
    },
    ctx,
    limits.maxJoinEvents,
  );
}

/** Compiles an analysed query into the operator that runs it. */
import type { BoundQuery } from '../analysis/bound.js';
import { FilterOperator } from '../operators/filter-operator.js';
import type { Operator, OperatorContext } from '../operators/operator.js';
import { PatternOperator, type PatternLimits } from '../operators/pattern/pattern-operator.js';
import type { EvalServices } from '../runtime/row.js';
import { compilePredicate, compileProjection } from './expressions.js';
import { compilePattern } from './pattern.js';
import { guardsOf } from './guards.js';

/** A query the runtime cannot run yet; the engine reports it as "not supported yet". */
export class NotExecutableError extends Error {}

export function compileQuery(q: BoundQuery, ctx: OperatorContext, services: EvalServices, limits: PatternLimits): Operator {
  switch (q.kind) {
    case 'filter': {
      const options = { services };
      const where = compilePredicate(q.where, options);
      const project = compileProjection(q.projections, options);
      return new FilterOperator({ input: q.input, guards: guardsOf(q.where), where, project }, ctx);
    }
    case 'pattern':
      return new PatternOperator(compilePattern(q, services), ctx, limits);
    case 'aggregate':
      throw new NotExecutableError('windows and aggregations are analysed but not executed by this engine yet');
    case 'join':
      throw new NotExecutableError('joins are analysed but not executed by this engine yet');
  }
}

/** `SELECT … FROM S WHERE …` (LANGUAGE.md section 5): a stateless filter and projection. */
import { emptyScope, type EvalScope, type Row } from '../runtime/row.js';
import type { EqualityGuard, Guarded, Operator, OperatorContext, OperatorEvent } from './operator.js';

export interface FilterDefinition {
  readonly input: string;
  readonly where: (input: Row, scope: EvalScope) => boolean;
  readonly project: (input: Row, scope: EvalScope) => Record<string, unknown>;
  /** What WHERE requires of a column (`country = 'US'`): the engine may skip other events. */
  readonly guards?: readonly EqualityGuard[];
}

export class FilterOperator implements Operator, Guarded {
  readonly inputs: readonly string[];
  readonly guards: readonly EqualityGuard[];
  readonly #def: FilterDefinition;
  readonly #ctx: OperatorContext;
  readonly #scope = emptyScope();

  constructor(def: FilterDefinition, ctx: OperatorContext) {
    this.#def = def;
    this.#ctx = ctx;
    this.inputs = [def.input];
    this.guards = def.guards ?? [];
  }

  onEvent(ev: OperatorEvent): void {
    this.#scope.now = ev.time;
    if (this.#def.where(ev.row, this.#scope)) this.#ctx.emit(this.#def.project(ev.row, this.#scope), ev.time);
  }

  onTimer(): void {}

  stateSize(): number {
    return 0;
  }
}

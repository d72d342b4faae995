/** `SELECT … FROM S WHERE …` (LANGUAGE.md section 5): a stateless filter and projection. */
import { emptyScope, type EvalScope, type Row } from '../runtime/row.js';
import type { EventGuard, Operator, OperatorContext, OperatorEvent } from './operator.js';

export interface FilterDefinition {
  readonly input: string;
  /** Equalities with constants that the WHERE condition requires (an event failing one passes no row). */
  readonly guards: readonly EventGuard[];
  readonly where: (input: Row, scope: EvalScope) => boolean;
  readonly project: (input: Row, scope: EvalScope) => Record<string, unknown>;
}

export class FilterOperator implements Operator {
  readonly inputs: readonly string[];
  readonly guards: ReadonlyMap<string, readonly EventGuard[]>;
  readonly #def: FilterDefinition;
  readonly #ctx: OperatorContext;
  readonly #scope = emptyScope();

  constructor(def: FilterDefinition, ctx: OperatorContext) {
    this.#def = def;
    this.#ctx = ctx;
    this.inputs = [def.input];
    this.guards = new Map([[def.input, def.guards]]);
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

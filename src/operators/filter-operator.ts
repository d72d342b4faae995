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

/**
 * What a filter does with an event, in parts: the engine's delivery code (src/engine/fanout.ts)
 * inlines them, so that each filter's condition is called from a call site of its own.
 */
export interface FilterKernel {
  readonly where: (input: Row, scope: EvalScope) => boolean;
  readonly project: (input: Row, scope: EvalScope) => Record<string, unknown>;
  /** The scope `where` and `project` read: its `now` is the event's time. */
  readonly scope: EvalScope;
  readonly emit: (data: Record<string, unknown>, time: number) => void;
}

export class FilterOperator implements Operator {
  readonly inputs: readonly string[];
  readonly guards: ReadonlyMap<string, readonly EventGuard[]>;
  readonly kernel: FilterKernel;

  constructor(def: FilterDefinition, ctx: OperatorContext) {
    this.inputs = [def.input];
    this.guards = new Map([[def.input, def.guards]]);
    this.kernel = { where: def.where, project: def.project, scope: emptyScope(), emit: (data, time) => ctx.emit(data, time) };
  }

  onEvent(ev: OperatorEvent): void {
    const k = this.kernel;
    k.scope.now = ev.time;
    if (k.where(ev.row, k.scope)) k.emit(k.project(ev.row, k.scope), ev.time);
  }

  onTimer(): void {}

  stateSize(): number {
    return 0;
  }
}

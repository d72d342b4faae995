/**
 * The operator contract. The engine feeds each operator the events of the streams it reads, in
 * event-time order, and fires the timers it asks for (LANGUAGE.md section 3). An operator emits
 * output rows through its context; it does no I/O and reads no clock of its own.
 */
import type { Row } from '../runtime/row.js';

/** An event as operators see it: validated data, event time and arrival position. */
export interface OperatorEvent {
  readonly stream: string;
  readonly row: Row;
  readonly time: number;
  /** Position in the engine's processing order: later events have larger numbers. */
  readonly seq: number;
}

export interface OperatorContext {
  /** Emits one output row at event time `time`. */
  emit(data: Record<string, unknown>, time: number): void;
  /** Asks for `onTimer` once the watermark passes `time` (after every event at `time`). */
  scheduleAfter(time: number): void;
  /** Asks for `onTimer` once the watermark reaches `time` (before every event at `time`): a window's end. */
  scheduleAt(time: number): void;
  /** Counts a dropped run or row (a cap was hit). */
  dropped(count: number): void;
  /**
   * Asked before keeping a new piece of state (a run, group, window or join event, table row):
   * false while the engine's heap is past its limit (EngineOptions.maxHeapBytes), and then the
   * drop is counted already (in `runsDropped` and `memoryDrops`).
   */
  admit(): boolean;
}

/** An equality an event must satisfy to matter to an operator: its `column` holds one of `values`. */
export interface EventGuard {
  readonly column: string;
  readonly values: readonly (string | number | boolean)[];
}

export interface Operator {
  /** The streams whose events the operator reads. */
  readonly inputs: readonly string[];
  /**
   * Per input stream, equalities that every event that can make a difference to the operator
   * satisfies: the engine need not give it an event that fails one.
   */
  readonly guards?: ReadonlyMap<string, readonly EventGuard[]>;
  /**
   * Per input stream, equalities of which every event that can make a difference to the operator
   * satisfies at least one (a pattern: one for each atom that could use the event): the engine
   * need not give it an event that fails them all.
   */
  readonly anyGuards?: ReadonlyMap<string, readonly EventGuard[]>;
  onEvent(event: OperatorEvent): void;
  /** The watermark has passed (or, for `scheduleAt`, reached) `time`: do what was due then. */
  onTimer(time: number): void;
  /** State held, for metrics: partial matches alive, rows kept. */
  stateSize(): number;
  /**
   * Checkpoints (engine `snapshot`): the operator's state between two events, as a graph of
   * plain data and registered state classes (src/util/state-codec.ts). A stateless operator has
   * neither method.
   */
  saveState?(): unknown;
  /** Takes back what `saveState` gave, on an operator of the same query that has seen nothing. */
  loadState?(state: unknown): void;
}

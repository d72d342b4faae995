/**
 * A pattern's state per PARTITION BY key (LANGUAGE.md 6.2: each partition's relevant sequence
 * is matched on its own): its runs in order, how many are alive, and before when none of them
 * can have expired.
 */
import { stateClass } from '../../util/state-codec.js';
import { RunChain } from './run.js';

/** A partition's runs, in order (dead ones included until its next event or sweep). */
export class Partition extends RunChain {
  readonly id: string;
  values: readonly unknown[];
  live = 0;
  /**
   * Before when no run of the partition can have expired (see dueOf): its first run's
   * deadline, the earliest, rounded down to DUE_UNIT milliseconds. An event before it is
   * stepped without reading any run's deadline, and one that no run can take is passed over
   * reading the partition alone.
   */
  due = MAX_DUE;

  constructor(id: string, values: readonly unknown[]) {
    super();
    this.id = id;
    this.values = values;
  }

  override moveFrom(other: RunChain): void {
    super.moveFrom(other);
    this.refreshDue();
  }

  /** Chains the runs of `other` after its own (`other` is left empty); the first run, and so `due`, changes only when it had none. */
  append(other: RunChain): void {
    if (other.head === undefined) return;
    if (this.tail === undefined) {
      this.moveFrom(other);
      return;
    }
    this.tail.next = other.head;
    this.tail = other.tail;
    other.head = undefined;
    other.tail = undefined;
  }

  refreshDue(): void {
    this.due = this.head === undefined ? MAX_DUE : dueOf(this.head.deadline);
  }
}

/**
 * Partition.due is kept a small integer (V8 stores it in the object; a time in milliseconds
 * would be a double in a box of its own, one more memory access per event): the deadline
 * in units of DUE_UNIT ms, rounded down, so that `time < due * DUE_UNIT` implies `time <
 * deadline`. Deadlines past the range get MAX_DUE (still below them); deadlines before it get
 * MIN_DUE, which means "read the runs' deadlines".
 */
const DUE_UNIT = 2048;
const MAX_DUE = 0x3fffffff;
const MIN_DUE = -0x3fffffff;

function dueOf(deadline: number): number {
  const d = Math.floor(deadline / DUE_UNIT);
  return d >= MAX_DUE ? MAX_DUE : d > MIN_DUE ? d : MIN_DUE;
}

/** Whether no run of the partition can have expired by `time`. */
export function fresh(p: Partition, time: number): boolean {
  return p.due > MIN_DUE && time < p.due * DUE_UNIT;
}

stateClass('pattern.Partition', Partition);

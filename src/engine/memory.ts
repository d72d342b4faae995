/**
 * The engine-wide memory budget. The per-query caps (runs, groups, window and join events,
 * table rows) bound each query, not their sum: many queries at their caps, or events with
 * large rows, could still fill the heap and end the process. So every query asks the guard
 * before it keeps a new piece of state, and while the V8 heap is past `maxHeapBytes` the answer
 * is no: the run, group or event is dropped and counted, as at a cap, and what is held already
 * runs on (as its windows and WITHIN bounds expire, the heap comes back under the limit).
 *
 * The heap is read every CHECK_EVERY requests (a read costs about two microseconds), so a burst
 * adds at most that many pieces past the limit before the guard notices. Requests go on while
 * the heap is full (each refusal is one), so the guard notices as soon as it is not.
 *
 * The heap in use counts garbage until V8 collects it, and while little new is kept V8 may not
 * collect for a long time: after a flood of state expires, the heap would read full long after it
 * is not. So while the guard refuses, it asks V8 for a full collection, and reads the heap again:
 * when the engine's state has shrunk by a tenth since it last did (at most once a second, unless
 * by half), and in any case every 30 seconds (state the count does not see may have expired). Only then, never on
 * a guess, does it admit again.
 */
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { offHeapBytes } from '../util/off-heap.js';

const CHECK_EVERY = 1024;

/**
 * The default `maxHeapBytes`: 80% of the old generation's limit (`--max-old-space-size`), where
 * state lives. V8's `heap_size_limit` adds the young generation to it: three semi-spaces of
 * `--max-semi-space-size` MB, 16 by default on 64-bit.
 */
export function defaultMaxHeapBytes(): number {
  const flags = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].join(' ');
  const semiSpaceMb = Number(/--max[-_]semi[-_]space[-_]size[= ](\d+)/.exec(flags)?.[1] ?? 16);
  const young = 3 * semiSpaceMb * 2 ** 20;
  return Math.floor(Math.max(getHeapStatistics().heap_size_limit - young, young) * 0.8);
}

/**
 * The bytes in use in the old generation, where state that lives on is (the young generation,
 * up to 48 MB by default, is mostly garbage of the last events, and counting it made a small
 * heap read full while it held little), and the bytes of state kept off the heap, in typed arrays.
 */
function stateBytesUsed(): number {
  let used = offHeapBytes();
  for (const space of getHeapSpaceStatistics()) if (!space.space_name.startsWith('new_')) used += space.space_used_size;
  return used;
}

let gc: (() => void) | null | undefined;
let lastCollection = -Infinity;

/**
 * A full garbage collection, now: V8's `gc`, exposed for this (`--expose-gc` set at run time, then
 * read from a new context, as the `expose-gc` package does). False when it cannot be had, or when
 * one was forced less than 250 ms ago by any engine of the process (a Kafka connector runs an
 * engine per partition, each with its guard).
 */
function collectGarbage(): boolean {
  const now = Date.now();
  if (now - lastCollection < 250) return false;
  lastCollection = now;
  if (gc === undefined) {
    try {
      const exposed = (globalThis as { gc?: () => void }).gc;
      if (exposed) gc = exposed;
      else {
        setFlagsFromString('--expose-gc');
        gc = runInNewContext('gc') as () => void;
      }
    } catch {
      gc = null;
    }
  }
  if (!gc) return false;
  gc();
  return true;
}

export interface GuardProbes {
  /** Bytes in use (the old generation's, and state's off the heap). */
  readonly heapUsed: () => number;
  /** A full collection now; false when none can be had. */
  readonly collect: () => boolean;
  /** Milliseconds, for spacing collections. */
  readonly now: () => number;
}

const PROBES: GuardProbes = { heapUsed: stateBytesUsed, collect: collectGarbage, now: Date.now };

export class MemoryGuard {
  readonly #maxHeapBytes: number;
  readonly #stateSize: () => number;
  readonly #probes: GuardProbes;
  #full: boolean;
  #countdown = CHECK_EVERY;
  /** The engine's state at the last collection the guard asked for (or when it began refusing). */
  #stateThen = 0;
  #collectedAt = -Infinity;
  /** State refused because the heap was full. */
  refused = 0;

  /** `stateSize` counts the pieces of state the engine holds; tests give their own probes. */
  constructor(maxHeapBytes: number, stateSize: () => number, probes: GuardProbes = PROBES) {
    this.#maxHeapBytes = maxHeapBytes;
    this.#stateSize = stateSize;
    this.#probes = probes;
    this.#full = this.#check();
  }

  /** Whether a new piece of state may be kept; a refusal is counted. */
  admit(): boolean {
    if (--this.#countdown === 0) {
      this.#countdown = CHECK_EVERY;
      this.#full = this.#check();
    }
    if (!this.#full) return true;
    this.refused++;
    return false;
  }

  /** Whether no new state is kept now (the heap read afresh). */
  full(): boolean {
    return (this.#full = this.#check());
  }

  #check(): boolean {
    const max = this.#maxHeapBytes;
    if (max === Infinity) return false;
    const p = this.#probes;
    if (p.heapUsed() <= max) return false;
    const state = this.#stateSize();
    const now = p.now();
    if (!this.#full) {
      // Refusing from now on: what the engine holds is the mark its shrinking is told against.
      this.#stateThen = state;
    }
    const shrunk = state < this.#stateThen * 0.9 && (now - this.#collectedAt >= 1_000 || state < this.#stateThen * 0.5);
    if (shrunk || now - this.#collectedAt >= 30_000) {
      this.#collectedAt = now;
      this.#stateThen = state;
      // Read again even when no collection was forced here: another engine's, just before
      // (see collectGarbage), is as good.
      p.collect();
      return p.heapUsed() > max;
    }
    return true;
  }
}

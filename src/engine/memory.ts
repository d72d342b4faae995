/**
 * The engine-wide memory budget. The per-query caps (runs, groups, window and join events,
 * table rows) bound each query, not their sum: many queries at their caps, or events with
 * large rows, could still fill the heap and end the process. So every query asks the guard
 * before it keeps a new piece of state, and while the V8 heap is past `maxHeapBytes` the answer
 * is no: the run, group or event is dropped and counted, as at a cap, and what is held already
 * runs on (as its windows and WITHIN bounds expire, the heap comes back under the limit).
 *
 * The heap is read every CHECK_EVERY requests (a read costs about a microsecond), so a burst adds at
 * most that many pieces past the limit before the guard notices. Requests go on while the heap is
 * full (each refusal is one), so the guard notices as soon as it is not (see #check for how it
 * tells state from garbage).
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

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
 * The bytes in use in the old generation, where state that lives on is: the young generation
 * (up to 48 MB by default) is mostly garbage of the last events, and counting it made a small
 * heap read full while it held little.
 */
function oldGenerationUsed(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics()) if (!space.space_name.startsWith('new_')) used += space.space_used_size;
  return used;
}

export class MemoryGuard {
  readonly #maxHeapBytes: number;
  readonly #stateSize: () => number;
  readonly #heapUsed: () => number;
  #full: boolean;
  /** The engine's state (runs, groups, events, rows) when the heap was last read past the limit. */
  #ceiling = Infinity;
  #countdown = CHECK_EVERY;
  /** State refused because the heap was full. */
  refused = 0;

  /**
   * `stateSize` counts the pieces of state the engine holds; `heapUsed` reads the heap in use
   * (the old generation's; tests give their own).
   */
  constructor(maxHeapBytes: number, stateSize: () => number, heapUsed: () => number = oldGenerationUsed) {
    this.#maxHeapBytes = maxHeapBytes;
    this.#stateSize = stateSize;
    this.#heapUsed = heapUsed;
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

  /**
   * The heap in use counts garbage until V8 collects it, and with little being kept V8 may not
   * collect for a long time: after state expires, the heap would read full long after it is
   * not. So the guard also counts the engine's state. When the heap is first read past the limit,
   * what the engine holds then is the ceiling; while the heap reads past it, state is kept again
   * once it has fallen 10% below the ceiling (what fell is garbage the next collection frees)
   * and refused again once it is back within 10% of it, where the ceiling comes down to it: if
   * the heap is really full (the new state is larger), each round keeps less. A reading under
   * the limit with as much state as the ceiling or more lifts it.
   */
  #check(): boolean {
    if (this.#maxHeapBytes === Infinity) return false;
    const state = this.#stateSize();
    if (this.#heapUsed() <= this.#maxHeapBytes) {
      if (state >= this.#ceiling) this.#ceiling = Infinity;
      return false;
    }
    if (this.#ceiling !== Infinity && state < this.#ceiling * 0.9) return false;
    this.#ceiling = Math.min(this.#ceiling, state);
    return true;
  }
}

/**
 * The engine's one event-time clock (LANGUAGE.md section 3). Events wait until the watermark
 * reaches them; timers fire once the watermark passes their time, after every event at that
 * time and before every later one; the end of input moves the watermark to +∞.
 */
import { Heap } from '../util/heap.js';
import type { Row } from '../runtime/row.js';

interface Pending {
  readonly time: number;
  readonly order: number;
  readonly stream: string;
  readonly row: Row;
}

export interface ClockHandlers {
  /** Processes an event whose turn has come. */
  process(stream: string, row: Row, time: number): void;
  /** Fires the timer registered for `time` by `owner`. */
  fire(owner: object, time: number): void;
}

interface Timer {
  /**
   * Its place among event times: `time` for a timer that fires once the watermark passes `time`
   * (after every event at `time`), `time - 0.5` for one that fires once the watermark reaches
   * it (before every event at `time`). It fires when its place is below the watermark.
   */
  readonly at: number;
  readonly time: number;
  /** Timers due at one time fire in rank order (the order their queries were deployed in). */
  readonly rank: number;
  readonly order: number;
  readonly owner: object;
}

export class Clock {
  readonly #lateness: number;
  readonly #handlers: ClockHandlers;
  readonly #events = new Heap<Pending>((a, b) => a.time < b.time || (a.time === b.time && a.order < b.order));
  readonly #timers = new Heap<Timer>(
    (a, b) => a.at < b.at || (a.at === b.at && (a.time < b.time || (a.time === b.time && (a.rank < b.rank || (a.rank === b.rank && a.order < b.order))))),
  );
  #maxSeen = -Infinity;
  #order = 0;
  #ended = false;

  constructor(lateness: number, handlers: ClockHandlers) {
    this.#lateness = lateness;
    this.#handlers = handlers;
  }

  /** The largest event time seen minus the allowed lateness; +∞ after the end of input. */
  get watermark(): number {
    return this.#ended ? Infinity : this.#maxSeen - this.#lateness;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Events waiting for the watermark. */
  get waiting(): number {
    return this.#events.size;
  }

  /** Whether an event at `time` is late: older than the watermark. */
  isLate(time: number): boolean {
    return time < this.watermark;
  }

  /** Accepts an event that is not late, and processes everything the watermark now allows. */
  accept(stream: string, row: Row, time: number): void {
    if (time > this.#maxSeen) this.#maxSeen = time;
    if (this.#lateness === 0 && this.#events.size === 0) {
      this.#fireBefore(time);
      this.#handlers.process(stream, row, time);
      this.#fireBefore(this.watermark);
      return;
    }
    this.#events.push({ time, order: this.#order++, stream, row });
    this.#drain();
  }

  /**
   * Asks for `owner`'s timer at `time`: it fires once the watermark passes `time` or, with
   * `reaches`, once it reaches `time` (window ends, section 3). Timers due together fire in
   * order of their time, then of `rank`. A timer that is already due fires when the current
   * event or timer is done, never in its middle.
   */
  schedule(owner: object, time: number, rank: number, reaches = false): void {
    this.#timers.push({ at: reaches ? time - 0.5 : time, time, rank, order: this.#order++, owner });
  }

  /** The end of input: the watermark goes to +∞, so every waiting event and timer is processed. */
  end(): void {
    this.#ended = true;
    this.#drain();
  }

  #drain(): void {
    const w = this.watermark;
    while (this.#events.size > 0 && this.#events.peek()!.time <= w) {
      const next = this.#events.pop()!;
      this.#fireBefore(next.time);
      this.#handlers.process(next.stream, next.row, next.time);
    }
    this.#fireBefore(w);
  }

  #firing = false;

  /** Fires, in time order, every timer whose time is before `time`. */
  #fireBefore(time: number): void {
    if (this.#firing) return;
    this.#firing = true;
    try {
      while (this.#timers.size > 0 && this.#timers.peek()!.at < time) {
        const t = this.#timers.pop()!;
        this.#handlers.fire(t.owner, t.time);
      }
    } finally {
      this.#firing = false;
    }
  }
}

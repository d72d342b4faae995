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

/** What a checkpoint keeps of the clock (see Clock.save). */
export interface ClockState {
  readonly maxSeen: number;
  /** The latest event time seen on any input (absent in checkpoints of earlier versions). */
  readonly latest?: number;
  readonly ended: boolean;
  readonly order: number;
  readonly inputs: ReadonlyMap<string, { max: number; idle: boolean }>;
  readonly events: readonly Pending[];
  readonly timers: readonly Timer[];
}

const before = (a: Pending, b: Pending): boolean => a.time < b.time || (a.time === b.time && a.order < b.order);

/** An input's waiting events in time order: those from `head` on. */
class Lane {
  readonly items: Pending[] = [];
  head = 0;
}

export class Clock {
  readonly #lateness: number;
  readonly #handlers: ClockHandlers;
  /**
   * Events waiting for the watermark, in (time, arrival) order overall. Those that came in time
   * order for their input (the usual case: a Kafka partition, a file) wait in that input's lane,
   * a queue; the others in `#stragglers`, a heap. The next event is the least of the lanes' heads
   * and the heap's top: with the few inputs an engine has, cheaper than one heap of everything,
   * which costs a logarithm of the many waiting events per event.
   */
  readonly #lanes = new Map<string, Lane>();
  /** The lanes that hold events. */
  readonly #busy: Lane[] = [];
  readonly #stragglers = new Heap<Pending>(before);
  #waiting = 0;
  readonly #timers = new Heap<Timer>(
    (a, b) => a.at < b.at || (a.at === b.at && (a.time < b.time || (a.time === b.time && (a.rank < b.rank || (a.rank === b.rank && a.order < b.order))))),
  );
  /**
   * The event time the watermark follows: the largest seen with one input; with several named
   * inputs (Kafka partitions), the least of their largest over the inputs that are not idle —
   * never lower than before (a late-joining input cannot move the watermark back).
   */
  #maxSeen = -Infinity;
  /** The latest event time seen on any input (or given by `advance`): when an untimed table row happens. */
  #latest = -Infinity;
  /** Named inputs: the largest event time each has sent, and whether it is idle. */
  readonly #inputs = new Map<string, { max: number; idle: boolean }>();
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
    return this.#waiting;
  }

  /** Whether an event at `time` is late: older than the watermark. */
  isLate(time: number): boolean {
    return time < this.watermark;
  }

  /**
   * Accepts an event that is not late, and processes everything the watermark now allows.
   * `input` names the input it came from (section 3: the watermark is the minimum over the
   * active inputs); without one, the engine's single default input.
   */
  accept(stream: string, row: Row, time: number, input?: string): void {
    if (time > this.#latest) this.#latest = time;
    if (input === undefined) {
      // The default input (the library's push, a file, a WebSocket publisher): never held back.
      if (time > this.#maxSeen) this.#maxSeen = time;
    } else this.#reached(input, time);
    this.#enter(stream, row, time, input);
  }

  /** Processes an event at `time` now when nothing waits and the watermark allows it, else puts it among the waiting. */
  #enter(stream: string, row: Row, time: number, input: string | undefined): void {
    if (this.#lateness === 0 && this.#waiting === 0 && time <= this.#maxSeen) {
      this.#fireBefore(time);
      this.#handlers.process(stream, row, time);
      this.#fireBefore(this.watermark);
      return;
    }
    this.#wait({ time, order: this.#order++, stream, row }, input ?? '');
    this.#drain();
  }

  /**
   * Accepts a row of a table without a timestamp column (see docs/runtime.md): it happens at
   * the latest event time seen, after the events that came before it, so that tables of
   * reference data can be updated beside a stream in event time. It moves no time forward,
   * and its input, which has no time of its own, never holds the watermark back: it counts as
   * idle until it sends an event with a time. Before any event, it is applied at once, at time 0.
   */
  acceptUntimed(stream: string, row: Row, input?: string): void {
    const time = this.#latest;
    // An input that has sent events with a time (a WebSocket publisher that also sends
    // reference rows) keeps holding the watermark: a row without a time says nothing of its own.
    if (input !== undefined && !this.#inputs.has(input)) this.#inputs.set(input, { max: time, idle: true });
    // Before any event nothing waits: the row is applied at once.
    if (time === -Infinity) this.#handlers.process(stream, row, 0);
    else this.#enter(stream, row, time, input);
  }

  /** Puts an event among the waiting: at the end of its input's lane if it keeps the lane in time order. */
  #wait(event: Pending, input: string): void {
    this.#waiting++;
    let lane = this.#lanes.get(input);
    if (lane === undefined) this.#lanes.set(input, (lane = new Lane()));
    // An empty lane is reset as it empties (#take).
    const items = lane.items;
    if (items.length === 0) {
      items.push(event);
      this.#busy.push(lane);
    } else if (items[items.length - 1]!.time <= event.time) items.push(event);
    else this.#stragglers.push(event);
  }

  /** The lane of the event `#peek` found last, or undefined for the heap's top. */
  #peekedLane: Lane | undefined;

  /** The waiting event that comes next (without taking it): the least of the lanes' heads and the heap's top. */
  #peek(): Pending | undefined {
    let event = this.#stragglers.peek();
    let from: Lane | undefined;
    const busy = this.#busy;
    for (let i = 0; i < busy.length; i++) {
      const lane = busy[i]!;
      const head = lane.items[lane.head]!;
      if (event === undefined || before(head, event)) {
        event = head;
        from = lane;
      }
    }
    this.#peekedLane = from;
    return event;
  }

  /** Takes the event `#peek` found. */
  #take(): void {
    const lane = this.#peekedLane;
    this.#waiting--;
    if (lane === undefined) {
      this.#stragglers.pop();
      return;
    }
    lane.items[lane.head++] = undefined as unknown as Pending;
    if (lane.head === lane.items.length) {
      lane.items.length = 0;
      lane.head = 0;
      this.#busy.splice(this.#busy.indexOf(lane), 1);
    } else if (lane.head >= 4096 && lane.head * 2 >= lane.items.length) {
      // Taken events are cut off now and then, so that a lane never keeps growing.
      lane.items.splice(0, lane.head);
      lane.head = 0;
    }
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

  /**
   * Announces an input before its first event (a partition just assigned), or again (an idle
   * one is then active): until it sends or goes idle, it holds the watermark where it is.
   */
  addInput(input: string): void {
    const entry = this.#inputs.get(input);
    if (entry === undefined) this.#inputs.set(input, { max: -Infinity, idle: false });
    // An idle input announced again (a partition given anew) is active: it holds the watermark.
    else entry.idle = false;
  }

  /** An input has sent nothing for a while: it stops holding the watermark back until it does. */
  idle(input: string): void {
    const entry = this.#inputs.get(input);
    if (!entry || entry.idle) return;
    entry.idle = true;
    this.#rebase();
    this.#drain();
  }

  /** An input has reached `time` without sending an event here (it sent it to another clock). */
  advance(input: string, time: number): void {
    this.#reached(input, time);
    this.#drain();
  }

  /** A named input has sent an event at `time` (here or to another clock): it is active, and the watermark follows. */
  #reached(input: string, time: number): void {
    if (time > this.#latest) this.#latest = time;
    const entry = this.#inputs.get(input);
    if (entry === undefined) this.#inputs.set(input, { max: time, idle: false });
    else {
      if (time > entry.max) entry.max = time;
      entry.idle = false;
    }
    this.#rebase();
  }

  /** The largest event time a named input has sent (or been advanced to). */
  inputTime(input: string): number | undefined {
    return this.#inputs.get(input)?.max;
  }

  inputNames(): string[] {
    return [...this.#inputs.keys()];
  }

  /** An input is gone (a partition revoked or finished): it no longer holds the watermark back. */
  removeInput(input: string): void {
    if (!this.#inputs.delete(input)) return;
    this.#rebase();
    this.#drain();
  }

  /** Recomputes #maxSeen from the named inputs: the least over the active ones, never lower. */
  #rebase(): void {
    let least = Infinity;
    for (const entry of this.#inputs.values()) if (!entry.idle && entry.max < least) least = entry.max;
    if (least === Infinity) {
      // Every input idle: the watermark follows the most advanced one.
      least = -Infinity;
      for (const entry of this.#inputs.values()) if (entry.max > least) least = entry.max;
    }
    if (least > this.#maxSeen) this.#maxSeen = least;
  }

  /** Cancels every timer of `owner` (a query undeployed or dropped). */
  cancelTimers(owner: object): void {
    this.#timers.retain((t) => t.owner !== owner);
  }

  /** Discards the events of `stream` that wait for the watermark (a stream dropped). */
  discardEvents(stream: string): void {
    const keep = (e: Pending): boolean => e.stream !== stream;
    this.#stragglers.retain(keep);
    let waiting = this.#stragglers.size;
    for (const lane of this.#busy) {
      // Compacted in place (a lane may hold millions of events: no spread, no copy).
      const items = lane.items;
      let n = 0;
      for (let i = lane.head; i < items.length; i++) if (keep(items[i]!)) items[n++] = items[i]!;
      items.length = n;
      lane.head = 0;
      waiting += n;
    }
    for (let i = this.#busy.length - 1; i >= 0; i--) if (this.#busy[i]!.items.length === 0) this.#busy.splice(i, 1);
    this.#waiting = waiting;
  }

  /** The clock's state for a checkpoint: events waiting, timers pending (their owners are operators), inputs. */
  save(): ClockState {
    const events = [...this.#stragglers.items()];
    for (const lane of this.#busy) for (let i = lane.head; i < lane.items.length; i++) events.push(lane.items[i]!);
    return { maxSeen: this.#maxSeen, latest: this.#latest, ended: this.#ended, order: this.#order, inputs: this.#inputs, events, timers: this.#timers.items() };
  }

  /** Takes back what `save` gave (on a clock that has seen nothing). */
  load(state: ClockState): void {
    this.#maxSeen = state.maxSeen;
    this.#latest = state.latest ?? state.maxSeen;
    this.#ended = state.ended;
    this.#order = state.order;
    this.#inputs.clear();
    for (const [name, entry] of state.inputs) this.#inputs.set(name, { max: entry.max, idle: entry.idle });
    // Restored events wait in the heap: it takes them in any order.
    this.#stragglers.clear();
    for (const event of state.events) this.#stragglers.push(event);
    this.#waiting = state.events.length;
    this.#timers.load(state.timers);
  }

  /** The end of input: the watermark goes to +∞, so every waiting event and timer is processed. */
  end(): void {
    this.#ended = true;
    this.#drain();
  }

  #drain(): void {
    const w = this.watermark;
    while (this.#waiting > 0) {
      const event = this.#peek()!;
      if (event.time > w) break;
      this.#take();
      this.#fireBefore(event.time);
      this.#handlers.process(event.stream, event.row, event.time);
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

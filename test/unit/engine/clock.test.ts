/**
 * The clock against a deliberately simple one: every waiting event in one list, the least
 * (time, arrival) taken while the watermark allows. Random operations over several named inputs,
 * events in and out of time order, timers, idleness, and a save/load into a fresh clock midway;
 * both must process the same events and fire the same timers in the same order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Clock, type ClockHandlers, type ClockState } from '../../../src/engine/clock.js';
import type { Row } from '../../../src/runtime/row.js';

type Op =
  | { kind: 'accept'; input: string | undefined; time: number }
  | { kind: 'untimed'; input: string | undefined }
  | { kind: 'advance'; input: string; time: number }
  | { kind: 'idle'; input: string }
  | { kind: 'add'; input: string }
  | { kind: 'remove'; input: string }
  | { kind: 'timer'; time: number; reaches: boolean }
  | { kind: 'checkpoint' };

/** Section 3 read directly: a list of waiting events, sorted when asked. */
class SimpleClock {
  readonly #events: { time: number; order: number; id: string }[] = [];
  readonly #timers: { at: number; time: number; rank: number; order: number; owner: object }[] = [];
  readonly #inputs = new Map<string, { max: number; idle: boolean }>();
  #maxSeen = -Infinity;
  /** The latest time accepted or advanced to, on any input: when an untimed table row happens. */
  #latest = -Infinity;
  #order = 0;
  #ended = false;
  #firing = false;

  constructor(
    readonly lateness: number,
    readonly log: string[],
  ) {}

  get watermark(): number {
    return this.#ended ? Infinity : this.#maxSeen - this.lateness;
  }

  accept(id: string, time: number, input?: string): void {
    this.#latest = Math.max(this.#latest, time);
    if (input === undefined) this.#maxSeen = Math.max(this.#maxSeen, time);
    else this.#reached(input, time);
    this.#events.push({ time, order: this.#order++, id });
    this.#drain();
  }

  /**
   * A table row without a time: at the latest time seen; a new input of such rows is idle (it
   * holds nothing back), one that has sent timed events stays as it is; before any time, at once.
   */
  acceptUntimed(id: string, input?: string): void {
    if (input !== undefined && !this.#inputs.has(input)) this.#inputs.set(input, { max: this.#latest, idle: true });
    if (this.#latest === -Infinity) {
      this.log.push(`event ${id}`);
      this.#drain();
      return;
    }
    this.#events.push({ time: this.#latest, order: this.#order++, id });
    this.#drain();
  }

  schedule(owner: object, time: number, rank: number, reaches: boolean): void {
    this.#timers.push({ at: reaches ? time - 0.5 : time, time, rank, order: this.#order++, owner });
  }

  addInput(input: string): void {
    const e = this.#inputs.get(input);
    if (e === undefined) this.#inputs.set(input, { max: -Infinity, idle: false });
    else e.idle = false;
  }

  idle(input: string): void {
    const e = this.#inputs.get(input);
    if (!e || e.idle) return;
    e.idle = true;
    this.#rebase();
    this.#drain();
  }

  advance(input: string, time: number): void {
    this.#reached(input, time);
    this.#drain();
  }

  removeInput(input: string): void {
    if (!this.#inputs.delete(input)) return;
    this.#rebase();
    this.#drain();
  }

  end(): void {
    this.#ended = true;
    this.#drain();
  }

  #reached(input: string, time: number): void {
    this.#latest = Math.max(this.#latest, time);
    const e = this.#inputs.get(input);
    if (e === undefined) this.#inputs.set(input, { max: time, idle: false });
    else {
      e.max = Math.max(e.max, time);
      e.idle = false;
    }
    this.#rebase();
  }

  #rebase(): void {
    const active = [...this.#inputs.values()].filter((e) => !e.idle).map((e) => e.max);
    const least = active.length > 0 ? Math.min(...active) : Math.max(-Infinity, ...[...this.#inputs.values()].map((e) => e.max));
    if (least > this.#maxSeen) this.#maxSeen = least;
  }

  #drain(): void {
    for (;;) {
      this.#events.sort((a, b) => a.time - b.time || a.order - b.order);
      const next = this.#events[0];
      if (!next || next.time > this.watermark) break;
      this.#events.shift();
      this.#fireBefore(next.time);
      this.log.push(`event ${next.id}`);
    }
    this.#fireBefore(this.watermark);
  }

  #fireBefore(time: number): void {
    if (this.#firing) return;
    this.#firing = true;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.time - b.time || a.rank - b.rank || a.order - b.order);
      const t = this.#timers[0];
      if (!t || !(t.at < time)) break;
      this.#timers.shift();
      this.log.push(`timer ${t.time}`);
    }
    this.#firing = false;
  }
}

const INPUTS = ['p0', 'p1', 'p2'];
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('accept' as const), input: fc.option(fc.constantFrom(...INPUTS), { nil: undefined, freq: 4 }), time: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('untimed' as const), input: fc.option(fc.constantFrom(...INPUTS), { nil: undefined, freq: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), input: fc.constantFrom(...INPUTS), time: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('idle' as const), input: fc.constantFrom(...INPUTS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), input: fc.constantFrom(...INPUTS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), input: fc.constantFrom(...INPUTS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('timer' as const), time: fc.integer({ min: 0, max: 40 }), reaches: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
);

function runBoth(lateness: number, ops: readonly Op[]): { simple: string[]; clock: string[] } {
  const simple: string[] = [];
  const reference = new SimpleClock(lateness, simple);
  const log: string[] = [];
  const owner = {};
  const handlers: ClockHandlers = {
    process: (_stream, row) => log.push(`event ${String(row['id'])}`),
    fire: (_owner, time) => log.push(`timer ${time}`),
  };
  let clock = new Clock(lateness, handlers);
  ops.forEach((o, i) => {
    switch (o.kind) {
      case 'accept': {
        // As the engine does: a late event is rejected, not accepted.
        if (reference.watermark > o.time) break;
        reference.accept(String(i), o.time, o.input);
        clock.accept('S', { id: String(i) } as unknown as Row, o.time, o.input);
        break;
      }
      case 'untimed':
        reference.acceptUntimed(String(i), o.input);
        clock.acceptUntimed('S', { id: String(i) } as unknown as Row, o.input);
        break;
      case 'advance':
        reference.advance(o.input, o.time);
        clock.advance(o.input, o.time);
        break;
      case 'idle':
        reference.idle(o.input);
        clock.idle(o.input);
        break;
      case 'add':
        reference.addInput(o.input);
        clock.addInput(o.input);
        break;
      case 'remove':
        reference.removeInput(o.input);
        clock.removeInput(o.input);
        break;
      case 'timer':
        reference.schedule(owner, o.time, 0, o.reaches);
        clock.schedule(owner, o.time, 0, o.reaches);
        break;
      case 'checkpoint': {
        const state: ClockState = structuredClone(clock.save());
        clock = new Clock(lateness, handlers);
        clock.load(state);
        break;
      }
    }
  });
  reference.end();
  clock.end();
  return { simple, clock: log };
}

describe('clock', () => {
  it('processes events and fires timers in the order of the simple clock', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.array(op, { maxLength: 60 }), (lateness, ops) => {
        const { simple, clock } = runBoth(lateness, ops);
        expect(clock).toEqual(simple);
      }),
      { numRuns: 3000 },
    );
  });

  it('a Kafka partition of untimed table rows never holds the watermark back', () => {
    const { simple, clock } = runBoth(0, [
      { kind: 'add', input: 'p0' },
      { kind: 'add', input: 'p1' },
      { kind: 'accept', input: 'p0', time: 10 },
      { kind: 'idle', input: 'p1' },
      { kind: 'untimed', input: 'p1' },
      { kind: 'accept', input: 'p0', time: 20 },
      { kind: 'timer', time: 15, reaches: false },
      { kind: 'accept', input: 'p0', time: 30 },
    ]);
    expect(clock).toEqual(simple);
    // The row (op 4) comes after the event at 10; the timer at 15 fires before the event at 30,
    // as p1 no longer holds the watermark at 10.
    expect(clock.slice(0, 4)).toEqual(['event 2', 'event 4', 'event 5', 'timer 15']);
  });

  it('keeps an input that sends in time order in its lane, and takes a straggler in its place', () => {
    const { simple, clock } = runBoth(2, [
      { kind: 'add', input: 'p1' },
      { kind: 'accept', input: 'p0', time: 10 },
      { kind: 'accept', input: 'p0', time: 12 },
      { kind: 'accept', input: 'p0', time: 11 },
      { kind: 'accept', input: 'p1', time: 9 },
      { kind: 'accept', input: 'p1', time: 15 },
      { kind: 'checkpoint' },
      { kind: 'accept', input: 'p0', time: 13 },
      { kind: 'accept', input: 'p1', time: 20 },
    ]);
    expect(clock).toEqual(simple);
    // p1 holds the watermark until it sends; 11 comes after 12 on p0 and still goes first.
    expect(clock).toEqual(['event 4', 'event 1', 'event 3', 'event 2', 'event 7', 'event 5', 'event 8']);
  });
});

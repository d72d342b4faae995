/**
 * Partial matches (LANGUAGE.md 6.2). A run stands at an element having bound some events to it.
 * Runs share their common prefixes: the binding trail is a persistent list, so a fork costs one
 * small object and copies of the (short) slot and aggregate arrays, never of the events.
 */
import type { Row } from '../../runtime/row.js';

/** An event taken by the shared Kleene element (section 11), newest first. */
export interface SharedNode {
  readonly row: Row;
  readonly seq: number;
  readonly prev: SharedNode | undefined;
}

/** One binding of a run, newest first: which event went to which element and atom. */
export interface Binding {
  readonly seq: number;
  readonly element: number;
  /** The atom's position in its OR/AND group (0 for a plain atom). */
  readonly atom: number;
  readonly prev: Binding | undefined;
}

export class Run {
  /** The element the run stands at: the last one it bound an event to. */
  element: number;
  /** Events bound to that element (1 for groups). */
  count: number;
  /** For an AND group: the atoms bound so far, as bits. */
  mask: number;
  /** Events bound to singleton atoms, by slot. */
  bound: (Row | undefined)[];
  /** Kleene aggregates: values, and two numbers of working state each (sum and count for AVG). */
  kleene: unknown[];
  work: number[];
  firstSeq: number;
  deadline: number;
  trail: Binding | undefined;
  lastSeq: number;
  alive = true;
  /** The id of the partition the run belongs to. */
  partition = '';
  /**
   * Section 11. For a run at or past the shared Kleene element: the events that element took,
   * standing for every choice among them. For a run before it: the run that holds its choices.
   */
  shared: SharedNode | undefined = undefined;
  feeds: Run | undefined = undefined;
  /** The next run of its partition (see RunChain). */
  next: Run | undefined = undefined;

  constructor(element: number, firstTime: number, firstSeq: number, within: number, slots: (Row | undefined)[], kleene: unknown[], work: number[]) {
    this.element = element;
    this.count = 0;
    this.mask = 0;
    this.bound = slots;
    this.kleene = kleene;
    this.work = work;
    this.firstSeq = firstSeq;
    this.deadline = firstTime + within;
    this.trail = undefined;
    this.lastSeq = firstSeq;
  }

  /**
   * Makes a dead run a new one at element 0 with nothing bound, keeping its arrays (see the
   * pattern operator's recycling). `kleene` holds the aggregates' initial values.
   */
  restart(firstTime: number, firstSeq: number, within: number, kleene: readonly unknown[]): void {
    this.element = 0;
    this.count = 0;
    this.mask = 0;
    const bound = this.bound;
    for (let i = 0; i < bound.length; i++) bound[i] = undefined;
    for (let i = 0; i < kleene.length; i++) this.kleene[i] = kleene[i];
    for (let i = 0; i < this.work.length; i++) this.work[i] = 0;
    this.firstSeq = firstSeq;
    this.deadline = firstTime + within;
    this.trail = undefined;
    this.lastSeq = firstSeq;
    this.alive = true;
    this.partition = '';
    this.shared = undefined;
    this.feeds = undefined;
    this.next = undefined;
  }

  /** A copy that shares the trail and the events; the arrays are copied. */
  fork(): Run {
    const copy = new Run(this.element, this.deadline, this.firstSeq, 0, this.bound.slice(), this.kleene.slice(), this.work.slice());
    copy.count = this.count;
    copy.mask = this.mask;
    copy.trail = this.trail;
    copy.lastSeq = this.lastSeq;
    copy.partition = this.partition;
    copy.shared = this.shared;
    return copy;
  }
}

/**
 * Runs in order, linked through `Run.next`: stepping a partition reaches its runs with one load
 * each, where an array would add two (the list, then its storage), and builds the next chain
 * without allocating. Runs are chained in the order they were made, which is also the order of
 * their deadlines (a run's deadline is its first event's time plus WITHIN; events come in time
 * order and a fork keeps its parent's deadline): the first run has the earliest.
 */
export class RunChain {
  head: Run | undefined = undefined;
  tail: Run | undefined = undefined;

  push(run: Run): void {
    run.next = undefined;
    if (this.tail) this.tail.next = run;
    else this.head = run;
    this.tail = run;
  }

  /** Takes over the runs of `other`, which is left empty. */
  moveFrom(other: RunChain): void {
    this.head = other.head;
    this.tail = other.tail;
    other.head = undefined;
    other.tail = undefined;
  }
}

/** The bindings of a run, oldest first. */
export function trailOf(run: Run): Binding[] {
  const out: Binding[] = [];
  for (let b = run.trail; b; b = b.prev) out.push(b);
  return out.reverse();
}

/** Writes the bindings of the list `head` (newest first) into `out`, oldest first; returns their number. */
export function bindingsInto(head: Binding | undefined, out: Binding[]): number {
  let n = 0;
  for (let b = head; b; b = b.prev) n++;
  let i = n;
  for (let b = head; b; b = b.prev) out[--i] = b;
  return n;
}

/**
 * 6.2 rule 9: matches in order of their first events, then of their bound events position by
 * position; matches binding the same events by the first event bound differently — the one that
 * bound it to the earlier element first, then the atom written first.
 */
export function compareMatches(a: readonly Binding[], b: readonly Binding[], aLength = a.length, bLength = b.length): number {
  const n = Math.min(aLength, bLength);
  for (let i = 0; i < n; i++) {
    const d = a[i]!.seq - b[i]!.seq;
    if (d !== 0) return d;
  }
  if (aLength !== bLength) return aLength - bLength;
  for (let i = 0; i < n; i++) {
    const d = a[i]!.element - b[i]!.element || a[i]!.atom - b[i]!.atom;
    if (d !== 0) return d;
  }
  return 0;
}

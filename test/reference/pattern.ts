/**
 * Reference pattern matching: a direct reading of LANGUAGE.md 6.2, rule by rule, with no
 * optimisation. Runs are plain immutable values (every fork copies its bindings), every
 * condition is re-evaluated from the bindings by the tree-walking evaluator, and the matches of
 * one step are sorted by rule 9 at the end. The fast engine (src/operators/pattern/) must
 * produce exactly the same matches in exactly the same order.
 */
import type { AttachedConjunct, PatternElement, PatternQuery } from '../../src/analysis/bound.js';
import { evaluate, holds, type Env, type Row } from './evaluate.js';

/** An accepted event: stream, event time, position in processing order, validated data. */
export interface RefEventRecord {
  /** Arrival position (input and derived events share one counter): rule 9's "position". */
  readonly seq: number;
  readonly stream: string;
  readonly ts: number;
  readonly data: Row;
}

/** One event bound by a run to one atom (slot) of one element. */
interface Binding {
  readonly event: RefEventRecord;
  readonly slot: number;
  readonly element: number;
}

/**
 * A run (6.2): a partial match. It stands at element `element`, and `bindings` holds every
 * event it took, in the order taken (which is the arrival order). Elements passed over have no
 * binding: their aliases read NULL, or an empty list for a Kleene element.
 */
interface Run {
  readonly partition: string;
  readonly element: number;
  readonly bindings: readonly Binding[];
}

/** A take (6.2): an element the run may bind the next event to, and the atom of it. */
interface Take {
  readonly element: number;
  readonly slot: number;
}

interface Partition {
  /** The PARTITION BY key by column name, for bare key columns in SELECT and WHERE. */
  readonly key: Readonly<Record<string, unknown>>;
  runs: Run[];
}

/** A match, projected: the output event's time and data. */
export interface RefMatch {
  readonly time: number;
  readonly data: Record<string, unknown>;
}

const slotsOf = (el: PatternElement): readonly number[] => (el.kind === 'or' || el.kind === 'and' ? el.slots : [el.slot]);

/** 6.1: an element's minimum count. OR and AND groups bind one event per atom: minimum 1. */
function minimum(el: PatternElement): number {
  if (el.kind === 'atom') return el.min;
  return el.kind === 'not' ? 0 : 1;
}

export class PatternReference {
  readonly #q: PatternQuery;
  readonly #streams: ReadonlySet<string>;
  readonly #partitions = new Map<string, Partition>();

  readonly #lookup: Env['lookup'];

  constructor(query: PatternQuery, lookup?: Env['lookup']) {
    this.#q = query;
    this.#lookup = lookup;
    this.#streams = new Set(query.atoms.map((a) => a.stream));
    for (const c of query.conjuncts) {
      if (query.elements[c.element]?.kind === 'not') throw new Error('reference: a WHERE conjunct attached to a NOT element');
    }
  }

  /** Whether the event belongs to the relevant sequence of some partition (6.2). */
  reads(stream: string): boolean {
    return this.#streams.has(stream);
  }

  // ------------------------------------------------------------------------------ one event

  /** Processes one event of the pattern's streams: the matches it completes, in output order. */
  onEvent(ev: RefEventRecord): RefMatch[] {
    if (!this.reads(ev.stream)) return [];
    const q = this.#q;
    // 6.2: the relevant sequence is restricted to the event's partition.
    const partitionId = this.#partitionId(ev);
    const partition = this.#partitions.get(partitionId) ?? { key: this.#keyRecord(ev), runs: [] };
    this.#partitions.set(partitionId, partition);

    const completed: Run[] = [];
    const live: Run[] = [];
    const add = (run: Run) => {
      // Rule 5: a run whose remaining elements all have minimum 0 has matched, at once.
      if (this.#completes(run)) completed.push(run);
      // A completed run that can still take events (a trailing Kleene element) lives on.
      if (this.#takes(run).length > 0 || this.#atTrailingNot(run)) live.push(run);
    };

    // "For each event, every live run, in order":
    for (const run of partition.runs) {
      // Rule 1 (negation): a run that has bound x, before NOT n, dies if the event satisfies n.
      const killed = this.#violatesNot(run, ev);
      // Rule 2 (takes): one fork per take whose condition the event satisfies.
      const forks = this.#takes(run)
        .filter((t) => this.#satisfies(run, t, ev))
        .map((t) => bind(run, t, ev));
      const relevant = forks.length > 0;
      let keep: boolean;
      if (killed) {
        keep = false; // rule 1: "only the forks that take it live on"
      } else if (relevant) {
        // Rule 3: a relevant event is never skipped, except that SKIP TILL ANY MATCH keeps
        // "one more fork" with the run as it was.
        keep = q.strategy === 'SKIP_TILL_ANY_MATCH';
      } else if (this.#atTrailingNot(run)) {
        keep = true; // rule 3: the strategy does not apply to a run at a trailing NOT
      } else {
        // Rule 3: an irrelevant event is skipped, except under STRICT CONTIGUITY, where the run dies.
        keep = q.strategy !== 'STRICT_CONTIGUITY';
      }
      if (keep) live.push(run);
      forks.forEach(add);
    }

    // 6.2: "Every event that satisfies the first element's condition starts a new run" — after
    // the existing runs. An OR or AND group first forks as in rule 6.
    const fresh: Run = { partition: partitionId, element: 0, bindings: [] };
    for (const slot of slotsOf(q.elements[0]!)) {
      const take = { element: 0, slot };
      if (this.#satisfies(fresh, take, ev)) add(bind(fresh, take, ev));
    }

    partition.runs = live;
    return this.#emit(completed, ev.ts);
  }

  // -------------------------------------------------------------------------------- timers

  /** The earliest WITHIN bound (first.ts + WITHIN) of a live run: its timer. */
  nextTimer(): number | undefined {
    let next: number | undefined;
    for (const p of this.#partitions.values()) {
      for (const run of p.runs) {
        const t = this.#deadline(run);
        if (next === undefined || t < next) next = t;
      }
    }
    return next;
  }

  /**
   * The timers at `t` fire (section 3: the watermark has passed t). Rule 4: every run whose
   * bound is t dies, except that a run standing at a trailing NOT completes (rule 5), with
   * time t. Called in increasing t; a run with an earlier bound cannot remain.
   */
  onTimer(t: number): RefMatch[] {
    const completed: Run[] = [];
    for (const partition of this.#partitions.values()) {
      partition.runs = partition.runs.filter((run) => {
        if (this.#deadline(run) > t) return true;
        if (this.#atTrailingNot(run)) completed.push(run);
        return false;
      });
    }
    return this.#emit(completed, t);
  }

  // ------------------------------------------------------------------------------ the rules

  /**
   * 6.2: a run standing at element i having bound k events may take: i itself while k is below
   * its maximum (for an AND group, each atom not yet bound); and once k has reached i's
   * minimum, the next element, and past it every following element up to and including the
   * first whose minimum is above 0. NOT elements are never takes.
   */
  #takes(run: Run): Take[] {
    const { elements } = this.#q;
    const i = run.element;
    const el = elements[i]!;
    const bound = run.bindings.filter((b) => b.element === i);
    const takes: Take[] = [];
    if (el.kind === 'atom' && bound.length < el.max) takes.push({ element: i, slot: el.slot });
    if (el.kind === 'and') {
      for (const slot of el.slots) if (!bound.some((b) => b.slot === slot)) takes.push({ element: i, slot });
    }
    if (this.#hasMinimum(run)) {
      for (let j = i + 1; j < elements.length; j++) {
        const next = elements[j]!;
        if (next.kind === 'not') continue; // never a take; it binds nothing
        for (const slot of slotsOf(next)) takes.push({ element: j, slot });
        if (minimum(next) > 0) break;
      }
    }
    return takes;
  }

  /** Whether the run has bound its element's minimum (an AND group: all of its atoms). */
  #hasMinimum(run: Run): boolean {
    const el = this.#q.elements[run.element]!;
    const k = run.bindings.filter((b) => b.element === run.element).length;
    return el.kind === 'and' ? k === el.slots.length : k >= minimum(el);
  }

  /** Rule 5: the element's minimum is reached and every remaining element has minimum 0. */
  #completes(run: Run): boolean {
    if (!this.#hasMinimum(run)) return false;
    // A NOT is not "minimum 0": a run before a trailing NOT completes only at its WITHIN bound.
    return this.#q.elements.slice(run.element + 1).every((el) => el.kind !== 'not' && minimum(el) === 0);
  }

  /** A run that has bound the element before a trailing NOT: it has no takes (rule 3). */
  #atTrailingNot(run: Run): boolean {
    const { elements } = this.#q;
    return elements.at(-1)!.kind === 'not' && run.element === elements.length - 2 && this.#hasMinimum(run);
  }

  /** 6.1: "a match's last event is at most duration after its first". */
  #deadline(run: Run): number {
    return run.bindings[0]!.event.ts + this.#q.within;
  }

  /**
   * Whether the event satisfies the condition of a take, given the run's bindings (rule 2):
   * the atom's stream, its inline condition (the candidate is the event; Kleene aggregates of
   * its own element read the events bound so far, excluding the candidate), and the WHERE
   * conjuncts attached to the element (rule 7), which read the event as bound.
   */
  #satisfies(run: Run, take: Take, ev: RefEventRecord): boolean {
    const atom = this.#q.atoms[take.slot]!;
    if (ev.stream !== atom.stream) return false;
    if (run.bindings.length > 0 && ev.ts > this.#deadline(run)) return false; // WITHIN (rule 4)
    if (!holds(atom.condition, this.#env(run, run.bindings, ev.data, ev.ts))) return false;
    const after = [...run.bindings, { event: ev, slot: take.slot, element: take.element }];
    const env = this.#env(run, after, ev.data, ev.ts);
    return this.#q.conjuncts.every((c) => !this.#conjunctApplies(c, take, after) || holds(c.expr, env));
  }

  /**
   * Rule 7: a conjunct is part of its element's condition, "exactly as if written inline". For
   * a single atom, that is the atom's. In a group, a conjunct that names atoms of the group is
   * checked as if written inline in them: in an OR group, at the take of an atom it names (the
   * group's other atoms read NULL); in an AND group, at the take that binds the last of the
   * atoms it names. A conjunct that names no atom of the group is checked at every take of it.
   */
  #conjunctApplies(c: AttachedConjunct, take: Take, after: readonly Binding[]): boolean {
    if (c.element !== take.element) return false;
    const el = this.#q.elements[take.element]!;
    if (el.kind !== 'or' && el.kind !== 'and') return true;
    const named = c.slots.filter((s) => el.slots.includes(s));
    if (named.length === 0) return true;
    if (!named.includes(take.slot)) return false;
    return el.kind === 'or' || named.every((s) => after.some((b) => b.slot === s));
  }

  /**
   * Rule 1: in `x -> NOT n -> y` (or a trailing `x -> NOT n`), a run that has bound x but not y
   * dies if the event satisfies n's condition (its stream and its inline condition).
   */
  #violatesNot(run: Run, ev: RefEventRecord): boolean {
    const next = this.#q.elements[run.element + 1];
    if (next?.kind !== 'not' || !this.#hasMinimum(run)) return false;
    const atom = this.#q.atoms[next.slot]!;
    return ev.stream === atom.stream && holds(atom.condition, this.#env(run, run.bindings, ev.data, ev.ts));
  }

  // -------------------------------------------------------------------------------- output

  /**
   * Emits the matches completed by one event or one timer. WHERE conjuncts attached at
   * completion (rule 7) filter them; rule 9 orders them; rule 8: each emission discards the
   * partition's runs that started at or before its last event, the completed ones not yet
   * emitted included (by one event, all of them: "the one that rule 9 would emit first wins").
   */
  #emit(completed: readonly Run[], time: number): RefMatch[] {
    const q = this.#q;
    const atCompletion = q.conjuncts.filter((c) => c.element === q.elements.length);
    const matches = completed
      .filter((run) => atCompletion.every((c) => holds(c.expr, this.#env(run, run.bindings, undefined, time))))
      .sort(rule9Order);
    let emitted = matches;
    if (q.skipPastLastEvent) {
      const emittedUpTo = new Map<string, number>();
      emitted = [];
      for (const match of matches) {
        const before = emittedUpTo.get(match.partition);
        if (before !== undefined && match.bindings[0]!.event.seq <= before) continue; // discarded by an earlier emission
        const last = match.bindings.at(-1)!.event.seq;
        emittedUpTo.set(match.partition, last);
        emitted.push(match);
        const partition = this.#partitions.get(match.partition)!;
        partition.runs = partition.runs.filter((r) => r.bindings[0]!.event.seq > last);
      }
    }
    return emitted.map((run) => {
      const env = this.#env(run, run.bindings, undefined, time);
      const data = Object.fromEntries(q.projections.map((p) => [p.name, evaluate(p.expr, env)]));
      return { time, data };
    });
  }

  // ------------------------------------------------------------------------------- helpers

  /** What expressions read: each singleton's event, each Kleene element's events, the key. */
  #env(run: Run, bindings: readonly Binding[], input: Row | undefined, now: number): Env {
    const atoms: (Row | undefined)[] = [];
    const kleene: Row[][] = [];
    for (const b of bindings) {
      if (this.#q.atoms[b.slot]!.kleene) (kleene[b.slot] ??= []).push(b.event.data);
      else atoms[b.slot] = b.event.data;
    }
    const key = this.#partitions.get(run.partition)?.key ?? {};
    return { input, atoms, kleene, key, now, lookup: this.#lookup };
  }

  #keyColumns(stream: string): readonly string[] {
    return this.#q.partitionBy[stream] ?? [];
  }

  /**
   * The partition an event belongs to: its PARTITION BY values (one partition when there is no
   * PARTITION BY). A NULL key value is a key like any other, as NULLs group together in SQL's
   * GROUP BY; values of different types (1 and '1') are different keys.
   */
  #partitionId(ev: RefEventRecord): string {
    return JSON.stringify(this.#keyColumns(ev.stream).map((c) => ev.data[c] ?? null));
  }

  /** The key by column name: bare PARTITION BY columns have the same name in every stream. */
  #keyRecord(ev: RefEventRecord): Record<string, unknown> {
    return Object.fromEntries(this.#keyColumns(ev.stream).map((c) => [c, ev.data[c] ?? null]));
  }
}

/** A fork of `run` that binds the event to the take's atom, standing at the take's element. */
function bind(run: Run, take: Take, ev: RefEventRecord): Run {
  return {
    partition: run.partition,
    element: take.element,
    bindings: [...run.bindings, { event: ev, slot: take.slot, element: take.element }],
  };
}

/**
 * Rule 9: in the order of the first events, then of the bound events compared position by
 * position (by arrival position). Matches that bind the same events are ordered by the first
 * event they bind differently: the one that bound it to the earlier element first, and within
 * a group to the atom written first — that is, the lower slot, since slots are numbered in
 * element order and, within a group, in the order written.
 */
export function rule9Order(a: Run, b: Run): number {
  const n = Math.min(a.bindings.length, b.bindings.length);
  for (let i = 0; i < n; i++) {
    const d = a.bindings[i]!.event.seq - b.bindings[i]!.event.seq;
    if (d !== 0) return d;
  }
  if (a.bindings.length !== b.bindings.length) return a.bindings.length - b.bindings.length;
  for (let i = 0; i < n; i++) {
    const d = a.bindings[i]!.slot - b.bindings[i]!.slot;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Runs a pattern automaton over its streams (LANGUAGE.md 6.2 rules 1-9, section 3's timers).
 * State is kept per partition; each event steps the runs of its partition only. Runs expire
 * from a deadline heap (the run's first time plus WITHIN), which is also when a run standing at
 * a trailing NOT completes.
 */
import { Heap } from '../../util/heap.js';
import { stateClass } from '../../util/state-codec.js';
import { ReusableList } from '../../util/reusable-list.js';
import { emptyScope, type EvalScope, type Row } from '../../runtime/row.js';
import type { EventGuard, Operator, OperatorContext, OperatorEvent } from '../operator.js';
import { anyGuardsOf, StreamInputs, type AtomSpec, type Automaton } from './automaton.js';
import { Run, RunChain, trailOf, type Binding } from './run.js';
import { choices, sharedEvents } from './shared-kleene.js';
import { aggregateInto, initialKleene, initialWork } from './kleene-aggregates.js';
import { fresh, Partition } from './partition.js';
import { sortByRule9, type Match as AnyMatch } from './matches.js';

export interface PatternLimits {
  /** Runs kept per partition; a new run beyond it is dropped and counted. */
  readonly maxRunsPerPartition: number;
  /** Runs kept by the whole query. */
  readonly maxRunsPerQuery: number;
  /** Matches one completion of a shared Kleene run may enumerate (section 11); the rest are dropped and counted. */
  readonly maxMatchesPerCompletion?: number;
}

stateClass('pattern.Run', Run);

/** What a checkpoint keeps of a pattern operator (runs share events, prefixes and shared Kleene nodes). */
interface PatternState {
  readonly partitions: ReadonlyMap<string, Partition>;
  readonly waiting: readonly Run[];
  readonly nextSweep: number;
  readonly requested: number;
  readonly live: number;
}

type Match = AnyMatch<Partition>;

/** A satisfied take, packed as `element * 256 + atom` (groups have fewer than 256 atoms). */
type Take = number;
const takeOf = (element: number, atom: number): Take => element * 256 + atom;

const NO_KEY: readonly unknown[] = [];

const isAlive = (run: Run): boolean => run.alive;

/** At most this many dead runs are kept for reuse (see PatternOperator.#recycles). */
const MAX_FREE_RUNS = 10_000;

export class PatternOperator implements Operator {
  readonly inputs: readonly string[];
  readonly anyGuards: ReadonlyMap<string, readonly EventGuard[]>;
  readonly #a: Automaton;
  readonly #ctx: OperatorContext;
  readonly #limits: PatternLimits;
  readonly #partitions = new Map<string, Partition>();
  /** Runs standing at a trailing NOT, by deadline: they complete exactly then (6.2 rule 5). */
  readonly #waiting = new Heap<Run>((x, y) => x.deadline < y.deadline || (x.deadline === y.deadline && x.firstSeq < y.firstSeq));
  /**
   * When expired runs are next swept away (6.2 rule 4) from partitions that see no events;
   * stepping drops them too. A sweep visits every partition once per WITHIN, so its cost per
   * event is constant, and no run outlives its deadline by more than one WITHIN.
   */
  #nextSweep = Infinity;
  readonly #scope: EvalScope = emptyScope();
  readonly #takes = new ReusableList<Take>();
  /** The matches of the event being processed (emitted, then cleared, before it returns). */
  readonly #matches: Match[] = [];
  /** Where an event's surviving runs are chained (empty between events). */
  readonly #out = new RunChain();
  /** Scratch state for testing whether an event starts a run: nothing bound yet. */
  readonly #noBindings: (Row | undefined)[];
  readonly #noKleene: unknown[];
  /** The atoms (`AtomSpec.bit`) the current event cannot satisfy. */
  #ruledOut = 0;
  /** What the operator reads per input stream, and the last stream asked for (most inputs have one). */
  readonly #inputs: StreamInputs;
  /**
   * Dead runs kept for reuse, chained through `next`, when no run can be referenced once dead:
   * without a trailing NOT (the deadline heap holds runs) or a shared Kleene element (a run
   * refers to the run holding its choices), a dead run is only in its partition's chain, until
   * the chain is rebuilt. Reusing runs keeps them out of V8's young generation, which otherwise
   * copies each one that lives across a scavenge (runs live up to WITHIN).
   */
  readonly #recycles: boolean;
  #free: Run | undefined = undefined;
  #freeCount = 0;
  /** The earliest timer requested and not yet fired. */
  #requested = Infinity;
  #live = 0;

  constructor(automaton: Automaton, ctx: OperatorContext, limits: PatternLimits) {
    this.#a = automaton;
    this.#inputs = new StreamInputs(automaton);
    this.#ctx = ctx;
    this.#limits = limits;
    this.inputs = [...automaton.streams];
    this.anyGuards = anyGuardsOf(automaton, this.#inputs);
    this.#noBindings = new Array<Row | undefined>(automaton.slotCount);
    this.#noKleene = initialKleene(this.#a.kleeneAggregates);
    this.#recycles = automaton.sharedKleene === undefined && !automaton.trailingNotAfter.includes(true);
  }

  stateSize(): number {
    return this.#live;
  }

  saveState(): PatternState {
    return { partitions: this.#partitions, waiting: this.#waiting.items(), nextSweep: this.#nextSweep, requested: this.#requested, live: this.#live };
  }

  loadState(state: unknown): void {
    const s = state as PatternState;
    this.#partitions.clear();
    for (const [id, partition] of s.partitions) {
      this.#partitions.set(id, partition);
      // Saved before partitions kept when their first run is due (earlier versions).
      partition.refreshDue();
      for (let run = partition.head; run; run = run.next) this.#upgrade(run);
    }
    for (const run of s.waiting) this.#upgrade(run);
    this.#waiting.load(s.waiting);
    this.#nextSweep = s.nextSweep;
    this.#requested = s.requested;
    this.#live = s.live;
  }

  onEvent(ev: OperatorEvent): void {
    const a = this.#a;
    const input = this.#inputs.of(ev.stream);
    const reader = input.key;
    const ruledOut = (this.#ruledOut = input.guards ? input.guards(ev.row) : 0);
    // No atom could take the event, end a run or start one: its partition is not looked up.
    if (input.idleBits >= 0 && (ruledOut & input.idleBits) === input.idleBits) return;
    const id = reader ? reader.id(ev.row) : '';
    const existing = this.#partitions.get(id);
    const scope = this.#scope;
    scope.key = existing ? existing.values : reader && a.readsKey ? reader.values(ev.row) : NO_KEY;
    scope.now = ev.time;
    const matches = this.#matches;
    // The runs that live on are chained anew, in order.
    const out = this.#out;
    // Whether the partition's runs stay as they are, in place.
    let kept = false;
    if (existing) {
      const passive = input.stepBits >= 0 && (this.#ruledOut & input.stepBits) === input.stepBits;
      const unexpired = fresh(existing, ev.time);
      if (passive && unexpired) {
        // No run can take the event or be ended by it, and none has expired (the first run's
        // deadline is the earliest): stepping would keep them all. No run is even read.
        kept = true;
      } else {
        const skippable = unexpired ? input.runBits : undefined;
        const ruledOut = this.#ruledOut;
        let run = existing.head;
        while (run) {
          const next = run.next;
          run.next = undefined;
          if (run.alive) {
            const bits = skippable === undefined ? -1 : skippable[run.element]!;
            if (bits !== -1 && (ruledOut & bits) === bits) out.push(run);
            else this.#step(run, ev, out, matches, existing, unexpired);
          }
          run = next;
        }
      }
    }
    // Most events of a new key start nothing: then no partition is made at all.
    const starts = this.#startTakes(ev);
    if (!existing && starts === 0) return;
    const partition = existing ?? new Partition(id, scope.key);
    if (starts > 0) this.#start(ev, out, matches, partition);
    if (kept) partition.append(out);
    else partition.moveFrom(out);
    if (!existing && partition.head) {
      if (reader && !a.readsKey) partition.values = reader.values(ev.row);
      this.#partitions.set(id, partition);
      if (this.#nextSweep === Infinity) {
        this.#nextSweep = ev.time + a.within;
        this.#request();
      }
    }
    if (matches.length > 0) {
      this.#emit(matches, partition);
      matches.length = 0;
    }
  }

  onTimer(time: number): void {
    if (this.#requested <= time) this.#requested = Infinity;
    const heap = this.#waiting;
    const scope = this.#scope;
    while (heap.size > 0 && heap.peek()!.deadline <= time) {
      const deadline = heap.peek()!.deadline;
      const completed: Match[] = [];
      const touched = new Set<Partition>();
      while (heap.size > 0 && heap.peek()!.deadline === deadline) {
        const run = heap.pop()!;
        if (!run.alive) continue;
        const partition = this.#partitions.get(run.partition);
        this.#kill(run, partition);
        if (!partition) continue;
        touched.add(partition);
        // 6.2 rules 4 and 5: at its deadline a run standing at a trailing NOT completes, with
        // the timer's time.
        scope.key = partition.values;
        scope.now = deadline;
        if (run.shared) this.#sharedMatches(run, deadline, run.lastSeq, partition, false, completed);
        else {
          this.#load(run);
          if (!this.#a.completion || this.#a.completion(scope)) {
            completed.push({ data: this.#a.project(scope), time: deadline, head: run.trail, trail: undefined, firstSeq: run.firstSeq, lastSeq: run.lastSeq, partition });
          }
        }
      }
      this.#emitTimed(completed);
      for (const p of touched) this.#retain(p, isAlive);
    }
    if (time >= this.#nextSweep) {
      for (const p of this.#partitions.values()) this.#sweep(p, time);
      this.#nextSweep = this.#partitions.size > 0 ? time + Math.max(1, this.#a.within) : Infinity;
    }
    this.#request();
  }

  /**
   * Drops a partition's expired runs (the watermark has passed their first time plus WITHIN),
   * and the partition itself once it has none; runs waiting at a trailing NOT complete on their
   * own timer. Empty partitions are removed here, not as they empty, so that a busy key does
   * not churn the partition map.
   */
  #sweep(p: Partition, time: number): void {
    this.#retain(p, (run) => {
      if (!run.alive) return false;
      if (run.deadline <= time && !this.#isWaiting(run)) {
        this.#kill(run, p);
        return false;
      }
      return true;
    });
    if (p.live === 0) this.#partitions.delete(p.id);
  }

  /** Keeps the partition's runs that pass `keep`, in order. */
  #retain(p: Partition, keep: (run: Run) => boolean): void {
    const out = this.#out;
    let run = p.head;
    while (run) {
      const next = run.next;
      if (keep(run)) out.push(run);
      else {
        run.next = undefined;
        this.#recycle(run);
      }
      run = next;
    }
    p.moveFrom(out);
  }

  #isWaiting(run: Run): boolean {
    return this.#a.trailingNotAfter[run.element] === true && this.#isComplete(run);
  }

  /** Asks for a timer at the earliest of the next completion and the next sweep. */
  #request(): void {
    const heap = this.#waiting;
    while (heap.size > 0 && !heap.peek()!.alive) heap.pop();
    const next = Math.min(heap.peek()?.deadline ?? Infinity, this.#nextSweep);
    if (next < this.#requested) {
      this.#requested = next;
      this.#ctx.scheduleAfter(next);
    }
  }

  // ---------------------------------------------------------------------------------- stepping

  /** 6.2 rules 1-5 for one run and one event; the runs that live on go into `out`. */
  #step(run: Run, ev: OperatorEvent, out: RunChain, matches: Match[], partition: Partition, unexpired: boolean): void {
    const a = this.#a;
    if (!unexpired && ev.time > run.deadline) {
      this.#kill(run, partition);
      this.#recycle(run);
      return;
    }
    this.#load(run);
    const complete = this.#isComplete(run);
    const row = ev.row;
    // Rule 1: a run that has bound the element before a NOT dies on an event satisfying it.
    const not = complete ? a.notAfter[run.element] : undefined;
    const negated = not !== undefined && not.stream === ev.stream && (this.#ruledOut & not.bit) === 0 && not.condition(row, this.#scope);
    // Rule 2: the takes the event satisfies.
    const atTrailingNot = complete && a.trailingNotAfter[run.element] === true;
    const takes = this.#takes;
    takes.reset();
    if (!atTrailingNot) this.#collectTakes(run, complete, ev, takes);
    const sharedTake = a.sharedKleene !== undefined && this.#removeSharedTakes(takes);

    if (takes.size === 0 && !sharedTake) {
      // Rule 3: an irrelevant event. Negation ends the run; STRICT CONTIGUITY ends it too,
      // except at a trailing NOT, where only `n` or time can end it.
      if (negated || (a.strategy === 'STRICT_CONTIGUITY' && !atTrailingNot)) {
        this.#kill(run, partition);
        this.#recycle(run);
      } else out.push(run);
      return;
    }
    // SKIP TILL ANY MATCH keeps the run as it was beside its forks, unless negation ended it.
    const keepOriginal = (a.strategy === 'SKIP_TILL_ANY_MATCH' && !negated) || sharedTake;
    const n = takes.size;
    for (let i = 0; i < n; i++) {
      const reuse = !keepOriginal && i === n - 1;
      const fork = reuse ? run : run.fork();
      this.#apply(fork, takes.at(i), ev);
      this.#afterTake(fork, ev, out, matches, partition, reuse);
    }
    // After the forks, which took other elements with the choices made before this event.
    if (sharedTake) this.#takeShared(run, ev, out, matches, partition);
    if (keepOriginal) out.push(run);
  }

  // ------------------------------------------------------------------- section 11: sharing

  /** Removes the takes of the shared Kleene element; true when there was one. */
  #removeSharedTakes(takes: ReusableList<Take>): boolean {
    const shared = this.#a.sharedKleene!;
    let found = false;
    takes.retain((take) => {
      if (((take / 256) | 0) !== shared) return true;
      found = true;
      return false;
    });
    return found;
  }

  /**
   * The shared Kleene element takes the event: the run holding its choices adds it to the list;
   * a run before the element starts that run with it, once (its later takes go to the list).
   */
  #takeShared(run: Run, ev: OperatorEvent, out: RunChain, matches: Match[], partition: Partition): void {
    const a = this.#a;
    const element = a.sharedKleene!;
    let holder = run;
    if (run.element === element) {
      if (!this.#ctx.admit()) return;
      run.shared = { row: ev.row, seq: ev.seq, prev: run.shared };
      run.count++;
      run.lastSeq = ev.seq;
    } else {
      if (run.feeds?.alive) return;
      const group = this.#newFork(run, partition);
      if (!group) return;
      group.element = element;
      group.count = 1;
      group.mask = 0;
      group.shared = { row: ev.row, seq: ev.seq, prev: undefined };
      group.lastSeq = ev.seq;
      run.feeds = group;
      out.push(group);
      holder = group;
    }
    // A trailing shared Kleene element: every choice that contains this event has matched.
    if (a.completesAt[element] && holder.count >= (a.elements[element] as { min: number }).min) {
      this.#sharedMatches(holder, ev.time, ev.seq, partition, true, matches);
    }
  }

  /** The matches a run with shared choices stands for: one per choice (rules 5 and 9). */
  #sharedMatches(run: Run, time: number, lastSeq: number, partition: Partition, withLast: boolean, matches: Match[]): void {
    const a = this.#a;
    const element = a.sharedKleene!;
    const spec = a.elements[element]!;
    if (spec.kind !== 'atom') return;
    const { chosen, skipped } = choices(sharedEvents(run.shared), spec.min, spec.max, withLast, this.#limits.maxMatchesPerCompletion ?? 100_000);
    if (skipped > 0) this.#ctx.dropped(skipped);
    const trail = trailOf(run);
    const before = trail.filter((b) => b.element < element);
    const after = trail.filter((b) => b.element > element);
    const scope = this.#scope;
    const initial = initialKleene(this.#a.kleeneAggregates);
    for (const choice of chosen) {
      const kleene = run.kleene.slice();
      const work = run.work.slice();
      a.kleeneAggregates.forEach((k, i) => {
        if (k.slot === spec.atom.slot) {
          kleene[i] = initial[i];
          work[2 * i] = 0;
          work[2 * i + 1] = 0;
          work[2 * a.kleeneAggregates.length + i] = 0;
        }
      });
      for (const node of choice) aggregateInto(a.kleeneAggregates, kleene, work, spec.atom.slot, node.row);
      scope.bound = run.bound;
      scope.kleene = kleene;
      if (a.completion && !a.completion(scope)) continue;
      const bindings = choice.map((n): Binding => ({ seq: n.seq, element, atom: 0, prev: undefined }));
      matches.push({ data: a.project(scope), time, head: undefined, trail: [...before, ...bindings, ...after], firstSeq: run.firstSeq, lastSeq, partition });
    }
  }

  /** The takes of a run that the event satisfies, in element then atom order (rule 2, 6, 7). */
  #collectTakes(run: Run, complete: boolean, ev: OperatorEvent, takes: ReusableList<Take>): void {
    const a = this.#a;
    const i = run.element;
    const e = a.elements[i]!;
    if (e.kind === 'atom' && (run.count < e.max || i === a.sharedKleene)) this.#tryAtom(i, 0, e.atom, ev, takes);
    else if (e.kind === 'and' && !complete) {
      for (let k = 0; k < e.atoms.length; k++) if ((run.mask & (1 << k)) === 0) this.#tryGroupAtom(run, i, k, e.atoms[k]!, ev, takes);
    }
    if (!complete) return;
    for (const j of a.next[i]!) {
      const f = a.elements[j]!;
      if (f.kind === 'atom') this.#tryAtom(j, 0, f.atom, ev, takes);
      else if (f.kind === 'or' || f.kind === 'and') {
        for (let k = 0; k < f.atoms.length; k++) this.#tryGroupAtom(run, j, k, f.atoms[k]!, ev, takes);
      }
    }
  }

  #tryAtom(element: number, atomIndex: number, atom: AtomSpec, ev: OperatorEvent, takes: ReusableList<Take>): void {
    if (atom.stream !== ev.stream || (this.#ruledOut & atom.bit) !== 0 || !atom.condition(ev.row, this.#scope)) return;
    const e = this.#a.elements[element]!;
    if (e.kind === 'atom' && e.conjuncts && !this.#withCandidate(atom, e.max > 1, ev.row, e.conjuncts)) return;
    takes.push(takeOf(element, atomIndex));
  }

  /** An atom of an OR or AND group, with the group's WHERE conjuncts (see GroupConjunct). */
  #tryGroupAtom(run: Run | undefined, element: number, atomIndex: number, atom: AtomSpec, ev: OperatorEvent, takes: ReusableList<Take>): void {
    if (atom.stream !== ev.stream || (this.#ruledOut & atom.bit) !== 0 || !atom.condition(ev.row, this.#scope)) return;
    const e = this.#a.elements[element]!;
    if (e.kind !== 'or' && e.kind !== 'and') return;
    const bit = 1 << atomIndex;
    const boundAfter = (run !== undefined && run.element === element && run.count > 0 ? run.mask : 0) | bit;
    for (const c of e.conjuncts) {
      if (c.named !== 0) {
        if ((c.named & bit) === 0) continue;
        if (e.kind === 'and' && (boundAfter & c.named) !== c.named) continue;
      }
      if (!this.#withCandidate(atom, false, ev.row, c.condition)) return;
    }
    takes.push(takeOf(element, atomIndex));
  }

  /** Evaluates conditions with the candidate bound to its slot (restored afterwards). */
  #withCandidate(atom: AtomSpec, kleene: boolean, row: Row, condition: (scope: EvalScope) => boolean): boolean {
    if (kleene) return condition(this.#scope);
    const bound = this.#scope.bound;
    const saved = bound[atom.slot];
    bound[atom.slot] = row;
    try {
      return condition(this.#scope);
    } finally {
      bound[atom.slot] = saved;
    }
  }

  /** Binds the event to the take: a new element, one more Kleene event, or one more AND atom. */
  #apply(run: Run, take: Take, ev: OperatorEvent): void {
    const element = (take / 256) | 0;
    const atom = take % 256;
    const e = this.#a.elements[element]!;
    if (element === run.element && run.count > 0) {
      if (e.kind === 'and') run.mask |= 1 << atom;
      else run.count++;
    } else {
      run.element = element;
      run.count = 1;
      run.mask = e.kind === 'and' ? 1 << atom : 0;
    }
    if (e.kind === 'atom') {
      if (e.max > 1) aggregateInto(this.#a.kleeneAggregates, run.kleene, run.work, e.atom.slot, ev.row);
      else run.bound[e.atom.slot] = ev.row;
    } else if (e.kind === 'or' || e.kind === 'and') {
      run.bound[e.atoms[atom]!.slot] = ev.row;
    }
    run.trail = { seq: ev.seq, element, atom, prev: run.trail };
    run.lastSeq = ev.seq;
  }

  /**
   * Rule 5: a run whose remaining elements all have minimum 0 has matched; it lives on while it
   * can take more. A new run (`tracked` false) is admitted under the caps only if it lives on:
   * a completed match holds no state, so the caps never cost a match.
   */
  #afterTake(run: Run, ev: OperatorEvent, out: RunChain, matches: Match[], partition: Partition, tracked: boolean): void {
    const a = this.#a;
    const complete = this.#isComplete(run);
    if (complete && a.completesAt[run.element]) {
      if (run.shared) this.#sharedMatches(run, ev.time, ev.seq, partition, false, matches);
      else {
        this.#load(run);
        if (!a.completion || a.completion(this.#scope)) {
          matches.push({ data: a.project(this.#scope), time: ev.time, head: run.trail, trail: undefined, firstSeq: run.firstSeq, lastSeq: ev.seq, partition });
        }
      }
    }
    if (!this.#canContinue(run, complete)) {
      if (tracked) this.#kill(run, partition);
      this.#recycle(run);
      return;
    }
    if (!tracked) {
      if (!this.#admit(partition)) {
        this.#recycle(run);
        return;
      }
      this.#track(run, partition);
    }
    out.push(run);
    if (complete && a.trailingNotAfter[run.element]) {
      this.#waiting.push(run);
      if (run.deadline < this.#requested) this.#request();
    }
  }

  #canContinue(run: Run, complete: boolean): boolean {
    const a = this.#a;
    const e = a.elements[run.element]!;
    if (!complete || run.element === a.sharedKleene) return true;
    if (e.kind === 'atom' && run.count < e.max) return true;
    return a.next[run.element]!.length > 0 || a.trailingNotAfter[run.element] === true;
  }

  #isComplete(run: Run): boolean {
    const e = this.#a.elements[run.element]!;
    if (e.kind === 'atom') return run.count >= e.min;
    if (e.kind === 'and') return run.mask === this.#a.fullMask[run.element];
    return true;
  }

  /** Every event satisfying the first element's condition starts a new run (6.2). */
  /** The takes of the first element that the event satisfies, into #takes; their number. */
  #startTakes(ev: OperatorEvent): number {
    const first = this.#a.elements[0]!;
    const scope = this.#scope;
    scope.bound = this.#noBindings;
    scope.kleene = this.#noKleene;
    const takes = this.#takes;
    takes.reset();
    if (first.kind === 'atom') this.#tryAtom(0, 0, first.atom, ev, takes);
    else if (first.kind === 'or' || first.kind === 'and') {
      for (let k = 0; k < first.atoms.length; k++) this.#tryGroupAtom(undefined, 0, k, first.atoms[k]!, ev, takes);
    }
    return takes.size;
  }

  /** Every event that satisfies the first element's condition starts a new run (6.2), one per take in #takes. */
  #start(ev: OperatorEvent, out: RunChain, matches: Match[], partition: Partition): void {
    const takes = this.#takes;
    for (let i = 0; i < takes.size; i++) {
      const take = takes.at(i);
      const run = this.#newRun(ev);
      this.#apply(run, take, ev);
      this.#afterTake(run, ev, out, matches, partition, false);
    }
  }

  // ------------------------------------------------------------------------------- run state

  /** A run at element 0 with nothing bound, starting at `ev`: a recycled one when there is one. */
  #newRun(ev: OperatorEvent): Run {
    const a = this.#a;
    const free = this.#free;
    if (free === undefined) {
      const slots = new Array<Row | undefined>(this.#a.slotCount).fill(undefined);
      return new Run(0, ev.time, ev.seq, a.within, slots, initialKleene(this.#a.kleeneAggregates), initialWork(this.#a.kleeneAggregates));
    }
    this.#free = free.next;
    this.#freeCount--;
    free.restart(ev.time, ev.seq, a.within, this.#noKleene);
    return free;
  }

  /** Keeps a run that is dead or was never admitted, and that nothing refers to, for reuse. */
  #recycle(run: Run): void {
    if (!this.#recycles || this.#freeCount >= MAX_FREE_RUNS) return;
    run.alive = false;
    run.trail = undefined;
    run.next = this.#free;
    this.#free = run;
    this.#freeCount++;
  }

  /**
   * A restored run saved by an earlier version or by FlatPatternOperator: an INT SUM over Kleene
   * events gets its high part, and a run saved in the flat form (which event each element bound,
   * as sequence numbers after the events) gets its trail back.
   */
  #upgrade(run: Run): void {
    const n = this.#a.kleeneAggregates.length;
    if (run.work.length === 2 * n && n > 0) for (let i = 0; i < n; i++) run.work.push(0);
    const slots = this.#a.slotCount;
    const bound = run.bound as unknown[];
    if (bound.length <= slots) return;
    let trail: Binding | undefined;
    for (let element = 0; element < bound.length - slots; element++) {
      const seq = bound[slots + element];
      if (typeof seq === 'number') trail = { seq, element, atom: 0, prev: trail };
    }
    run.trail = trail;
    bound.length = slots;
  }

  #load(run: Run): void {
    this.#scope.bound = run.bound;
    this.#scope.kleene = run.kleene;
  }

  #admit(partition: Partition): boolean {
    if (partition.live >= this.#limits.maxRunsPerPartition || this.#live >= this.#limits.maxRunsPerQuery) {
      this.#ctx.dropped(1);
      return false;
    }
    return this.#ctx.admit();
  }

  #newFork(run: Run, partition: Partition): Run | undefined {
    if (!this.#admit(partition)) return undefined;
    const fork = run.fork();
    this.#track(fork, partition);
    return fork;
  }

  #track(run: Run, partition: Partition): void {
    run.partition = partition.id;
    partition.live++;
    this.#live++;
  }

  #kill(run: Run, partition: Partition | undefined): void {
    if (!run.alive) return;
    run.alive = false;
    this.#live--;
    if (partition) partition.live--;
  }

  // -------------------------------------------------------------------------------- emission

  /** Rules 8 and 9 for the matches one event completed. */
  #emit(matches: Match[], partition: Partition): void {
    if (matches.length === 0) return;
    if (matches.length > 1) sortByRule9(matches);
    if (this.#a.skipPastLastEvent) {
      const winner = matches[0]!;
      this.#ctx.emit(winner.data, winner.time);
      this.#skipPast(partition, winner.lastSeq);
      return;
    }
    for (const m of matches) this.#ctx.emit(m.data, m.time);
  }

  /**
   * Matches completed by a timer, all of one time, in rule 9 order. Rule 8 applies per
   * partition, match by match: an emission discards the runs that started at or before its last
   * event, completed ones included, so a later match is emitted only if it started after the
   * last event of every match emitted before it. (Matches completed by one event all hold that
   * event: there the first wins alone.)
   */
  #emitTimed(matches: Match[]): void {
    if (matches.length === 0) return;
    sortByRule9(matches);
    if (!this.#a.skipPastLastEvent) {
      for (const m of matches) this.#ctx.emit(m.data, m.time);
      return;
    }
    const emittedUpTo = new Map<Partition, number>();
    for (const m of matches) {
      const last = emittedUpTo.get(m.partition);
      if (last !== undefined && m.firstSeq <= last) continue;
      emittedUpTo.set(m.partition, m.lastSeq);
      this.#ctx.emit(m.data, m.time);
      this.#skipPast(m.partition, m.lastSeq);
    }
  }

  /** Rule 8: discards every run of the partition that started at or before `seq`. */
  #skipPast(partition: Partition, seq: number): void {
    this.#retain(partition, (run) => {
      if (run.firstSeq <= seq) this.#kill(run, partition);
      return run.alive;
    });
  }
}

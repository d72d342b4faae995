/**
 * The pattern operator for flat automata: every element binds at most one event (atoms without
 * Kleene closure, optional or not, and NOT), no OR or AND group. Such patterns (`a -> b -> c`,
 * `a -> NOT n -> b`) are most rules, and their state fits in flat arrays: a run is a number, its
 * fields are entries of typed arrays, its bound events and the sequence numbers of what each
 * element bound are stretches of two shared arrays, and a partition is a number with its chain
 * of runs in typed arrays too. A run costs 22 bytes, and 8 per element and per variable (70 for
 * `a -> b -> c`), none of them a JavaScript object of its own, where PatternOperator's costs
 * about 260 in three objects: with ten thousand keys and twenty thousand runs, the state the
 * engine walks per event fits the processor's caches twice as well. The semantics are PatternOperator's (LANGUAGE.md 6.2 rules 1-9, section 3's timers),
 * step for step, for these elements; checkpoints are written in its format, so either reads
 * the other's.
 */
import { Heap } from '../../util/heap.js';
import { OffHeapBytes } from '../../util/off-heap.js';
import { ReusableList } from '../../util/reusable-list.js';
import { emptyScope, type EvalScope, type Row } from '../../runtime/row.js';
import type { EventGuard, Operator, OperatorContext, OperatorEvent } from '../operator.js';
import { anyGuardsOf, StreamInputs, type AtomSpec, type Automaton } from './automaton.js';
import { Partition } from './partition.js';
import { Run } from './run.js';
import type { PatternLimits } from './pattern-operator.js';

/** Whether PatternOperator's flat representation applies: FlatPatternOperator runs the automaton. */
export function isFlat(a: Automaton): boolean {
  return a.sharedKleene === undefined && a.elements.every((e) => e.kind === 'not' || (e.kind === 'atom' && e.max === 1));
}

/** What a checkpoint keeps of a pattern operator: PatternOperator's format. */
interface PatternState {
  readonly partitions: ReadonlyMap<string, Partition>;
  readonly waiting: readonly Run[];
  readonly nextSweep: number;
  readonly requested: number;
  readonly live: number;
}

/** A match before it is emitted: pooled, refilled for each event's matches. */
interface FlatMatch {
  data: Record<string, unknown>;
  time: number;
  /** Per element, the sequence number of the event it bound, -1 for none. */
  readonly seqs: Float64Array;
  firstSeq: number;
  lastSeq: number;
  partition: number;
}

const NONE = -1;
/** A run's state (FlatPatternOperator.#rState). */
const IN_USE = 0;
const WAITING = 1;
const FREE = 2;
const NO_KEY: readonly unknown[] = [];
const NO_KLEENE: unknown[] = [];

/**
 * 6.2 rule 9 for flat matches: by their bound events position by position, then the fewer
 * bindings first, then by the element each position bound (the earlier first). A binding's
 * position is its rank among the elements that bound one, which bind in element order.
 */
function compareMatches(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < n && x[i]! < 0) i++;
    while (j < n && y[j]! < 0) j++;
    if (i === n || j === n) break;
    const d = x[i]! - y[j]!;
    if (d !== 0) return d;
    i++;
    j++;
  }
  let xs = 0;
  let ys = 0;
  for (let k = 0; k < n; k++) {
    if (x[k]! >= 0) xs++;
    if (y[k]! >= 0) ys++;
  }
  if (xs !== ys) return xs - ys;
  for (i = 0, j = 0; ; i++, j++) {
    while (i < n && x[i]! < 0) i++;
    while (j < n && y[j]! < 0) j++;
    if (i === n || j === n) return 0;
    if (i !== j) return i - j;
  }
}

/** Sorts matches by rule 9 (insertion: one event completes few). */
function sortMatches(matches: FlatMatch[], count: number): void {
  for (let i = 1; i < count; i++) {
    const m = matches[i]!;
    let j = i - 1;
    for (; j >= 0 && compareMatches(matches[j]!.seqs, m.seqs) > 0; j--) matches[j + 1] = matches[j]!;
    matches[j + 1] = m;
  }
}

export class FlatPatternOperator implements Operator {
  readonly inputs: readonly string[];
  readonly anyGuards: ReadonlyMap<string, readonly EventGuard[]>;
  readonly #a: Automaton;
  readonly #ctx: OperatorContext;
  readonly #limits: PatternLimits;
  /** Slots of bound events per run, and elements (sequence numbers) per run. */
  readonly #slots: number;
  readonly #width: number;
  readonly #strict: boolean;
  readonly #any: boolean;

  // Partitions, by number: the id's number, the chain of runs, live runs, the first run's deadline.
  readonly #ids = new Map<string, number>();
  #pHead = new Int32Array(16);
  #pTail = new Int32Array(16);
  #pLive = new Int32Array(16);
  /** The deadline of the partition's first run, the earliest (+∞ when it has none): before it, no run can have expired. */
  #pDue = new Float64Array(16);
  #pId: string[] = [];
  #pValues: (readonly unknown[])[] = [];
  readonly #freeParts: number[] = [];
  #partitionCount = 0;

  // Runs, by number. A free run is chained from #free through #rNext.
  #rElement = new Int32Array(64);
  #rNext = new Int32Array(64);
  #rPartition = new Int32Array(64);
  #rAlive = new Uint8Array(64);
  /**
   * IN_USE, WAITING while the run is in the heap of runs waiting at a trailing NOT (it is freed
   * only once out of it), or FREE.
   */
  #rState = new Uint8Array(64);
  #rDeadline = new Float64Array(64);
  /** `#slots` per run: its bound events. */
  #rRows: (Row | undefined)[] = [];
  /**
   * `#width` per run: the sequence number of the event each element bound, -1 for none. A run's
   * first event is its element 0's (runs start there), its last its current element's.
   */
  #rSeqs = new Float64Array(64);
  #runCapacity = 0;
  /** What the typed arrays hold, for the memory budget. */
  readonly #offHeap = new OffHeapBytes(this);
  #free = NONE;
  #live = 0;

  /** Runs standing at a trailing NOT, by deadline: they complete exactly then (6.2 rule 5). */
  readonly #waiting: Heap<number>;
  /** When expired runs are next swept away from partitions that see no events (see PatternOperator). */
  #nextSweep = Infinity;
  /** The earliest timer requested and not yet fired. */
  #requested = Infinity;

  readonly #scope: EvalScope = emptyScope();
  /** The bound events of the run being stepped, copied for its conditions (`scope.bound`). */
  readonly #bound: (Row | undefined)[];
  readonly #noBindings: (Row | undefined)[];
  /** The elements the event satisfies for the run being stepped (rule 2), in order. */
  readonly #takes = new ReusableList<number>();
  #ruledOut = 0;
  readonly #inputs: StreamInputs;
  // The chain of runs that live on, built while a partition is stepped.
  #outHead = NONE;
  #outTail = NONE;
  readonly #matches: FlatMatch[] = [];
  #matchCount = 0;

  constructor(automaton: Automaton, ctx: OperatorContext, limits: PatternLimits) {
    this.#a = automaton;
    this.#inputs = new StreamInputs(automaton);
    this.#ctx = ctx;
    this.#limits = limits;
    this.inputs = [...automaton.streams];
    this.anyGuards = anyGuardsOf(automaton, this.#inputs);
    this.#slots = automaton.slotCount;
    this.#width = automaton.elements.length;
    this.#strict = automaton.strategy === 'STRICT_CONTIGUITY';
    this.#any = automaton.strategy === 'SKIP_TILL_ANY_MATCH';
    this.#bound = new Array<Row | undefined>(automaton.slotCount).fill(undefined);
    this.#noBindings = new Array<Row | undefined>(automaton.slotCount).fill(undefined);
    this.#scope.kleene = NO_KLEENE;
    this.#waiting = new Heap<number>((x, y) => {
      const dx = this.#rDeadline[x]!;
      const dy = this.#rDeadline[y]!;
      return dx < dy || (dx === dy && this.#firstSeq(x) < this.#firstSeq(y));
    });
    this.#reset();
  }

  /**
   * Empty arrays of the first sizes: at the start, and when a sweep finds the operator without
   * runs (after a flood of state has expired, its arrays go back to the system). Arrays
   * otherwise keep the size of the most runs and partitions held at once.
   */
  #reset(): void {
    this.#pHead = new Int32Array(16);
    this.#pTail = new Int32Array(16);
    this.#pLive = new Int32Array(16);
    this.#pDue = new Float64Array(16);
    this.#pId = [];
    this.#pValues = [];
    this.#freeParts.length = 0;
    this.#partitionCount = 0;
    this.#runCapacity = 0;
    this.#rRows = [];
    this.#free = NONE;
    this.#growRuns(64);
  }

  /** Bytes in the typed arrays of runs and partitions. */
  #countBytes(): void {
    const runs = this.#rElement.byteLength + this.#rNext.byteLength + this.#rPartition.byteLength + this.#rAlive.byteLength + this.#rState.byteLength;
    const times = this.#rDeadline.byteLength + this.#rSeqs.byteLength;
    const partitions = this.#pHead.byteLength + this.#pTail.byteLength + this.#pLive.byteLength + this.#pDue.byteLength;
    this.#offHeap.set(runs + times + partitions);
  }

  stateSize(): number {
    return this.#live;
  }

  onEvent(ev: OperatorEvent): void {
    const a = this.#a;
    const input = this.#inputs.of(ev.stream);
    const reader = input.key;
    const ruledOut = (this.#ruledOut = input.guards ? input.guards(ev.row) : 0);
    // No atom could take the event, end a run or start one (a thousand rules on one stream:
    // most events matter to few): its partition is not even looked up.
    if (input.idleBits >= 0 && (ruledOut & input.idleBits) === input.idleBits) return;
    const id = reader ? reader.id(ev.row) : '';
    const found = this.#ids.get(id);
    let p = found === undefined ? NONE : found;
    const scope = this.#scope;
    scope.key = p !== NONE ? this.#pValues[p]! : reader && a.readsKey ? reader.values(ev.row) : NO_KEY;
    scope.now = ev.time;
    this.#outHead = NONE;
    this.#outTail = NONE;
    // Whether the partition's runs stay as they are, in place.
    let kept = false;
    if (p !== NONE) {
      const unexpired = ev.time <= this.#pDue[p]!;
      if (input.stepBits >= 0 && (ruledOut & input.stepBits) === input.stepBits && unexpired) {
        // No run can take the event or be ended by it, and none has expired: none is read.
        kept = true;
      } else {
        const skippable = unexpired ? input.runBits : undefined;
        // (Stepping may grow the run arrays: they are read from the fields each time.)
        let r = this.#pHead[p]!;
        while (r !== NONE) {
          const after = this.#rNext[r]!;
          this.#rNext[r] = NONE;
          if (this.#rAlive[r] === 1) {
            const bits = skippable === undefined ? -1 : skippable[this.#rElement[r]!]!;
            if (bits !== -1 && (ruledOut & bits) === bits) this.#keep(r);
            else this.#step(r, ev, p, unexpired);
          } else this.#release(r);
          r = after;
        }
      }
    }
    // Most events of a new key start nothing: then no partition is made at all.
    const first = a.elements[0]!;
    const starts = first.kind === 'atom' && this.#satisfies(0, first.atom, ev, this.#noBindings);
    if (p === NONE && !starts) return;
    const made = p === NONE;
    if (made) p = this.#newPartition(id, scope.key);
    if (starts) this.#start(ev, p);
    if (kept) this.#append(p);
    else this.#replaceChain(p);
    if (made) {
      if (this.#pHead[p] === NONE) {
        this.#freePartition(p);
        p = NONE;
      } else {
        if (reader && !a.readsKey) this.#pValues[p] = reader.values(ev.row);
        this.#ids.set(id, p);
        if (this.#nextSweep === Infinity) {
          this.#nextSweep = ev.time + a.within;
          this.#request();
        }
      }
    }
    if (this.#matchCount > 0) this.#emit(p);
  }

  onTimer(time: number): void {
    if (this.#requested <= time) this.#requested = Infinity;
    const heap = this.#waiting;
    const scope = this.#scope;
    const a = this.#a;
    while (heap.size > 0 && this.#rDeadline[heap.peek()!]! <= time) {
      const deadline = this.#rDeadline[heap.peek()!]!;
      const touched = new Set<number>();
      while (heap.size > 0 && this.#rDeadline[heap.peek()!] === deadline) {
        const r = heap.pop()!;
        this.#rState[r] = IN_USE;
        if (this.#rAlive[r] === 0) {
          this.#release(r);
          continue;
        }
        const p = this.#rPartition[r]!;
        this.#kill(r);
        touched.add(p);
        // 6.2 rules 4 and 5: at its deadline a run standing at a trailing NOT completes, with
        // the timer's time. It stays in its chain, dead, until the chain is rebuilt below.
        scope.key = this.#pValues[p]!;
        scope.now = deadline;
        this.#load(r);
        if (!a.completion || a.completion(scope)) this.#match(a.project(scope), deadline, r, p);
      }
      this.#emitTimed();
      for (const p of touched) this.#retainAlive(p);
    }
    if (time >= this.#nextSweep) {
      for (const p of this.#ids.values()) this.#sweep(p, time);
      this.#nextSweep = this.#ids.size > 0 ? time + Math.max(1, a.within) : Infinity;
      if (this.#ids.size === 0 && heap.size === 0 && (this.#runCapacity > 64 || this.#pHead.length > 16)) this.#reset();
    }
    this.#request();
  }

  // ---------------------------------------------------------------------------------- stepping

  /** 6.2 rules 1-5 for one run and one event; the runs that live on are chained with #keep. */
  #step(r: number, ev: OperatorEvent, p: number, unexpired: boolean): void {
    const a = this.#a;
    if (!unexpired && ev.time > this.#rDeadline[r]!) {
      this.#kill(r);
      this.#release(r);
      return;
    }
    const element = this.#rElement[r]!;
    const bound = this.#load(r);
    const row = ev.row;
    // Rule 1: a run that has bound the element before a NOT dies on an event satisfying it.
    const not = a.notAfter[element];
    const negated = not !== undefined && not.stream === ev.stream && (this.#ruledOut & not.bit) === 0 && not.condition(row, this.#scope);
    // Rule 2: the takes the event satisfies. A run has bound its element's one event.
    const atTrailingNot = a.trailingNotAfter[element] === true;
    const takes = this.#takes;
    takes.reset();
    if (!atTrailingNot) {
      const next = a.next[element]!;
      for (let k = 0; k < next.length; k++) {
        const j = next[k]!;
        const e = a.elements[j]!;
        if (e.kind === 'atom' && this.#satisfies(j, e.atom, ev, bound)) takes.push(j);
      }
    }
    const n = takes.size;
    if (n === 0) {
      // Rule 3: an irrelevant event. Negation ends the run; STRICT CONTIGUITY ends it too,
      // except at a trailing NOT, where only `n` or time can end it.
      if (negated || (this.#strict && !atTrailingNot)) {
        this.#kill(r);
        this.#release(r);
      } else this.#keep(r);
      return;
    }
    // SKIP TILL ANY MATCH keeps the run as it was beside its forks, unless negation ended it.
    const keepOriginal = this.#any && !negated;
    for (let i = 0; i < n; i++) {
      const reuse = !keepOriginal && i === n - 1;
      const fork = reuse ? r : this.#fork(r);
      this.#apply(fork, takes.at(i), ev);
      this.#afterTake(fork, ev, p, reuse);
    }
    if (keepOriginal) this.#keep(r);
  }

  /** Whether the event satisfies element `j`'s atom and its WHERE conjuncts, for a run whose events are `bound`. */
  #satisfies(j: number, atom: AtomSpec, ev: OperatorEvent, bound: (Row | undefined)[]): boolean {
    const scope = this.#scope;
    scope.bound = bound;
    if (atom.stream !== ev.stream || (this.#ruledOut & atom.bit) !== 0 || !atom.condition(ev.row, scope)) return false;
    const e = this.#a.elements[j]!;
    if (e.kind !== 'atom' || !e.conjuncts) return true;
    // The conjuncts read the candidate as bound.
    const saved = bound[atom.slot];
    bound[atom.slot] = ev.row;
    try {
      return e.conjuncts(scope);
    } finally {
      bound[atom.slot] = saved;
    }
  }

  /** Binds the event to element `j` of the run. */
  #apply(r: number, j: number, ev: OperatorEvent): void {
    const e = this.#a.elements[j]!;
    this.#rElement[r] = j;
    if (e.kind === 'atom') this.#rRows[r * this.#slots + e.atom.slot] = ev.row;
    this.#rSeqs[r * this.#width + j] = ev.seq;
  }

  /**
   * Rule 5: a run whose remaining elements all have minimum 0 has matched; it lives on while it
   * can take more. A new run (`tracked` false) is admitted under the caps only if it lives on.
   */
  #afterTake(r: number, ev: OperatorEvent, p: number, tracked: boolean): void {
    const a = this.#a;
    const element = this.#rElement[r]!;
    if (a.completesAt[element]) {
      this.#load(r);
      if (!a.completion || a.completion(this.#scope)) this.#match(a.project(this.#scope), ev.time, r, p);
    }
    if (a.next[element]!.length === 0 && a.trailingNotAfter[element] !== true) {
      if (tracked) this.#kill(r);
      this.#release(r);
      return;
    }
    if (!tracked) {
      if (!this.#admit(p)) {
        this.#release(r);
        return;
      }
      this.#rPartition[r] = p;
      this.#pLive[p] = this.#pLive[p]! + 1;
      this.#live++;
    }
    this.#keep(r);
    if (a.trailingNotAfter[element] === true) {
      this.#rState[r] = WAITING;
      this.#waiting.push(r);
      if (this.#rDeadline[r]! < this.#requested) this.#request();
    }
  }

  /** Every event that satisfies the first element's condition starts a new run (6.2). */
  #start(ev: OperatorEvent, p: number): void {
    const r = this.#newRun(ev.time);
    this.#apply(r, 0, ev);
    this.#afterTake(r, ev, p, false);
  }

  #admit(p: number): boolean {
    if (this.#pLive[p]! >= this.#limits.maxRunsPerPartition || this.#live >= this.#limits.maxRunsPerQuery) {
      this.#ctx.dropped(1);
      return false;
    }
    return this.#ctx.admit();
  }

  #kill(r: number): void {
    if (this.#rAlive[r] === 0) return;
    this.#rAlive[r] = 0;
    this.#live--;
    const p = this.#rPartition[r]!;
    this.#pLive[p] = this.#pLive[p]! - 1;
  }

  /** The sequence number of the run's first event (element 0's). */
  #firstSeq(r: number): number {
    return this.#rSeqs[r * this.#width]!;
  }

  /** The sequence number of the run's last event (its current element's). */
  #lastSeq(r: number): number {
    return this.#rSeqs[r * this.#width + this.#rElement[r]!]!;
  }

  /** Copies the run's bound events to the scope's; returns them. */
  #load(r: number): (Row | undefined)[] {
    const bound = this.#bound;
    const rows = this.#rRows;
    const from = r * this.#slots;
    for (let k = 0; k < bound.length; k++) bound[k] = rows[from + k];
    this.#scope.bound = bound;
    return bound;
  }

  // ------------------------------------------------------------------------------- run state

  #growRuns(capacity: number): void {
    const old = this.#runCapacity;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(array: T, make: (n: number) => T, per = 1): T => {
      const bigger = make(capacity * per);
      bigger.set(array.subarray(0, old * per));
      return bigger;
    };
    this.#rElement = grow(this.#rElement, (n) => new Int32Array(n));
    this.#rNext = grow(this.#rNext, (n) => new Int32Array(n));
    this.#rPartition = grow(this.#rPartition, (n) => new Int32Array(n));
    this.#rAlive = grow(this.#rAlive, (n) => new Uint8Array(n));
    this.#rState = grow(this.#rState, (n) => new Uint8Array(n));
    this.#rDeadline = grow(this.#rDeadline, (n) => new Float64Array(n));
    this.#rSeqs = grow(this.#rSeqs, (n) => new Float64Array(n), this.#width);
    const rows = this.#rRows;
    for (let i = old * this.#slots; i < capacity * this.#slots; i++) rows.push(undefined);
    // The new runs are free, chained in order before the ones free already.
    for (let r = capacity - 1; r >= old; r--) {
      this.#rState[r] = FREE;
      this.#rNext[r] = this.#free;
      this.#free = r;
    }
    this.#runCapacity = capacity;
    this.#countBytes();
  }

  /** A run with nothing bound, its first event at `time` (bound next, to element 0): alive, not yet in a partition. */
  #newRun(time: number): number {
    if (this.#free === NONE) this.#growRuns(this.#runCapacity * 2);
    const r = this.#free;
    this.#free = this.#rNext[r]!;
    this.#rNext[r] = NONE;
    this.#rElement[r] = 0;
    this.#rAlive[r] = 1;
    this.#rState[r] = IN_USE;
    this.#rDeadline[r] = time + this.#a.within;
    this.#rSeqs.fill(-1, r * this.#width, (r + 1) * this.#width);
    return r;
  }

  /** A copy of the run (its bound events and elements), not yet counted in its partition. */
  #fork(r: number): number {
    const f = this.#newRun(0);
    this.#rElement[f] = this.#rElement[r]!;
    this.#rDeadline[f] = this.#rDeadline[r]!;
    this.#rPartition[f] = this.#rPartition[r]!;
    const slots = this.#slots;
    const rows = this.#rRows;
    for (let k = 0; k < slots; k++) rows[f * slots + k] = rows[r * slots + k];
    const width = this.#width;
    this.#rSeqs.copyWithin(f * width, r * width, (r + 1) * width);
    return f;
  }

  /** Frees a run that is in no chain, unless the heap of waiting runs still holds it (or it is free already). */
  #release(r: number): void {
    if (this.#rState[r] !== IN_USE) return;
    this.#rState[r] = FREE;
    this.#rAlive[r] = 0;
    const slots = this.#slots;
    const rows = this.#rRows;
    for (let k = 0; k < slots; k++) rows[r * slots + k] = undefined;
    this.#rNext[r] = this.#free;
    this.#free = r;
  }

  // ------------------------------------------------------------------------------ partitions

  #newPartition(id: string, values: readonly unknown[]): number {
    let p = this.#freeParts.pop();
    if (p === undefined) {
      p = this.#partitionCount++;
      if (p >= this.#pHead.length) {
        const n = this.#pHead.length * 2;
        const grow = <T extends Int32Array | Float64Array>(array: T, make: (n: number) => T): T => {
          const bigger = make(n);
          bigger.set(array);
          return bigger;
        };
        this.#pHead = grow(this.#pHead, (k) => new Int32Array(k));
        this.#pTail = grow(this.#pTail, (k) => new Int32Array(k));
        this.#pLive = grow(this.#pLive, (k) => new Int32Array(k));
        this.#pDue = grow(this.#pDue, (k) => new Float64Array(k));
        this.#countBytes();
      }
    }
    this.#pHead[p] = NONE;
    this.#pTail[p] = NONE;
    this.#pLive[p] = 0;
    this.#pDue[p] = Infinity;
    this.#pId[p] = id;
    this.#pValues[p] = values;
    return p;
  }

  #freePartition(p: number): void {
    this.#pId[p] = '';
    this.#pValues[p] = NO_KEY;
    this.#freeParts.push(p);
  }

  /** Chains a run that lives on after the ones before it. */
  #keep(r: number): void {
    this.#rNext[r] = NONE;
    if (this.#outTail === NONE) this.#outHead = r;
    else this.#rNext[this.#outTail] = r;
    this.#outTail = r;
  }

  /** The partition's chain becomes the runs kept (#keep). */
  #replaceChain(p: number): void {
    const head = this.#outHead;
    this.#pHead[p] = head;
    this.#pTail[p] = this.#outTail;
    this.#pDue[p] = head === NONE ? Infinity : this.#rDeadline[head]!;
    this.#outHead = NONE;
    this.#outTail = NONE;
  }

  /** The runs kept (#keep) are chained after the partition's own, which stayed as they were. */
  #append(p: number): void {
    if (this.#outHead === NONE) return;
    if (this.#pTail[p] === NONE) {
      this.#replaceChain(p);
      return;
    }
    this.#rNext[this.#pTail[p]!] = this.#outHead;
    this.#pTail[p] = this.#outTail;
    this.#outHead = NONE;
    this.#outTail = NONE;
  }

  /** Rebuilds the partition's chain without its dead runs. */
  #retainAlive(p: number): void {
    for (let r = this.#pHead[p]!; r !== NONE; ) {
      const after = this.#rNext[r]!;
      if (this.#rAlive[r] === 1) this.#keep(r);
      else this.#release(r);
      r = after;
    }
    this.#replaceChain(p);
  }

  /**
   * Drops a partition's expired runs, and the partition itself once it has none; runs waiting
   * at a trailing NOT complete on their own timer.
   */
  #sweep(p: number, time: number): void {
    for (let r = this.#pHead[p]!; r !== NONE; ) {
      const after = this.#rNext[r]!;
      if (this.#rAlive[r] === 1 && (this.#rDeadline[r]! > time || this.#rState[r] === WAITING)) this.#keep(r);
      else {
        this.#kill(r);
        this.#release(r);
      }
      r = after;
    }
    this.#replaceChain(p);
    if (this.#pLive[p] === 0) {
      this.#ids.delete(this.#pId[p]!);
      this.#freePartition(p);
    }
  }

  /** Rule 8: discards every run of the partition that started at or before `seq`. */
  #skipPast(p: number, seq: number): void {
    for (let r = this.#pHead[p]!; r !== NONE; ) {
      const after = this.#rNext[r]!;
      if (this.#rAlive[r] === 1 && this.#firstSeq(r) > seq) this.#keep(r);
      else {
        this.#kill(r);
        this.#release(r);
      }
      r = after;
    }
    this.#replaceChain(p);
  }

  /** Asks for a timer at the earliest of the next completion and the next sweep. */
  #request(): void {
    const heap = this.#waiting;
    while (heap.size > 0 && this.#rAlive[heap.peek()!] === 0) {
      const r = heap.pop()!;
      this.#rState[r] = IN_USE;
      this.#release(r);
    }
    const next = Math.min(heap.size > 0 ? this.#rDeadline[heap.peek()!]! : Infinity, this.#nextSweep);
    if (next < this.#requested) {
      this.#requested = next;
      this.#ctx.scheduleAfter(next);
    }
  }

  // -------------------------------------------------------------------------------- emission

  /** Records a match of run `r`, which the scope holds. */
  #match(data: Record<string, unknown>, time: number, r: number, p: number): void {
    const width = this.#width;
    let m = this.#matches[this.#matchCount];
    if (m === undefined) {
      m = { data, time, seqs: new Float64Array(width), firstSeq: 0, lastSeq: 0, partition: 0 };
      this.#matches.push(m);
    }
    this.#matchCount++;
    m.data = data;
    m.time = time;
    m.firstSeq = this.#firstSeq(r);
    m.lastSeq = this.#lastSeq(r);
    m.partition = p;
    const seqs = this.#rSeqs;
    for (let j = 0, from = r * width; j < width; j++) m.seqs[j] = seqs[from + j]!;
  }

  /** Rules 8 and 9 for the matches one event completed, all in partition `p`. */
  #emit(p: number): void {
    const count = this.#matchCount;
    this.#matchCount = 0;
    const matches = this.#matches;
    if (count > 1) sortMatches(matches, count);
    if (this.#a.skipPastLastEvent) {
      const winner = matches[0]!;
      this.#ctx.emit(winner.data, winner.time);
      if (p !== NONE) this.#skipPast(p, winner.lastSeq);
      return;
    }
    for (let i = 0; i < count; i++) this.#ctx.emit(matches[i]!.data, matches[i]!.time);
  }

  /**
   * Matches completed by a timer, all of one time, in rule 9 order; rule 8 per partition, match
   * by match (see PatternOperator.#emitTimed).
   */
  #emitTimed(): void {
    const count = this.#matchCount;
    this.#matchCount = 0;
    if (count === 0) return;
    const matches = this.#matches;
    if (count > 1) sortMatches(matches, count);
    if (!this.#a.skipPastLastEvent) {
      for (let i = 0; i < count; i++) this.#ctx.emit(matches[i]!.data, matches[i]!.time);
      return;
    }
    const emittedUpTo = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const m = matches[i]!;
      const last = emittedUpTo.get(m.partition);
      if (last !== undefined && m.firstSeq <= last) continue;
      emittedUpTo.set(m.partition, m.lastSeq);
      this.#ctx.emit(m.data, m.time);
      this.#skipPast(m.partition, m.lastSeq);
    }
  }

  // ----------------------------------------------------------------------------- checkpoints

  /** The state in PatternOperator's format: partitions of Run objects in flat form. */
  saveState(): PatternState {
    const runs = new Map<number, Run>();
    const slots = this.#slots;
    const width = this.#width;
    const toRun = (r: number): Run => {
      let run = runs.get(r);
      if (run !== undefined) return run;
      const bound: (Row | undefined | number)[] = this.#rRows.slice(r * slots, (r + 1) * slots);
      for (let j = 0; j < width; j++) {
        const seq = this.#rSeqs[r * width + j]!;
        bound.push(seq >= 0 ? seq : undefined);
      }
      run = new Run(this.#rElement[r]!, this.#rDeadline[r]!, this.#firstSeq(r), 0, bound as (Row | undefined)[], NO_KLEENE, NO_KLEENE as number[]);
      run.count = 1;
      run.lastSeq = this.#lastSeq(r);
      run.alive = this.#rAlive[r] === 1;
      run.partition = this.#pId[this.#rPartition[r]!] ?? '';
      runs.set(r, run);
      return run;
    };
    const partitions = new Map<string, Partition>();
    for (const [id, p] of this.#ids) {
      const partition = new Partition(id, this.#pValues[p]!);
      partition.live = this.#pLive[p]!;
      for (let r = this.#pHead[p]!; r !== NONE; r = this.#rNext[r]!) partition.push(toRun(r));
      partition.refreshDue();
      partitions.set(id, partition);
    }
    const waiting = this.#waiting.items().map(toRun);
    return { partitions, waiting, nextSweep: this.#nextSweep, requested: this.#requested, live: this.#live };
  }

  /** Takes back a state of either operator (runs saved with a trail, by earlier versions, too). */
  loadState(state: unknown): void {
    const s = state as PatternState;
    const slots = this.#slots;
    const width = this.#width;
    const handles = new Map<Run, number>();
    const toHandle = (run: Run, p: number): number => {
      let r = handles.get(run);
      if (r !== undefined) return r;
      r = this.#newRun(0);
      this.#rElement[r] = run.element;
      this.#rDeadline[r] = run.deadline;
      this.#rAlive[r] = run.alive ? 1 : 0;
      this.#rPartition[r] = p;
      for (let k = 0; k < slots; k++) this.#rRows[r * slots + k] = run.bound[k];
      const seqs = run.bound as unknown[];
      for (let j = 0; j < width; j++) {
        const seq = seqs[slots + j];
        this.#rSeqs[r * width + j] = typeof seq === 'number' ? seq : -1;
      }
      // Saved with a trail of bindings (before runs kept them in their slot arrays).
      for (let b = run.trail; b; b = b.prev) this.#rSeqs[r * width + b.element] = b.seq;
      handles.set(run, r);
      return r;
    };
    for (const [id, partition] of s.partitions) {
      const p = this.#newPartition(id, partition.values);
      for (let run = partition.head; run; run = run.next) this.#keep(toHandle(run, p));
      this.#replaceChain(p);
      this.#pLive[p] = partition.live;
      this.#ids.set(id, p);
    }
    for (const run of s.waiting) {
      // A dead run in the heap may be in no chain: it is kept until it comes out.
      const r = handles.get(run) ?? toHandle(run, NONE);
      this.#rState[r] = WAITING;
    }
    this.#waiting.load(s.waiting.map((run) => handles.get(run)!));
    this.#nextSweep = s.nextSweep;
    this.#requested = s.requested;
    this.#live = s.live;
  }
}

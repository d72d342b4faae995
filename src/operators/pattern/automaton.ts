/**
 * The compiled form of a pattern (LANGUAGE.md section 6): an immutable automaton whose elements
 * hold compiled conditions. It knows nothing of CQL's syntax; `compile/pattern.ts` builds it
 * from an analysed query. The tables derived here (takes, completion, negation) are read by the
 * run stepping in pattern-operator.ts on every event.
 */
import type { EvalScope, Row } from '../../runtime/row.js';
import type { EventGuard } from '../operator.js';

/** A condition on a candidate event, given the run's bindings in the scope. */
export type Condition = (candidate: Row, scope: EvalScope) => boolean;

/** A condition on the run's bindings alone (WHERE conjuncts, completion). */
export type ScopeCondition = (scope: EvalScope) => boolean;

export type KleeneAggregateFn = 'FIRST' | 'LAST' | 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';

/** An aggregate over the events bound to a Kleene atom, maintained incrementally per run. */
export interface KleeneAggregateSpec {
  readonly slot: number;
  readonly fn: KleeneAggregateFn;
  /** The value read from each bound event; undefined for COUNT. */
  readonly arg: ((item: Row) => unknown) | undefined;
  /** True when the result is an INT: a sum beyond the safe integers is NULL. */
  readonly integral: boolean;
}

/**
 * A WHERE conjunct attached to an OR or AND group (6.2 rules 6 and 7): checked as if written
 * inline in the group atoms it names (`named`, a mask of atom positions) — in an OR group at the
 * take of such an atom, in an AND group at the take that binds the last of them — and at every
 * take of the group when it names none.
 */
export interface GroupConjunct {
  readonly condition: ScopeCondition;
  readonly named: number;
}

export interface AtomSpec {
  readonly slot: number;
  readonly stream: string;
  /** Its own `[condition]` (true when absent). */
  readonly condition: Condition;
  /** Its bit in the masks of `PatternDefinition.guards` (0 when it has none). */
  readonly bit: number;
  /** The equalities with constants its condition requires (guards.ts): what `bit` is set for. */
  readonly guards: readonly EventGuard[];
}

export type ElementSpec =
  | { readonly kind: 'atom'; readonly atom: AtomSpec; readonly min: number; readonly max: number; readonly conjuncts: ScopeCondition | undefined }
  | { readonly kind: 'not'; readonly atom: AtomSpec }
  | { readonly kind: 'or' | 'and'; readonly atoms: readonly AtomSpec[]; readonly conjuncts: readonly GroupConjunct[] };

export type Strategy = 'SKIP_TILL_NEXT_MATCH' | 'SKIP_TILL_ANY_MATCH' | 'STRICT_CONTIGUITY';

/** How to read an event's partition key: an identity string, and the key's values. */
export interface PartitionKeyReader {
  readonly id: (row: Row) => string;
  readonly values: (row: Row) => readonly unknown[];
}

export interface PatternDefinition {
  readonly elements: readonly ElementSpec[];
  readonly slotCount: number;
  readonly kleeneAggregates: readonly KleeneAggregateSpec[];
  /** Milliseconds: a match's last event is at most this long after its first. */
  readonly within: number;
  readonly strategy: Strategy;
  readonly skipPastLastEvent: boolean;
  /** Per stream, the partition key of an event; undefined when the pattern is not partitioned. */
  readonly partitionKey: ReadonlyMap<string, PartitionKeyReader> | undefined;
  /**
   * Per stream, a function of an event giving the bits (`AtomSpec.bit`) of the atoms whose
   * conditions it cannot satisfy, from their equalities with constants: their conditions need
   * not be evaluated. Streams without guarded atoms are absent.
   */
  readonly guards: ReadonlyMap<string, (row: Row) => number>;
  /** Whether any condition or projection reads the key's values (a bare PARTITION BY column). */
  readonly readsKey: boolean;
  /**
   * Section 11: the Kleene element whose runs are kept as one shared structure under SKIP TILL
   * ANY MATCH (its conditions read only constants and earlier singletons, and nothing reads its
   * aggregates but the SELECT list), or undefined.
   */
  readonly sharedKleene: number | undefined;
  /** WHERE conjuncts attached at completion (6.2 rule 7). */
  readonly completion: ScopeCondition | undefined;
  /** The SELECT list of a match. */
  readonly project: (scope: EvalScope) => Record<string, unknown>;
}

/** The static tables of an automaton: what each position allows. */
export interface Automaton extends PatternDefinition {
  readonly streams: ReadonlySet<string>;
  /** For each element i, once complete: the elements a run may take next (NOT skipped). */
  readonly next: readonly (readonly number[])[];
  /** For each element i: true when every element after it has minimum 0 (and none is NOT). */
  readonly completesAt: readonly boolean[];
  /** For each element i: the NOT element right after it, if any. */
  readonly notAfter: readonly (AtomSpec | undefined)[];
  /** For each element i: true when the element after it is a trailing NOT. */
  readonly trailingNotAfter: readonly boolean[];
  /** For each AND group element: the mask of all its atoms. */
  readonly fullMask: readonly number[];
}

export function minOf(e: ElementSpec): number {
  return e.kind === 'atom' ? e.min : 1;
}

/** The atoms of an element: its one, or its group's. */
function atomsOf(e: ElementSpec): readonly AtomSpec[] {
  return e.kind === 'atom' || e.kind === 'not' ? [e.atom] : e.atoms;
}

export function buildAutomaton(def: PatternDefinition): Automaton {
  const { elements } = def;
  const n = elements.length;
  const next: number[][] = [];
  const completesAt: boolean[] = [];
  const notAfter: (AtomSpec | undefined)[] = [];
  const trailingNotAfter: boolean[] = [];
  const fullMask: number[] = [];
  const streams = new Set<string>();
  for (let i = 0; i < n; i++) {
    const e = elements[i]!;
    for (const a of atomsOf(e)) streams.add(a.stream);
    const takes: number[] = [];
    for (let j = i + 1; j < n; j++) {
      const f = elements[j]!;
      if (f.kind === 'not') continue;
      takes.push(j);
      if (minOf(f) > 0) break;
    }
    next.push(takes);
    let completes = true;
    for (let j = i + 1; j < n; j++) if (elements[j]!.kind === 'not' || minOf(elements[j]!) > 0) completes = false;
    completesAt.push(completes);
    const after = elements[i + 1];
    notAfter.push(after?.kind === 'not' ? after.atom : undefined);
    trailingNotAfter.push(after?.kind === 'not' && i + 1 === n - 1);
    fullMask.push(e.kind === 'and' ? (1 << e.atoms.length) - 1 : 0);
  }
  return { ...def, streams, next, completesAt, notAfter, trailingNotAfter, fullMask };
}

/** What a pattern reads of one of its input streams, and which of its atoms an event of it can matter to. */
export interface StreamInput {
  readonly stream: string;
  readonly key: PartitionKeyReader | undefined;
  readonly guards: ((row: Row) => number) | undefined;
  /**
   * The guard bits (`AtomSpec.bit`) of the atoms of this stream that a run could take or that
   * could end a run (NOT): when the event rules them all out, stepping would keep every run as
   * it is, unless one expired. -1 when some such atom has no guard, or under STRICT CONTIGUITY
   * (where an irrelevant event ends runs).
   */
  readonly stepBits: number;
  /**
   * The guard bits of every atom of this stream an event could satisfy to make a difference:
   * those of `stepBits` and the first element's (which starts runs). When the event rules them
   * all out, nothing it could do changes the state, but dropping expired runs, which sweeps and
   * later events do as well: the operator need not even look its partition up. -1 when some such
   * atom has no guard, or under STRICT CONTIGUITY.
   */
  readonly idleBits: number;
  /**
   * Per element, the guard bits of the atoms of this stream that a run standing at it could take
   * or that could end it (NOT): an unexpired run whose bits the event rules out all is kept as
   * it is without being stepped. -1 for an element where some such atom has no guard; undefined
   * when runs are always stepped (STRICT CONTIGUITY, a shared Kleene element).
   */
  readonly runBits: readonly number[] | undefined;
  /**
   * Equalities of which every event of this stream that can matter satisfies at least one: one
   * guard of each atom of `idleBits` (an event that fails them all is ruled out for all, and
   * returned from at once). Undefined when `idleBits` is -1. For the engine's delivery
   * (Operator.anyGuards), which then need not give the operator such an event at all.
   */
  readonly anyGuards: readonly EventGuard[] | undefined;
}

/**
 * Per element, the guard bits (`AtomSpec.bit`) of the atoms of `stream` that a run standing at
 * it could take (its own while it can take more: a Kleene atom, an AND group's other atoms;
 * the elements it may take next) or that could end it (the NOT after it); -1 where such an atom
 * has no guard. Their union is every atom a run can take or be ended by (StreamInput.stepBits).
 */
function elementBits(a: Automaton, stream: string): number[] {
  return a.elements.map((e, i) => {
    const atoms: AtomSpec[] = [];
    if (e.kind === 'atom' && e.max > 1) atoms.push(e.atom);
    else if (e.kind === 'and') atoms.push(...e.atoms);
    for (const j of a.next[i]!) {
      const f = a.elements[j]!;
      atoms.push(...atomsOf(f)); // never a NOT: `next` passes over them
    }
    const not = a.notAfter[i];
    if (not) atoms.push(not);
    let bits = 0;
    for (const atom of atoms) {
      if (atom.stream !== stream) continue;
      if (atom.bit === 0) return -1;
      bits |= atom.bit;
    }
    return bits;
  });
}

/** The StreamInput of each stream a pattern reads, made when first asked for; the last one asked for is at hand (most patterns read one stream). */
export class StreamInputs {
  readonly #a: Automaton;
  readonly #inputs = new Map<string, StreamInput>();
  #last: StreamInput | undefined;

  constructor(a: Automaton) {
    this.#a = a;
  }

  of(stream: string): StreamInput {
    const last = this.#last;
    if (last && last.stream === stream) return last;
    let input = this.#inputs.get(stream);
    if (!input) {
      input = streamInput(this.#a, stream);
      this.#inputs.set(stream, input);
    }
    return (this.#last = input);
  }
}

function streamInput(a: Automaton, stream: string): StreamInput {
  // Under STRICT CONTIGUITY an event no atom takes still ends runs: they are always stepped.
  const strict = a.strategy === 'STRICT_CONTIGUITY';
  const perElement = elementBits(a, stream);
  const stepBits = strict ? -1 : perElement.reduce((all, bits) => (all === -1 || bits === -1 ? -1 : all | bits), 0);
  const runBits = strict || a.sharedKleene !== undefined ? undefined : perElement;
  const first = a.elements[0];
  const starts = first === undefined ? [] : atomsOf(first);
  let idleBits = stepBits;
  for (const atom of starts) if (atom.stream === stream) idleBits = idleBits === -1 || atom.bit === 0 ? -1 : idleBits | atom.bit;
  return { stream, key: a.partitionKey?.get(stream), guards: a.guards.get(stream), stepBits, idleBits, runBits, anyGuards: anyGuards(a, stream, idleBits) };
}

/**
 * One guard of each atom of `stream` whose bit is in `idleBits` (the fewest values: the most
 * selective), or undefined when one of them has none or `idleBits` is -1. An event failing them
 * all has every bit of `idleBits` ruled out.
 */
function anyGuards(a: Automaton, stream: string, idleBits: number): EventGuard[] | undefined {
  if (idleBits === -1) return undefined;
  const out: EventGuard[] = [];
  const seen = new Set<number>();
  for (const e of a.elements) {
    for (const atom of atomsOf(e)) {
      if (atom.stream !== stream || (atom.bit & idleBits) === 0 || seen.has(atom.slot)) continue;
      seen.add(atom.slot);
      if (atom.guards.length === 0) return undefined;
      out.push(atom.guards.reduce((best, g) => (g.values.length < best.values.length ? g : best)));
    }
  }
  return out;
}

/** Per stream the pattern reads, its StreamInput's `anyGuards` where it has them (Operator.anyGuards). */
export function anyGuardsOf(a: Automaton, inputs: StreamInputs): Map<string, readonly EventGuard[]> {
  const out = new Map<string, readonly EventGuard[]>();
  for (const stream of a.streams) {
    const guards = inputs.of(stream).anyGuards;
    if (guards) out.set(stream, guards);
  }
  return out;
}

/**
 * Compiles an analysed pattern query (LANGUAGE.md section 6) into the automaton the pattern
 * operator runs: conditions, WHERE conjuncts and projections become JavaScript functions;
 * Kleene aggregates get the indexes their incremental state lives at.
 */
import type { BoundExpr, PatternQuery } from '../analysis/bound.js';
import { canonical } from '../analysis/expressions.js';
import { walkBound } from '../analysis/bound-walk.js';
import { keyId, type EvalServices, type Row } from '../runtime/row.js';
import {
  buildAutomaton,
  type Automaton,
  type AtomSpec,
  type ElementSpec,
  type GroupConjunct,
  type KleeneAggregateSpec,
  type PartitionKeyReader,
  type ScopeCondition,
} from '../operators/pattern/automaton.js';
import { compileKleeneArg, compilePredicate, compileProjection, type CompileExprOptions } from './expressions.js';
import { compileGuardMask, guardsOf } from './guards.js';

type KleeneNode = Extract<BoundExpr, { kind: 'kleeneAggregate' }>;

function and(exprs: readonly BoundExpr[]): BoundExpr | undefined {
  return exprs.reduce<BoundExpr | undefined>(
    (acc, e) => (acc ? { kind: 'binary', type: 'BOOLEAN', op: 'AND', left: acc, right: e, span: e.span } : e),
    undefined,
  );
}

/** The partition key of an event, as a string that tells apart values of different types. */
export function keyReader(columns: readonly string[]): PartitionKeyReader {
  const values = (row: Row): unknown[] => columns.map((c) => row[c] ?? null);
  if (columns.length === 1) {
    const column = columns[0]!;
    return { id: (row) => keyId(row[column] ?? null), values };
  }
  return { id: (row) => columns.map((c) => keyId(row[c] ?? null)).join('\u0001'), values };
}

/**
 * Where a pattern's compiled expressions find Kleene aggregates and key values in the scope:
 * every Kleene aggregate read anywhere gets one slot of incremental state per run.
 */
export function patternIndexes(q: PatternQuery): Required<Pick<CompileExprOptions, 'kleeneIndex' | 'keyIndex'>> & { kleeneNodes: Map<string, KleeneNode> } {
  const kleeneNodes = new Map<string, KleeneNode>();
  const visit = (e: BoundExpr | undefined) => {
    if (e) walkBound(e, (n) => n.kind === 'kleeneAggregate' && kleeneNodes.set(canonical(n), n));
  };
  q.atoms.forEach((a) => visit(a.condition));
  q.conjuncts.forEach((c) => visit(c.expr));
  q.projections.forEach((p) => visit(p.expr));
  const keys = [...kleeneNodes.keys()];
  const keyColumns = q.partitionBy[q.atoms[0]!.stream] ?? [];
  return {
    kleeneNodes,
    kleeneIndex: (node) => keys.indexOf(canonical(node)),
    keyIndex: (column) => Math.max(0, keyColumns.indexOf(column)),
  };
}

export function compilePattern(q: PatternQuery, services: EvalServices): Automaton {
  const { kleeneNodes, ...indexes } = patternIndexes(q);
  const options: CompileExprOptions = { services, ...indexes };
  const kleeneAggregates: KleeneAggregateSpec[] = [...kleeneNodes.values()].map((n) => ({
    slot: n.slot,
    fn: n.fn,
    arg: n.arg ? compileKleeneArg(n, options) : undefined,
    integral: n.type === 'INT',
  }));

  const atomSpec = (slot: number): AtomSpec => {
    const atom = q.atoms[slot]!;
    const condition = compilePredicate(atom.condition, options);
    return { slot, stream: atom.stream, condition, bit: guardBit(slot), guards: guardsOf(atom.condition) };
  };
  const conjunctsAt = (element: number): ScopeCondition | undefined => {
    const expr = and(q.conjuncts.filter((c) => c.element === element).map((c) => c.expr));
    if (!expr) return undefined;
    const predicate = compilePredicate(expr, options);
    return (scope) => predicate(undefined, scope);
  };
  const groupConjuncts = (element: number, slots: readonly number[]): GroupConjunct[] =>
    q.conjuncts
      .filter((c) => c.element === element)
      .map((c) => {
        const predicate = compilePredicate(c.expr, options);
        const named = slots.reduce((mask, slot, k) => (c.slots.includes(slot) ? mask | (1 << k) : mask), 0);
        return { condition: (scope) => predicate(undefined, scope), named };
      });
  const elements: ElementSpec[] = q.elements.map((e, i): ElementSpec => {
    switch (e.kind) {
      case 'atom':
        return { kind: 'atom', atom: atomSpec(e.slot), min: e.min, max: e.max, conjuncts: conjunctsAt(i) };
      case 'not':
        return { kind: 'not', atom: atomSpec(e.slot) };
      case 'or':
      case 'and':
        return { kind: e.kind, atoms: e.slots.map(atomSpec), conjuncts: groupConjuncts(i, e.slots) };
    }
  });
  const partitioned = Object.keys(q.partitionBy).length > 0;
  let readsKey = false;
  const findKey = (e: BoundExpr | undefined) => {
    if (e) walkBound(e, (n) => n.kind === 'column' && n.row.kind === 'partitionKey' && (readsKey = true));
  };
  q.atoms.forEach((a) => findKey(a.condition));
  q.conjuncts.forEach((c) => findKey(c.expr));
  q.projections.forEach((p) => findKey(p.expr));
  const sharedKleene = sharedKleeneElement(q);
  const project = compileProjection(q.projections, options);
  return buildAutomaton({
    elements,
    slotCount: q.atoms.length,
    kleeneAggregates,
    within: q.within,
    strategy: q.strategy,
    skipPastLastEvent: q.skipPastLastEvent,
    sharedKleene,
    partitionKey: partitioned ? new Map(Object.entries(q.partitionBy).map(([stream, columns]) => [stream, keyReader(columns)])) : undefined,
    readsKey,
    guards: patternGuards(q),
    completion: conjunctsAt(q.elements.length),
    project: (scope) => project(undefined, scope),
  });
}


/** An atom's bit in guard masks: the slot's, for the first 30 slots (later atoms go unguarded). */
const guardBit = (slot: number): number => (slot < 30 ? 1 << slot : 0);

/** Per stream, which atoms an event cannot satisfy, from their equalities with constants. */
function patternGuards(q: PatternQuery): Map<string, (row: Row) => number> {
  const out = new Map<string, (row: Row) => number>();
  for (const stream of new Set(q.atoms.map((a) => a.stream))) {
    const mask = compileGuardMask(q.atoms.flatMap((a, slot) => (a.stream === stream ? [{ bit: guardBit(slot), guards: guardsOf(a.condition) }] : [])));
    if (mask) out.set(stream, mask);
  }
  return out;
}

/**
 * Section 11: under SKIP TILL ANY MATCH, the first Kleene element (not the first element, not
 * right after a NOT) whose aggregates no condition reads: whether an event qualifies for it then
 * depends only on constants and earlier singletons, so its runs can be kept as one.
 */
export function sharedKleeneElement(q: PatternQuery): number | undefined {
  if (q.strategy !== 'SKIP_TILL_ANY_MATCH') return undefined;
  const readSlots = new Set<number>();
  const visit = (e: BoundExpr | undefined) => {
    if (e) walkBound(e, (n) => n.kind === 'kleeneAggregate' && readSlots.add(n.slot));
  };
  q.atoms.forEach((a) => visit(a.condition));
  q.conjuncts.forEach((c) => visit(c.expr));
  for (let i = 1; i < q.elements.length; i++) {
    const e = q.elements[i]!;
    if (e.kind === 'atom' && e.max > 1 && q.elements[i - 1]!.kind !== 'not' && !readSlots.has(e.slot)) return i;
  }
  return undefined;
}

/**
 * Pattern queries (LANGUAGE.md section 6): normalises the elements, checks the rules of 6.1
 * (WITHIN required, boundaries, NOT placement, aliases only to earlier elements, bare Kleene
 * references, PARTITION BY columns), binds every condition, and attaches each WHERE conjunct to
 * the element where everything it names is bound (6.2 rule 7).
 */
import type * as A from '../lang/ast.js';
import { didYouMean } from '../lang/diagnostics.js';
import type { Span } from '../model/span.js';
import { findColumn } from '../model/types.js';
import { closestMatch } from '../util/edit-distance.js';
import { report, type AnalysisContext } from './context.js';
import type { AttachedConjunct, BoundExpr, PatternAtom, PatternElement, PatternQuery, Projection } from './bound.js';
import { walkBound } from './bound-walk.js';
import type { CatalogEntry } from './catalog.js';
import { durationMillis } from './durations.js';
import { bindCondition, bindExpr, comparable, type BindContext } from './expressions.js';
import { bindProjections, finish, rejectClauses, resolveSource, type QueryTarget } from './query-common.js';
import type { KleeneRow, Scope, ScopeRow } from './scope.js';

/** An atom after normalisation, with its stream resolved. */
interface AtomInfo {
  readonly slot: number;
  readonly element: number;
  readonly atom: A.Atom;
  readonly entry: CatalogEntry;
  readonly kleene: boolean;
  readonly negated: boolean;
}

type ElementShape =
  | { kind: 'atom'; atom: A.Atom; min: number; max: number; span: Span }
  | { kind: 'not'; atom: A.Atom; span: Span }
  | { kind: 'or' | 'and'; atoms: A.Atom[]; span: Span };

export function analyzePattern(ctx: AnalysisContext, q: A.Query, from: A.FromPattern, target: QueryTarget): PatternQuery | undefined {
  rejectClauses(ctx, q, 'a pattern', ['window', 'groupBy', 'having', 'emit']);
  const before = ctx.diagnostics.length;

  let within: number | undefined;
  if (!q.within) {
    report(ctx, 'missingWithin', from.span, 'a pattern needs WITHIN: it bounds how long a partial match is kept', 'add WITHIN 10 MINUTES (or another duration) after the pattern');
  } else {
    within = durationMillis(ctx, q.within, false);
  }

  const shapes = normalise(ctx, from.elements);
  if (!shapes || !checkStructure(ctx, shapes)) return undefined;

  // Streams, slots and aliases.
  const atoms: AtomInfo[] = [];
  let unresolved = false;
  shapes.forEach((shape, element) => {
    const list = 'atoms' in shape ? shape.atoms : [shape.atom];
    for (const atom of list) {
      const entry = resolveSource(ctx, atom.stream);
      if (!entry) {
        unresolved = true;
        continue;
      }
      if (entry.kind === 'table') {
        report(ctx, 'invalidTable', atom.stream.span, `'${entry.name}' is a table: a pattern matches events of streams`, `read the table inside a condition with LOOKUP(${entry.name}, key).column`);
        unresolved = true;
        continue;
      }
      const kleene = shape.kind === 'atom' && shape.max > 1;
      atoms.push({ slot: atoms.length, element, atom, entry, kleene, negated: shape.kind === 'not' });
    }
  });
  if (unresolved) return undefined;
  const seen = new Map<string, A.Name>();
  for (const { atom } of atoms) {
    if (!atom.alias) continue;
    if (seen.has(atom.alias.text)) {
      report(ctx, 'duplicateAlias', atom.alias.span, `alias '${atom.alias.text}' is used twice in the pattern`, 'give each element its own alias');
    }
    seen.set(atom.alias.text, atom.alias);
  }

  const partitionBy = resolvePartition(ctx, q.partitionBy, atoms);
  const keyColumns = new Map<string, BoundExpr>();
  if (partitionBy && q.partitionBy.every((k) => !k.stream)) {
    for (const key of q.partitionBy) {
      const column = findColumn(atoms[0]!.entry.schema, key.column.text);
      if (column) keyColumns.set(column.name, { kind: 'column', type: column.type, row: { kind: 'partitionKey' }, column: column.name, span: key.span });
    }
  }

  // Conditions. Those of NOTs at the start (refused above) are not bound: what they may read is
  // what the unsupported construct would define.
  const lead = leadingNots(shapes);
  const patternAtoms: PatternAtom[] = atoms.map((info) => {
    const scope = atomScope(atoms, info);
    const bindCtx: BindContext = { ...ctx, scope, aggregates: { kind: 'kleene' }, windowBounds: false };
    const condition = info.element < lead ? undefined : info.atom.condition && bindCondition(bindCtx, info.atom.condition, `the condition of '${info.atom.alias?.text ?? info.atom.stream.text}'`);
    return {
      slot: info.slot,
      alias: info.atom.alias?.text,
      stream: info.entry.name,
      element: info.element,
      kleene: info.kleene,
      negated: info.negated,
      condition,
      span: info.atom.span,
    };
  });

  const outside = outsideScope(atoms, keyColumns);
  const outsideCtx: BindContext = { ...ctx, scope: outside, aggregates: { kind: 'kleene' }, windowBounds: false };
  const conjuncts: AttachedConjunct[] = [];
  for (const c of q.where ? splitAnd(q.where) : []) {
    const expr = bindCondition(outsideCtx, c, 'WHERE');
    conjuncts.push(attach(expr, atoms, shapes.length));
  }
  const kleeneNames = new Set(atoms.filter((a) => a.kleene && a.atom.alias).map((a) => a.atom.alias!.text));
  const projections = bindProjections(ctx, q.items, (e) => bindExpr(outsideCtx, e), (item) => starOfPattern(ctx, atoms, item), kleeneNames);

  if (ctx.diagnostics.length > before || within === undefined || !partitionBy) return undefined;
  const elements: PatternElement[] = [];
  let slot = 0;
  for (const shape of shapes) {
    switch (shape.kind) {
      case 'atom':
        elements.push({ kind: 'atom', slot: slot++, min: shape.min, max: shape.max, span: shape.span });
        break;
      case 'not':
        elements.push({ kind: 'not', slot: slot++, span: shape.span });
        break;
      default: {
        const slots = shape.atoms.map(() => slot++);
        elements.push({ kind: shape.kind, slots, span: shape.span });
      }
    }
  }
  const reads = [...new Set(atoms.map((a) => a.entry.name))];
  const extra = [...patternAtoms.map((a) => a.condition), ...conjuncts.map((c) => c.expr)];
  return {
    kind: 'pattern',
    elements,
    atoms: patternAtoms,
    conjuncts,
    partitionBy,
    within,
    strategy: q.strategy?.strategy ?? 'SKIP_TILL_NEXT_MATCH',
    skipPastLastEvent: q.skipPastLastEvent !== undefined,
    ...finish(ctx, target, projections, reads, extra),
  };
}

// ----------------------------------------------------------------------------- normalisation

function checkQuantifier(ctx: AnalysisContext, quant: A.Quantifier): { min: number; max: number } {
  const { min, max } = quant;
  const whole = (n: number) => n === Infinity || (Number.isSafeInteger(n) && n >= 0);
  const tooLarge = (n: number) => Number.isFinite(n) && n > Number.MAX_SAFE_INTEGER;
  if (tooLarge(min) || tooLarge(max)) {
    report(ctx, 'invalidQuantifier', quant.span, `quantifier ${quant.text} is too large: a count is at most ${Number.MAX_SAFE_INTEGER}`, tooLarge(min) ? undefined : `for no upper bound, leave the maximum out: {${min},}`);
  } else if (!whole(min) || !whole(max)) {
    report(ctx, 'invalidQuantifier', quant.span, `quantifier ${quant.text} needs whole numbers`);
  } else if (max < min) {
    report(ctx, 'invalidQuantifier', quant.span, `quantifier ${quant.text}: the maximum is below the minimum`);
  } else if (max === 0) {
    report(ctx, 'invalidQuantifier', quant.span, `quantifier ${quant.text} allows no event at all`, 'to require the absence of an event, use NOT');
  } else {
    return { min, max };
  }
  return { min: 1, max: 1 };
}

/** Flattens parenthesised sequences and checks that OR and AND groups hold plain atoms. */
function normalise(ctx: AnalysisContext, elements: readonly A.PatternElement[]): ElementShape[] | undefined {
  const shapes: ElementShape[] = [];
  let ok = true;
  for (const e of elements) {
    if (e.kind === 'AtomElement') {
      const { min, max } = e.quantifier ? checkQuantifier(ctx, e.quantifier) : { min: 1, max: 1 };
      shapes.push({ kind: 'atom', atom: e.atom, min, max, span: e.span });
    } else if (e.kind === 'NotElement') {
      shapes.push({ kind: 'not', atom: e.atom, span: e.span });
    } else if (e.operator === 'SEQ') {
      const inner = e.branches[0] ?? [];
      if (e.quantifier) {
        const single = inner.length === 1 && inner[0]!.kind === 'AtomElement' && !inner[0]!.quantifier ? inner[0] : undefined;
        if (single && single.kind === 'AtomElement') {
          const { min, max } = checkQuantifier(ctx, e.quantifier);
          shapes.push({ kind: 'atom', atom: single.atom, min, max, span: e.span });
          continue;
        }
        report(ctx, 'notSupportedYet', e.span, `group quantifiers over sub-patterns, such as (a -> b)${e.quantifier.text}, are not supported yet`);
        ok = false;
        continue;
      }
      const flat = normalise(ctx, inner);
      if (!flat) ok = false;
      else shapes.push(...flat);
    } else {
      if (e.mixedOperators) {
        report(ctx, 'invalidGroup', e.span, 'a group mixes OR and AND: a group is either (a OR b …) or (a AND b …)', 'use one kind per group, such as (a OR b) or (a AND b); groups do not nest');
        ok = false;
        continue;
      }
      if (e.quantifier) {
        report(ctx, 'notSupportedYet', e.quantifier.span, `quantifiers on ${e.operator} groups, such as (a ${e.operator} b)${e.quantifier.text}, are not supported yet`);
        ok = false;
        continue;
      }
      const atoms: A.Atom[] = [];
      for (const branch of e.branches) {
        const only = branch[0];
        if (branch.length !== 1 || !only) {
          report(ctx, 'notSupportedYet', branch[0]?.span ?? e.span, `sequences inside an ${e.operator} group are not supported yet: each side of ${e.operator} is one atom`);
          ok = false;
        } else if (only.kind === 'NotElement') {
          report(ctx, 'invalidGroup', only.span, `NOT cannot stand inside an ${e.operator} group`);
          ok = false;
        } else if (only.kind === 'GroupElement') {
          report(ctx, 'invalidGroup', only.span, `groups cannot be nested inside an ${e.operator} group`);
          ok = false;
        } else if (only.quantifier) {
          report(ctx, 'invalidGroup', only.quantifier.span, `an ${e.operator} group is made of plain atoms: quantifiers are not allowed inside it`);
          ok = false;
        } else {
          atoms.push(only.atom);
        }
      }
      shapes.push({ kind: e.operator === 'OR' ? 'or' : 'and', atoms, span: e.span });
    }
  }
  return ok ? shapes : undefined;
}

/** An element that binds exactly one event: a plain atom, an OR group or an AND group. */
function bindsExactlyOne(shape: ElementShape | undefined): boolean {
  if (!shape) return false;
  if (shape.kind === 'atom') return shape.min === 1 && shape.max === 1;
  return shape.kind === 'or' || shape.kind === 'and';
}

/** How many NOT elements a pattern starts with (section 12: not supported yet). */
function leadingNots(shapes: readonly ElementShape[]): number {
  const i = shapes.findIndex((s) => s.kind !== 'not');
  return i < 0 ? shapes.length : i;
}

/** Section 6.1: where elements may stand. False when the pattern cannot be analysed further. */
function checkStructure(ctx: AnalysisContext, shapes: readonly ElementShape[]): boolean {
  const first = shapes[0];
  const last = shapes[shapes.length - 1];
  if (!first || !last) return false;
  if (first.kind === 'not') {
    report(ctx, 'notSupportedYet', first.span, 'NOT at the start of a pattern is not supported yet', 'start with the event that opens the situation: a -> NOT n -> b');
    // The rest is checked as the pattern it would be without them (section 9: every error).
    const rest = shapes.slice(leadingNots(shapes));
    return rest.length > 0 && checkStructure(ctx, rest);
  }
  if (first.kind === 'atom' && first.min < 1) {
    report(ctx, 'patternBoundary', first.span, 'a pattern must begin with an element that takes at least one event, not an optional one');
  }
  if (last.kind === 'atom' && last.min < 1 && shapes.length > 1) {
    report(ctx, 'patternBoundary', last.span, 'a pattern must end with an element that takes at least one event, not an optional one');
  }
  shapes.forEach((shape, i) => {
    if (shape.kind !== 'not' || i === 0) return;
    const previous = shapes[i - 1];
    const next = shapes[i + 1];
    // NOTs in a row are one error, reported at the first of them.
    if (previous?.kind === 'not') return;
    if (!bindsExactlyOne(previous)) {
      report(ctx, 'notPlacement', shape.span, 'NOT must follow an element that binds exactly one event (a plain atom, an OR group or an AND group)', previous?.kind === 'atom' ? 'a NOT after an optional or Kleene element is ambiguous; put a plain element before it' : undefined);
    } else if (next?.kind === 'not') {
      const stream = shape.atom.stream.text;
      const sameStream = next.atom.stream.text === stream;
      report(ctx, 'notPlacement', shape.span, 'two NOT elements in a row: NOT must stand between two elements that bind exactly one event, or last', sameStream ? `combine them into one NOT whose condition joins theirs with OR: NOT ${stream}[… OR …]` : undefined);
    } else if (next && !bindsExactlyOne(next)) {
      report(ctx, 'notPlacement', shape.span, 'NOT must stand between two elements that bind exactly one event, or last');
    }
  });
  return true;
}

// -------------------------------------------------------------------------------- partitions

/** PARTITION BY as key columns per stream (section 6.1), or undefined after reporting. */
function resolvePartition(ctx: AnalysisContext, keys: readonly A.PartitionKey[], atoms: readonly AtomInfo[]): Record<string, string[]> | undefined {
  const streams = [...new Map(atoms.map((a) => [a.entry.name, a.entry])).values()];
  const result: Record<string, string[]> = {};
  if (keys.length === 0) return result;
  const qualified = keys.filter((k) => k.stream);
  if (qualified.length > 0 && qualified.length < keys.length) {
    report(ctx, 'partitionColumnMissing', keys.find((k) => !k.stream)!.span, 'PARTITION BY mixes qualified and bare columns: write either card or Txn.card, Verified.card_no');
    return undefined;
  }
  let ok = true;
  if (qualified.length === 0) {
    for (const key of keys) {
      let type: string | undefined;
      for (const entry of streams) {
        const column = findColumn(entry.schema, key.column.text);
        if (!column) {
          const hint = didYouMean(closestMatch(key.column.text, entry.schema.columns.map((c) => c.name)));
          report(ctx, 'partitionColumnMissing', key.column.span, `PARTITION BY ${key.column.text}: stream '${entry.name}' has no column '${key.column.text}'`, hint ?? `map differently named columns: PARTITION BY ${streams.map((s) => `${s.name}.<column>`).join(', ')}`);
          ok = false;
          continue;
        }
        if (type !== undefined && !comparable(type as never, column.type)) {
          report(ctx, 'typeMismatch', key.column.span, `PARTITION BY ${key.column.text} has type ${type} in one stream and ${column.type} in '${entry.name}'`);
          ok = false;
        }
        type ??= column.type;
        (result[entry.name] ??= []).push(column.name);
      }
    }
    return ok ? result : undefined;
  }
  for (const key of keys) {
    const stream = key.stream!;
    const entry = streams.find((s) => s.name === stream.text);
    if (!entry) {
      report(ctx, 'unknownStream', stream.span, `PARTITION BY names '${stream.text}', which is not a stream of this pattern`, didYouMean(closestMatch(stream.text, streams.map((s) => s.name))));
      ok = false;
      continue;
    }
    const column = findColumn(entry.schema, key.column.text);
    if (!column) {
      report(ctx, 'partitionColumnMissing', key.column.span, `stream '${entry.name}' has no column '${key.column.text}'`, didYouMean(closestMatch(key.column.text, entry.schema.columns.map((c) => c.name))));
      ok = false;
      continue;
    }
    (result[entry.name] ??= []).push(column.name);
  }
  if (!ok) return undefined;
  const counts = new Set(Object.values(result).map((cols) => cols.length));
  for (const entry of streams) {
    if (!result[entry.name]) {
      report(ctx, 'partitionColumnMissing', keys[0]!.span, `PARTITION BY gives no key column for stream '${entry.name}', which the pattern reads`, `add ${entry.name}.<column>`);
      ok = false;
    }
  }
  if (ok && counts.size > 1) {
    report(ctx, 'partitionColumnMissing', keys[0]!.span, 'PARTITION BY gives a different number of key columns for different streams');
    ok = false;
  }
  return ok ? result : undefined;
}

// ------------------------------------------------------------------------------------ scopes

function forbiddenNot(name: string) {
  return {
    kind: 'notAliasOutside' as const,
    message: `'${name}' is the alias of a NOT element: it binds no event, so it can only be used inside its own condition`,
  };
}

/** What an atom's condition may read (section 6.1): its candidate, and earlier elements. */
function atomScope(atoms: readonly AtomInfo[], self: AtomInfo): Scope {
  const ownName = self.atom.alias?.text ?? self.entry.name;
  const rows: ScopeRow[] = [{ names: [ownName], schema: self.entry.schema, ref: { kind: 'input' }, bare: true }];
  const kleene: KleeneRow[] = [];
  for (const other of atoms) {
    if (other === self) {
      if (other.kleene) kleene.push({ name: ownName, slot: other.slot, schema: other.entry.schema });
      continue;
    }
    const alias = other.atom.alias?.text;
    if (!alias || alias === ownName) continue;
    const later = other.element >= self.element;
    const forbidden = later
      ? {
          kind: 'laterAlias' as const,
          message: `'${alias}' ${other.element === self.element ? 'is bound in the same group' : 'is bound later in the pattern'}: a condition can only refer to earlier elements`,
          hint: 'move the comparison into the later element\'s condition, or into WHERE',
        }
      : other.negated
        ? forbiddenNot(alias)
        : undefined;
    if (other.kleene) kleene.push({ name: alias, slot: other.slot, schema: other.entry.schema, ...(forbidden ? { forbidden } : {}) });
    else rows.push({ names: [alias], schema: other.entry.schema, ref: { kind: 'atom', slot: other.slot }, bare: false, ...(forbidden ? { forbidden } : {}) });
  }
  return { rows, kleene, description: `in '${self.entry.name}'`, bareColumnHint: `a bare column is the candidate event's, in stream '${self.entry.name}'` };
}

/** What WHERE and the SELECT list may read: every element's events, and the partition key. */
function outsideScope(atoms: readonly AtomInfo[], keyColumns: ReadonlyMap<string, BoundExpr>): Scope {
  const rows: ScopeRow[] = [];
  const kleene: KleeneRow[] = [];
  for (const a of atoms) {
    const alias = a.atom.alias?.text;
    if (!alias) continue;
    if (a.kleene) kleene.push({ name: alias, slot: a.slot, schema: a.entry.schema });
    else rows.push({ names: [alias], schema: a.entry.schema, ref: { kind: 'atom', slot: a.slot }, bare: false, ...(a.negated ? { forbidden: forbiddenNot(alias) } : {}) });
  }
  return {
    rows,
    kleene,
    extraColumns: keyColumns,
    description: 'in the pattern',
    bareColumnHint: 'in a pattern, qualify columns with an element\'s alias (a.amount); only PARTITION BY columns may stand alone',
  };
}

function starOfPattern(ctx: AnalysisContext, atoms: readonly AtomInfo[], item: A.StarItem): Projection[] {
  if (!item.qualifier) {
    report(ctx, 'clauseNotAllowed', item.span, 'SELECT * is not available in a pattern: its elements have columns of the same names', 'name the columns, or use alias.* for one element');
    return [];
  }
  const target = atoms.find((a) => a.atom.alias?.text === item.qualifier!.text);
  if (!target) {
    report(ctx, 'unknownAlias', item.qualifier.span, `unknown alias '${item.qualifier.text}'`, didYouMean(closestMatch(item.qualifier.text, atoms.flatMap((a) => (a.atom.alias ? [a.atom.alias.text] : [])))));
    return [];
  }
  if (target.negated || target.kleene) {
    report(ctx, target.negated ? 'notAliasOutside' : 'bareKleeneReference', item.span, target.negated ? `'${item.qualifier.text}' is a NOT element: it binds no event` : `'${item.qualifier.text}' is a Kleene element: it binds many events`, target.kleene ? 'select aggregates of it: COUNT(r), LAST(r.x)' : undefined);
    return [];
  }
  return target.entry.schema.columns.map((c) => ({
    name: c.name,
    expr: { kind: 'column', type: c.type, row: { kind: 'atom', slot: target.slot }, column: c.name, span: item.span },
    span: item.span,
  }));
}

// ---------------------------------------------------------------------------------- WHERE

function splitAnd(e: A.Expr): A.Expr[] {
  if (e.kind === 'Binary' && e.op === 'AND') return [...splitAnd(e.left), ...splitAnd(e.right)];
  return [e];
}

/**
 * 6.2 rule 7: a conjunct belongs to the element at which everything it names is bound — the
 * later of the singletons it names, and for an aggregate of a Kleene element the element that
 * follows it (completion when the Kleene element is last).
 */
function attach(expr: BoundExpr, atoms: readonly AtomInfo[], elementCount: number): AttachedConjunct {
  const slots = new Set<number>();
  let element = 0;
  walkBound(expr, (n) => {
    if (n.kind === 'column' && n.row.kind === 'atom') {
      slots.add(n.row.slot);
      element = Math.max(element, atoms[n.row.slot]!.element);
    } else if (n.kind === 'kleeneAggregate') {
      slots.add(n.slot);
      element = Math.max(element, Math.min(atoms[n.slot]!.element + 1, elementCount));
    }
  });
  return { expr, element, slots: [...slots].sort((a, b) => a - b) };
}

/**
 * fast-check generators of random pattern queries (LANGUAGE.md section 6) and random event
 * streams, for the differential test of the fast engine against the reference interpreter
 * (pattern-engine.test.ts).
 *
 * A case is drawn as plain data of small choices (`RawPattern`, `RawEvent[]`) and rendered
 * deterministically into a CQL script: references to "an earlier alias" are indices resolved
 * when rendering (a term with nothing to refer to is left out), and
 * the 6.1 placement rules are enforced by repairing the drawn structure rather than by
 * filtering. So every drawn case compiles, and shrinking (towards fewer elements, fewer
 * terms, index 0, the first option of every choice) keeps it valid and makes it simpler.
 *
 * Streams: `S` always, `T` (same columns) when `twoStreams`; the pattern's atoms read either.
 *
 *     S / T (name STRING, kind STRING, k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts')
 *
 * Events: `kind` from a, b, c, d; `v` from 0..4 or NULL; `k` from p, q, r (rarely NULL); `ts`
 * from 1000 on, increasing by 0..2000 ms (ties on purpose); `name` is kind + position (`b3`),
 * unique. Two events in three are "guided": they copy the stream and kind of one of the
 * pattern's atoms, stepping through them in pattern order, so that multi-element patterns
 * match often enough to be informative (about 35% of cases emit something).
 */
import fc from 'fast-check';

// ------------------------------------------------------------------------------ the pattern

export const KINDS = ['a', 'b', 'c', 'd'] as const;
/** Events are mostly of the first three kinds, so that patterns match often. */
const eventKindArb = fc.oneof({ arbitrary: fc.constantFrom('a', 'b', 'c'), weight: 6 }, { arbitrary: fc.constant('d'), weight: 1 });
export const KEYS = ['p', 'q', 'r'] as const;
const OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
type Op = (typeof OPS)[number];
const AGG_FNS = ['LAST', 'FIRST', 'COUNT', 'SUM', 'MIN', 'MAX', 'AVG'] as const;
type AggFn = (typeof AGG_FNS)[number];

/** A term of an atom's condition (joined with AND). `ref` picks an earlier alias by index. */
export type Term =
  | { readonly t: 'kind'; readonly kinds: readonly string[] } // kind = 'a' | kind IN ('a', 'b')
  | { readonly t: 'notKind'; readonly kind: string } // kind != 'a'
  | { readonly t: 'vConst'; readonly op: Op; readonly c: number } // v op c
  | { readonly t: 'vNull'; readonly negated: boolean } // v IS [NOT] NULL
  | { readonly t: 'between'; readonly lo: number; readonly width: number } // v BETWEEN lo AND lo + width
  | { readonly t: 'key'; readonly key: string } // k = 'p'
  | { readonly t: 'ref'; readonly ref: number; readonly op: Op; readonly delta: number } // v op x.v [+ delta]
  | { readonly t: 'refKey'; readonly ref: number; readonly equal: boolean } // k = x.k | k != x.k
  | { readonly t: 'refNull'; readonly ref: number; readonly negated: boolean } // x.name IS [NOT] NULL
  /** An aggregate of the atom's own Kleene element (left out on a singleton). */
  | { readonly t: 'own'; readonly fn: AggFn; readonly guard: 0 | 1 | 2; readonly op: Op; readonly c: number }
  /** Alternating kinds: LAST(r.kind) IS NULL OR kind != LAST(r.kind). */
  | { readonly t: 'ownAlternate' }
  /** An aggregate of an earlier Kleene element. */
  | { readonly t: 'kleeneRef'; readonly ref: number; readonly fn: AggFn; readonly guard: 0 | 1 | 2; readonly op: Op; readonly c: number }
  | { readonly t: 'or'; readonly left: Term; readonly right: Term };

export interface RawAtom {
  readonly onT: boolean;
  /** No alias (its own columns are then bare or `S.v`); only honoured for singletons. */
  readonly anonymous: boolean;
  /** Own columns written bare (`v`) or qualified by the alias (`a.v`). */
  readonly qualifyOwn: boolean;
  readonly terms: readonly Term[];
  /**
   * An iterative condition (`own` or `ownAlternate`), used when the atom is a Kleene element,
   * and a condition on an earlier Kleene element's aggregates, used when there is one: drawn
   * apart from `terms` so that both are frequent where they apply.
   */
  readonly iterative: Term | null;
  readonly aggregateRef: Term | null;
}

export interface Quant {
  readonly min: number;
  readonly max: number;
  /** Which spelling: `?` or `{0,1}`, `+` or `{1,}`, `` or `{1}` … */
  readonly spelling: 0 | 1;
}

export type RawElement =
  | { readonly kind: 'atom'; readonly atom: RawAtom; readonly quant: Quant }
  | { readonly kind: 'not'; readonly atom: RawAtom }
  | { readonly kind: 'or' | 'and'; readonly atoms: readonly RawAtom[] };

/** A WHERE conjunct. x, y pick singleton aliases, r a Kleene alias, by index. */
export type WhereTerm =
  | { readonly t: 'cmp2'; readonly x: number; readonly y: number; readonly op: Op; readonly delta: number }
  | { readonly t: 'keyEq'; readonly x: number; readonly y: number }
  | { readonly t: 'const'; readonly x: number; readonly op: Op; readonly c: number }
  | { readonly t: 'isNull'; readonly x: number; readonly negated: boolean }
  | { readonly t: 'kleene'; readonly r: number; readonly fn: AggFn; readonly op: Op; readonly c: number; readonly vsAlias: number | null }
  | { readonly t: 'bareKey'; readonly key: string }
  | { readonly t: 'or'; readonly left: WhereTerm; readonly right: WhereTerm };

export type Strategy = 'default' | 'SKIP TILL NEXT MATCH' | 'SKIP TILL ANY MATCH' | 'STRICT CONTIGUITY';

export interface RawPattern {
  readonly twoStreams: boolean;
  /** Atoms test only `kind` (and keep their iterative and Kleene-aggregate terms): structure-heavy cases that match often. */
  readonly kindOnly: boolean;
  /**
   * No condition reads a Kleene aggregate: under SKIP TILL ANY MATCH the engine then keeps a
   * Kleene element's runs as one shared structure (section 11), a path of its own to test.
   */
  readonly noAggregateConditions: boolean;
  readonly elements: readonly RawElement[];
  readonly where: readonly WhereTerm[];
  readonly strategy: Strategy;
  readonly skipPastLastEvent: boolean;
  /** none, `PARTITION BY k`, or (with two streams) `PARTITION BY S.k, T.k`. */
  readonly partition: 'none' | 'bare' | 'qualified';
  readonly withinMs: number;
  readonly extras: {
    readonly kleeneFirstLast: boolean;
    readonly kleeneNumbers: boolean;
    readonly gap: boolean;
    readonly vSum: boolean;
    readonly key: boolean;
    readonly now: boolean;
  };
}

/** What a case exercises, for the coverage table. */
export interface Features {
  readonly [feature: string]: boolean;
}

export interface PatternCase {
  readonly raw: RawPattern;
  readonly script: string;
  readonly features: Features;
  /** Each atom's stream and the first kind its condition asks for: what guided events copy. */
  readonly atoms: readonly { readonly stream: string; readonly kind: string | undefined }[];
}

// -------------------------------------------------------------------------------- arbitraries

const kindArb = fc.oneof({ arbitrary: fc.constantFrom('a', 'b', 'c'), weight: 6 }, { arbitrary: fc.constant('d'), weight: 1 });
const opArb = fc.constantFrom<Op>(...OPS);
const smallArb = fc.integer({ min: 0, max: 4 });
/** Constants to compare v with: mostly in the middle of its range. */
const constArb = fc.constantFrom(2, 1, 3, 0, 4);
const aggArb = fc.constantFrom<AggFn>(...AGG_FNS);
const guardArb = fc.constantFrom<0 | 1 | 2>(0, 1, 0, 1, 2);
const refArb = fc.nat({ max: 7 });

const simpleTermArb: fc.Arbitrary<Term> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('notKind' as const), kind: kindArb }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('vConst' as const), op: opArb, c: constArb }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('vNull' as const), negated: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('between' as const), lo: smallArb, width: fc.nat({ max: 2 }) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('key' as const), key: fc.constantFrom(...KEYS) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('ref' as const), ref: refArb, op: opArb, delta: fc.constantFrom(0, 0, 1, -1) }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('refKey' as const), ref: refArb, equal: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('refNull' as const), ref: refArb, negated: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('own' as const), fn: aggArb, guard: guardArb, op: opArb, c: smallArb }), weight: 5 },
  { arbitrary: fc.constant({ t: 'ownAlternate' as const }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('kleeneRef' as const), ref: refArb, fn: aggArb, guard: guardArb, op: opArb, c: smallArb }), weight: 4 },
);

const termArb: fc.Arbitrary<Term> = fc.oneof(
  { arbitrary: simpleTermArb, weight: 9 },
  { arbitrary: fc.record({ t: fc.constant('or' as const), left: simpleTermArb, right: simpleTermArb }), weight: 1 },
);

const atomArb: fc.Arbitrary<RawAtom> = fc.record({
  onT: fc.oneof({ arbitrary: fc.constant(false), weight: 2 }, { arbitrary: fc.constant(true), weight: 1 }),
  anonymous: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
  qualifyOwn: fc.boolean(),
  // Usually a kind test first, so that an atom does not take every event.
  terms: fc
    .tuple(
      fc.option(fc.record({ t: fc.constant('kind' as const), kinds: fc.uniqueArray(kindArb, { minLength: 1, maxLength: 2 }) }), { freq: 5 }),
      fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: fc.array(termArb, { minLength: 1, maxLength: 2 }), weight: 2 }),
    )
    .map(([k, rest]) => (k ? [k, ...rest] : rest)),
  iterative: fc.option(
    fc.oneof(
      { arbitrary: fc.record({ t: fc.constant('own' as const), fn: aggArb, guard: guardArb, op: opArb, c: smallArb }), weight: 6 },
      { arbitrary: fc.constant({ t: 'ownAlternate' as const }), weight: 1 },
    ),
    { nil: null, freq: 2 },
  ),
  aggregateRef: fc.option(fc.record({ t: fc.constant('kleeneRef' as const), ref: refArb, fn: aggArb, guard: guardArb, op: opArb, c: smallArb }), { nil: null, freq: 3 }),
});

const QUANTS: readonly Omit<Quant, 'spelling'>[] = [
  { min: 0, max: 1 },
  { min: 1, max: Infinity },
  { min: 0, max: Infinity },
  { min: 0, max: 1 },
  { min: 1, max: Infinity },
  { min: 0, max: Infinity },
  { min: 2, max: 2 },
  { min: 3, max: 3 },
  { min: 2, max: Infinity },
  { min: 3, max: Infinity },
  { min: 1, max: 2 },
  { min: 0, max: 2 },
  { min: 1, max: 3 },
  { min: 2, max: 3 },
];

const quantArb: fc.Arbitrary<Quant> = fc.oneof(
  { arbitrary: fc.record({ min: fc.constant(1), max: fc.constant(1), spelling: fc.constantFrom<0 | 1>(0, 0, 0, 1) }), weight: 5 },
  { arbitrary: fc.tuple(fc.constantFrom(...QUANTS), fc.constantFrom<0 | 1>(0, 1)).map(([q, spelling]) => ({ ...q, spelling })), weight: 5 },
);

const elementArb: fc.Arbitrary<RawElement> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('atom' as const), atom: atomArb, quant: quantArb }), weight: 7 },
  { arbitrary: fc.record({ kind: fc.constant('not' as const), atom: atomArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constantFrom('or' as const, 'and' as const), atoms: fc.array(atomArb, { minLength: 2, maxLength: 3 }) }), weight: 2 },
);

const simpleWhereArb: fc.Arbitrary<WhereTerm> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('cmp2' as const), x: refArb, y: refArb, op: opArb, delta: fc.constantFrom(0, 0, 1, -1) }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('keyEq' as const), x: refArb, y: refArb }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('const' as const), x: refArb, op: opArb, c: constArb }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('isNull' as const), x: refArb, negated: fc.boolean() }), weight: 1 },
  {
    arbitrary: fc.record({ t: fc.constant('kleene' as const), r: refArb, fn: aggArb, op: opArb, c: fc.integer({ min: 0, max: 6 }), vsAlias: fc.option(refArb, { nil: null }) }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant('bareKey' as const), key: fc.constantFrom(...KEYS) }), weight: 1 },
);

const whereArb: fc.Arbitrary<WhereTerm> = fc.oneof(
  { arbitrary: simpleWhereArb, weight: 9 },
  { arbitrary: fc.record({ t: fc.constant('or' as const), left: simpleWhereArb, right: simpleWhereArb }), weight: 1 },
);

export const rawPatternArb: fc.Arbitrary<RawPattern> = fc.record({
  kindOnly: fc.oneof({ arbitrary: fc.constant(false), weight: 2 }, { arbitrary: fc.constant(true), weight: 1 }),
  noAggregateConditions: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
  twoStreams: fc.oneof({ arbitrary: fc.constant(false), weight: 2 }, { arbitrary: fc.constant(true), weight: 1 }),
  elements: fc.oneof({ arbitrary: fc.array(elementArb, { minLength: 1, maxLength: 3 }), weight: 3 }, { arbitrary: fc.array(elementArb, { minLength: 4, maxLength: 5 }), weight: 1 }),
  where: fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: fc.array(whereArb, { minLength: 1, maxLength: 3 }), weight: 2 }),
  strategy: fc.constantFrom<Strategy>('default', 'SKIP TILL NEXT MATCH', 'SKIP TILL ANY MATCH', 'STRICT CONTIGUITY'),
  skipPastLastEvent: fc.oneof({ arbitrary: fc.constant(false), weight: 2 }, { arbitrary: fc.constant(true), weight: 1 }),
  partition: fc.constantFrom<RawPattern['partition']>('none', 'bare', 'none', 'qualified'),
  withinMs: fc.constantFrom(3000, 1000, 1500, 2000, 2500, 4000, 5000, 6000),
  extras: fc.record({
    kleeneFirstLast: fc.boolean(),
    kleeneNumbers: fc.boolean(),
    gap: fc.boolean(),
    vSum: fc.boolean(),
    key: fc.boolean(),
    now: fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }),
  }),
});

/**
 * The cases. One in five is steered to section 11's shared Kleene path (SKIP TILL ANY MATCH,
 * no condition reading a Kleene aggregate), which random choices alone reach too seldom.
 */
export const patternCaseArb: fc.Arbitrary<PatternCase> = fc
  .oneof(
    { arbitrary: rawPatternArb, weight: 4 },
    { arbitrary: rawPatternArb.map((raw): RawPattern => ({ ...raw, strategy: 'SKIP TILL ANY MATCH', noAggregateConditions: true })), weight: 1 },
  )
  .map((raw) => render(raw));

// ----------------------------------------------------------------------------------- events

export interface RawEvent {
  /**
   * When set, event i copies the stream and kind of the pattern's atom (i + guide) modulo their
   * number, so that most events are relevant to some element, and runs of them follow the
   * pattern's order; otherwise the event has its own stream and kind.
   */
  readonly guide: number | null;
  readonly onT: boolean;
  readonly kind: string;
  readonly v: number | null;
  readonly k: string | null;
  readonly gap: number;
}

export interface InputEvent {
  readonly stream: string;
  readonly data: { readonly name: string; readonly kind: string; readonly k: string | null; readonly v: number | null; readonly ts: number };
}

export const rawEventsArb: fc.Arbitrary<RawEvent[]> = fc.array(
  fc.record({
    guide: fc.option(fc.constantFrom(0, 0, 0, 1, 2, 3, 4), { nil: null, freq: 3 }),
    onT: fc.boolean(),
    kind: eventKindArb,
    v: fc.option(smallArb, { nil: null, freq: 7 }),
    // Now and then a NULL key: the reference groups NULL keys together, as SQL's GROUP BY does.
    k: fc.oneof({ arbitrary: fc.constantFrom<string | null>('p', 'q'), weight: 12 }, { arbitrary: fc.constant('r'), weight: 2 }, { arbitrary: fc.constant(null), weight: 1 }),
    gap: fc.oneof(
      { arbitrary: fc.constant(0), weight: 3 },
      { arbitrary: fc.constantFrom(250, 500), weight: 4 },
      { arbitrary: fc.constant(1000), weight: 2 },
      { arbitrary: fc.constantFrom(1500, 2000), weight: 1 },
      { arbitrary: fc.integer({ min: 1, max: 2000 }), weight: 1 },
    ),
  }),
  { maxLength: 14, size: 'max' },
);

/** The events of a case: times from `start` (1000) on; `T` events go to `S` when the script has one stream. */
export function toEvents(raw: readonly RawEvent[], c: PatternCase, start = 1000): InputEvent[] {
  let ts = start;
  return raw.map((e, i) => {
    ts += i === 0 ? 0 : e.gap;
    // Consecutive guided events with the same guide step through the atoms in pattern order.
    const guide = e.guide === null || c.atoms.length === 0 ? undefined : c.atoms[(i + e.guide) % c.atoms.length]!;
    const stream = guide ? guide.stream : c.raw.twoStreams && e.onT ? 'T' : 'S';
    const kind = guide?.kind ?? e.kind;
    return { stream, data: { name: `${kind}${i}`, kind, k: e.k, v: e.v, ts } };
  });
}

/**
 * An arrival order for `events` (in event-time order) with which, under allowed lateness `L`,
 * no event is late: each event is delayed by `delays[i]` ≤ L and the events arrive in order
 * of ts + delay. Then an event that arrives after one with a larger ts is at most L older:
 * ts_i + d_i ≤ ts_j + d_j gives ts_i − ts_j ≤ d_j − d_i ≤ L. Events with the same ts keep
 * their relative order (section 3: ties keep arrival order, so reordering them would change
 * the input, not only its arrival): they are put back, in order, into the places they took.
 */
export function shuffleWithinLateness<E extends { readonly data: { readonly ts: number } }>(events: readonly E[], delays: readonly number[], lateness: number): E[] {
  const keyed = events.map((e, i) => ({ e, i, at: e.data.ts + Math.min(lateness, Math.max(0, delays[i % Math.max(1, delays.length)] ?? 0)) }));
  keyed.sort((x, y) => x.at - y.at || x.i - y.i);
  const arrival = keyed.map((x) => x.e);
  const byTs = new Map<number, E[]>();
  for (const e of events) {
    const list = byTs.get(e.data.ts) ?? [];
    list.push(e);
    byTs.set(e.data.ts, list);
  }
  const used = new Map<number, number>();
  return arrival.map((e) => {
    const n = used.get(e.data.ts) ?? 0;
    used.set(e.data.ts, n + 1);
    return byTs.get(e.data.ts)![n]!;
  });
}

/** Whether no event of this arrival order is late under allowed lateness `L` (section 3). */
export function withinLateness(events: readonly { readonly data: { readonly ts: number } }[], lateness: number): boolean {
  let max = -Infinity;
  for (const e of events) {
    if (e.data.ts < max - lateness) return false;
    max = Math.max(max, e.data.ts);
  }
  return true;
}

// -------------------------------------------------------------------------------- rendering

const ALIASES = 'abcdefghijmnouwxyz'.split('');

const SCHEMA = (name: string) => `CREATE STREAM ${name} (name STRING, kind STRING, k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');`;

interface AtomInfo {
  readonly alias: string | undefined;
  readonly stream: string;
  readonly element: number;
  readonly kleene: boolean;
  readonly negated: boolean;
  /** An element whose minimum is 0 (its alias may be NULL, its Kleene aggregates empty). */
  readonly optional: boolean;
}

const lit = (s: string) => `'${s}'`;

function quantText(q: Quant): string {
  const { min, max, spelling } = q;
  if (min === 1 && max === 1) return spelling === 0 ? '' : '{1}';
  if (min === 0 && max === 1) return spelling === 0 ? '?' : '{0,1}';
  if (min === 1 && max === Infinity) return spelling === 0 ? '+' : '{1,}';
  if (min === 0 && max === Infinity) return spelling === 0 ? '*' : '{0,}';
  if (max === Infinity) return `{${min},}`;
  if (min === max) return `{${min}}`;
  return `{${min},${max}}`;
}

const bindsExactlyOne = (e: RawElement | undefined) =>
  e !== undefined && (e.kind === 'or' || e.kind === 'and' || (e.kind === 'atom' && e.quant.min === 1 && e.quant.max === 1));
const ONE: Quant = { min: 1, max: 1, spelling: 0 };

/**
 * Section 6.1, by repair: the first element is not a NOT and takes at least one event; so
 * does the last, unless it is a trailing NOT; a NOT stands after an element that binds
 * exactly one event and before one (or last); two NOTs in a row are not allowed.
 */
export function legalise(elements: readonly RawElement[]): RawElement[] {
  const out = elements.map((e) => ({ ...e }) as RawElement);
  const atLeastOne = (e: RawElement): RawElement =>
    e.kind === 'atom' && e.quant.min < 1 ? { ...e, quant: { ...e.quant, min: 1, max: Math.max(1, e.quant.max) } } : e;
  for (let i = 0; i < out.length; i++) {
    const e = out[i]!;
    if (e.kind !== 'not') continue;
    if (i === 0 || out[i - 1]!.kind === 'not') {
      out[i] = { kind: 'atom', atom: e.atom, quant: ONE };
      continue;
    }
    const prev = out[i - 1]!;
    if (!bindsExactlyOne(prev) && prev.kind === 'atom') out[i - 1] = { ...prev, quant: ONE };
    const next = out[i + 1];
    if (next && next.kind === 'atom' && !bindsExactlyOne(next)) out[i + 1] = { ...next, quant: ONE };
  }
  out[0] = atLeastOne(out[0]!);
  const last = out.length - 1;
  if (out[last]!.kind !== 'not') out[last] = atLeastOne(out[last]!);
  return out;
}

/** Renders a raw pattern into a script (deterministically) and lists what it exercises. */
export function render(raw: RawPattern): PatternCase {
  const elements = legalise(raw.elements);
  const features: Record<string, boolean> = {};
  const mark = (f: string) => (features[f] = true);
  const infos: AtomInfo[] = [];
  const firstKinds: (string | undefined)[] = [];
  let aliasIndex = 0;
  const nextAlias = () => ALIASES[aliasIndex++]!;
  const streamOf = (a: RawAtom) => (raw.twoStreams && a.onT ? 'T' : 'S');

  /** Whether the atom being rendered writes its own columns qualified (`a.v`, or `S.v` without alias). */
  let selfQualify = false;
  const renderTerm = (term: Term, self: AtomInfo, earlier: readonly AtomInfo[]): string | undefined => {
    const col = (c: string) => (selfQualify ? `${self.alias ?? self.stream}.${c}` : c);
    const singles = earlier.filter((a) => !a.kleene && !a.negated && a.alias);
    const kleenes = earlier.filter((a) => a.kleene && a.alias);
    const constant = (op: Op, c: number) => `${col('v')} ${op} ${c}`;
    switch (term.t) {
      case 'kind':
        mark('cond: kind');
        return term.kinds.length === 1 ? `${col('kind')} = ${lit(term.kinds[0]!)}` : `${col('kind')} IN (${term.kinds.map(lit).join(', ')})`;
      case 'notKind':
        return `${col('kind')} != ${lit(term.kind)}`;
      case 'vConst':
        mark('cond: v vs constant');
        return constant(term.op, term.c);
      case 'vNull':
        mark('cond: IS NULL');
        return `${col('v')} IS ${term.negated ? 'NOT ' : ''}NULL`;
      case 'between':
        mark('cond: BETWEEN');
        return `${col('v')} BETWEEN ${term.lo} AND ${term.lo + term.width}`;
      case 'key':
        return `${col('k')} = ${lit(term.key)}`;
      case 'ref': {
        const x = singles[term.ref % Math.max(1, singles.length)];
        if (!x) return undefined;
        mark('cond: v vs earlier singleton');
        if (x.optional) mark('cond: reads an optional (maybe NULL) alias');
        const delta = term.delta === 0 ? '' : term.delta > 0 ? ` + ${term.delta}` : ` - ${-term.delta}`;
        return `${col('v')} ${term.op} ${x.alias}.v${delta}`;
      }
      case 'refKey': {
        const x = singles[term.ref % Math.max(1, singles.length)];
        if (!x) return undefined;
        mark('cond: k vs earlier singleton');
        return `${col('k')} ${term.equal ? '=' : '!='} ${x.alias}.k`;
      }
      case 'refNull': {
        const x = singles[term.ref % Math.max(1, singles.length)];
        if (!x) return undefined;
        mark('cond: earlier alias IS NULL');
        return `${x.alias}.name IS ${term.negated ? 'NOT ' : ''}NULL`;
      }
      case 'own': {
        if (!self.kleene) return undefined;
        mark(`cond: own ${term.fn}`);
        return aggregateTerm(self.alias!, term.fn, term.guard, term.op, term.c, col('v'));
      }
      case 'ownAlternate': {
        if (!self.kleene) return undefined;
        mark('cond: own LAST(r.kind) alternation');
        return `(LAST(${self.alias}.kind) IS NULL OR ${col('kind')} != LAST(${self.alias}.kind))`;
      }
      case 'kleeneRef': {
        const r = kleenes[term.ref % Math.max(1, kleenes.length)];
        if (!r) return undefined;
        mark(`cond: earlier Kleene ${term.fn}`);
        return aggregateTerm(r.alias!, term.fn, term.guard, term.op, term.c, col('v'));
      }
      case 'or': {
        const l = renderTerm(term.left, self, earlier);
        const r = renderTerm(term.right, self, earlier);
        if (l === undefined || r === undefined) return l ?? r;
        mark('cond: OR');
        return `(${l} OR ${r})`;
      }
    }
  };

  // Elements, left to right: every atom's condition may read the atoms of earlier elements.
  const parts: string[] = [];
  elements.forEach((el, element) => {
    const earlier = [...infos];
    const renderAtom = (atom: RawAtom, kleene: boolean, negated: boolean, optional: boolean): string => {
      const stream = streamOf(atom);
      const anonymous = atom.anonymous && !kleene;
      const info: AtomInfo = { alias: anonymous ? undefined : nextAlias(), stream, element, kleene, negated, optional };
      infos.push(info);
      selfQualify = atom.qualifyOwn;
      if (anonymous) mark('atom without alias');
      if (stream === 'T') mark('atom on stream T');
      const extra = [...(kleene && atom.iterative ? [atom.iterative] : []), ...(atom.aggregateRef ? [atom.aggregateRef] : [])];
      const readsAggregate = (t: Term): boolean => t.t === 'own' || t.t === 'ownAlternate' || t.t === 'kleeneRef' || (t.t === 'or' && (readsAggregate(t.left) || readsAggregate(t.right)));
      const terms = [...atom.terms.filter((t) => !raw.kindOnly || t.t === 'kind'), ...extra]
        .filter((t) => !raw.noAggregateConditions || !readsAggregate(t))
        .map((t) => renderTerm(t, info, earlier))
        .filter((t): t is string => t !== undefined);
      const kindTerm = atom.terms.find((t) => t.t === 'kind');
      firstKinds.push(kindTerm?.t === 'kind' ? kindTerm.kinds[0] : undefined);
      const cond = terms.length > 0 ? `[${terms.join(' AND ')}]` : '';
      return `${info.alias ? `${info.alias}=` : ''}${stream}${cond}`;
    };
    switch (el.kind) {
      case 'atom': {
        const kleene = el.quant.max > 1;
        const q = quantText(el.quant);
        const { min, max } = el.quant;
        mark(
          !kleene ? (min === 0 ? 'optional ?' : 'plain atom')
          : max === Infinity ? (min === 0 ? 'Kleene *' : min === 1 ? 'Kleene +' : 'Kleene {n,}')
          : min === max ? 'Kleene {n}' : 'Kleene {n,m}',
        );
        if (q === '{1}') mark('{1}');
        parts.push(`${renderAtom(el.atom, kleene, false, el.quant.min === 0)}${q}`);
        break;
      }
      case 'not':
        mark(element === elements.length - 1 ? 'trailing NOT' : 'NOT in the middle');
        parts.push(`NOT ${renderAtom(el.atom, false, true, false)}`);
        break;
      case 'or':
      case 'and':
        mark(`${el.kind.toUpperCase()} group`);
        parts.push(`(${el.atoms.map((a) => renderAtom(a, false, false, el.kind === 'or')).join(` ${el.kind.toUpperCase()} `)})`);
        break;
    }
  });

  const singles = infos.filter((a) => !a.kleene && !a.negated && a.alias);
  const kleenes = infos.filter((a) => a.kleene);
  const bareKey = raw.partition === 'bare';

  // WHERE: conjuncts over several aliases and over Kleene aggregates.
  const renderWhere = (w: WhereTerm): string | undefined => {
    const pick = (i: number) => singles[i % Math.max(1, singles.length)];
    // A second alias: another one than x whenever there are two.
    const other = (x: number, y: number) => pick(singles.length > 1 ? x + 1 + (y % (singles.length - 1)) : x);
    switch (w.t) {
      case 'cmp2': {
        const x = pick(w.x);
        const y = other(w.x, w.y);
        if (!x || !y || x === y) return undefined;
        mark('WHERE: two aliases');
        const delta = w.delta === 0 ? '' : w.delta > 0 ? ` + ${w.delta}` : ` - ${-w.delta}`;
        return `${x.alias}.v ${w.op} ${y.alias}.v${delta}`;
      }
      case 'keyEq': {
        const x = pick(w.x);
        const y = other(w.x, w.y);
        if (!x || !y || x === y) return undefined;
        mark('WHERE: key equality');
        return `${x.alias}.k = ${y.alias}.k`;
      }
      case 'const': {
        const x = pick(w.x);
        if (!x) return undefined;
        mark('WHERE: one alias');
        return `${x.alias}.v ${w.op} ${w.c}`;
      }
      case 'isNull': {
        const x = pick(w.x);
        if (!x) return undefined;
        mark('WHERE: IS NULL');
        return `${x.alias}.v IS ${w.negated ? 'NOT ' : ''}NULL`;
      }
      case 'kleene': {
        const r = kleenes[w.r % Math.max(1, kleenes.length)];
        if (!r || raw.noAggregateConditions) return undefined;
        mark(`WHERE: Kleene ${w.fn}`);
        if (r.element === elements.length - 1) mark('WHERE: aggregate of a trailing Kleene (at completion)');
        const agg = w.fn === 'COUNT' ? `COUNT(${r.alias})` : `${w.fn}(${r.alias}.v)`;
        const x = w.vsAlias === null || w.fn === 'COUNT' ? undefined : pick(w.vsAlias);
        if (x) mark('WHERE: Kleene aggregate vs alias');
        return `${agg} ${w.op} ${x ? `${x.alias}.v` : w.c}`;
      }
      case 'bareKey':
        if (!bareKey) return undefined;
        mark('WHERE: bare partition key');
        return `k != ${lit(w.key)}`;
      case 'or': {
        const l = renderWhere(w.left);
        const r = renderWhere(w.right);
        if (l === undefined || r === undefined) return l ?? r;
        mark('WHERE: OR');
        return `(${l} OR ${r})`;
      }
    }
  };
  const where = raw.where.map(renderWhere).filter((w): w is string => w !== undefined);

  // SELECT: every alias's name (NULL when passed over), Kleene counts and aggregates.
  const select: string[] = [];
  for (const a of infos) {
    if (!a.alias || a.negated) continue;
    if (!a.kleene) {
      select.push(`${a.alias}.name AS ${a.alias}`);
      continue;
    }
    select.push(`COUNT(${a.alias}) AS ${a.alias}_n`);
    if (raw.extras.kleeneFirstLast) select.push(`FIRST(${a.alias}.name) AS ${a.alias}_first`, `LAST(${a.alias}.name) AS ${a.alias}_last`);
    if (raw.extras.kleeneNumbers) {
      mark('SELECT: SUM/MIN/MAX/AVG/FIRST/LAST of v');
      select.push(
        `SUM(${a.alias}.v) AS ${a.alias}_sum`,
        `MIN(${a.alias}.v) AS ${a.alias}_min`,
        `MAX(${a.alias}.v) AS ${a.alias}_max`,
        `AVG(${a.alias}.v) AS ${a.alias}_avg`,
        // FIRST and LAST read the first and last event even when its v is NULL (6.1).
        `FIRST(${a.alias}.v) AS ${a.alias}_vfirst`,
        `LAST(${a.alias}.v) AS ${a.alias}_vlast`,
      );
    }
  }
  if (raw.extras.gap && singles.length >= 2) {
    select.push(`${singles.at(-1)!.alias}.ts - ${singles[0]!.alias}.ts AS gap`);
  }
  if (raw.extras.vSum && singles.length >= 2) select.push(`${singles[0]!.alias}.v + ${singles.at(-1)!.alias}.v AS vsum`);
  if (raw.extras.key && bareKey) {
    mark('SELECT: bare key');
    select.push('k');
  }
  if (raw.extras.now) {
    mark('SELECT: NOW()');
    select.push('NOW() AS now');
  }
  if (select.length === 0) select.push(`'m' AS m`);

  const reads = [...new Set(infos.map((a) => a.stream))].sort();
  const partition = raw.partition === 'none' ? '' : raw.partition === 'bare' ? 'PARTITION BY k' : `PARTITION BY ${reads.map((s) => `${s}.k`).join(', ')}`;
  if (partition) mark(bareKey ? 'PARTITION BY k' : 'PARTITION BY Stream.k');
  const within = raw.withinMs % 1000 === 0 ? `${raw.withinMs / 1000} SECONDS` : `${raw.withinMs} MILLISECONDS`;
  const strategy = raw.strategy === 'default' ? '' : `USING ${raw.strategy}`;
  mark(`strategy: ${raw.strategy}`);
  if (raw.skipPastLastEvent) mark('AFTER MATCH SKIP PAST LAST EVENT');
  if (where.length > 0) mark('WHERE');
  if (raw.twoStreams) mark('two streams');
  mark(`elements: ${elements.length}`);

  const query = [
    `SELECT ${select.join(', ')}`,
    `FROM PATTERN ${parts.join(' -> ')}`,
    where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    partition,
    `WITHIN ${within}`,
    strategy,
    raw.skipPastLastEvent ? 'AFTER MATCH SKIP PAST LAST EVENT' : '',
  ].filter(Boolean);
  const script = [SCHEMA('S'), ...(raw.twoStreams ? [SCHEMA('T')] : []), `CREATE STREAM matches AS\n  ${query.join('\n  ')};`].join('\n');
  const atoms = infos.map((info, i) => ({ stream: info.stream, kind: firstKinds[i] }));
  // fast-check prints a counterexample with this: the script, not the raw choices.
  return { raw, script, features, atoms, [fc.toStringMethod]: () => JSON.stringify(script) } as PatternCase;
}

/**
 * A comparison with a Kleene aggregate of `r` (its own, inside its condition, or an earlier
 * one). guard 0: COALESCE with a constant (defined before the first); 1: only from the second
 * (`COUNT(r) = 0 OR …`); 2: bare (NULL before the first, so the comparison is unknown).
 */
function aggregateTerm(r: string, fn: AggFn, guard: 0 | 1 | 2, op: Op, c: number, v: string): string {
  if (fn === 'COUNT') return `COUNT(${r}) ${op === '=' || op === '!=' ? op : op.replace('>', '<')} ${1 + (c % 3)}`;
  if (fn === 'SUM' && guard === 0) return `COALESCE(SUM(${r}.v), 0) + ${v} ${op.includes('<') ? op : '<='} ${3 + c}`;
  const agg = `${fn}(${r}.v)`;
  if (guard === 0) return `${v} ${op} COALESCE(${agg}, ${c})`;
  if (guard === 1) return `(COUNT(${r}) = 0 OR ${v} ${op} ${agg})`;
  return `${v} ${op} ${agg}`;
}

// ----------------------------------------------------------------------------- presentation

/** `b3:2#p@4500` (kind+position, v, key, time); a `T.` prefix for stream T. */
export function eventNotation(events: readonly InputEvent[]): string {
  return events.map((e) => `${e.stream === 'T' ? 'T.' : ''}${e.data.name}:${e.data.v === null ? 'null' : e.data.v}#${e.data.k ?? 'null'}@${e.data.ts}`).join(' ');
}

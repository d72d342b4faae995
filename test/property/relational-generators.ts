/**
 * Random windowed/grouped aggregations, joins and table lookups (LANGUAGE.md sections 5, 7, 8)
 * over three inputs, for the differential tests against the reference (test/reference/).
 *
 *     S (k STRING, v INT, x DOUBLE, s STRING, ts)     events with NULLs and ties in time
 *     T (k STRING, v INT, ts)                         the other side of stream-stream joins
 *     R (k STRING PRIMARY KEY, score INT, ts)         a table; a NULL score deletes the row
 *
 * Each case is one script: a query reading S (and T or R), sometimes behind a derived stream.
 */
import fc from 'fast-check';

export const STREAMS = [
  "CREATE STREAM S (k STRING, v INT, x DOUBLE, s STRING, ts TIMESTAMP) WITH (timestamp = 'ts');",
  "CREATE STREAM T (k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');",
  "CREATE TABLE R (k STRING PRIMARY KEY, score INT, ts TIMESTAMP) WITH (timestamp = 'ts');",
].join('\n');

export interface RelationalCase {
  readonly kind: 'aggregate' | 'join' | 'table' | 'lookup' | 'filters';
  readonly script: string;
}

const AGGREGATES = [
  'COUNT(*)',
  'COUNT(x)',
  'COUNT(DISTINCT v)',
  'COUNT(DISTINCT s)',
  'SUM(v)',
  'SUM(x)',
  'AVG(x)',
  'AVG(v)',
  'MIN(v)',
  'MAX(v)',
  'MIN(s)',
  'MAX(x)',
  'STDDEV(x)',
  'STDDEV(v)',
  'FIRST(x)',
  'LAST(s)',
  'FIRST(v)',
  'SUM(v * 2 + 1)',
] as const;

type Window =
  | { kind: 'none' }
  | { kind: 'TUMBLING'; size: number; count: boolean }
  | { kind: 'HOPPING'; size: number; advance: number }
  | { kind: 'SESSION'; gap: number }
  | { kind: 'SLIDING'; size: number; count: boolean };

const windowArb: fc.Arbitrary<Window> = fc.oneof(
  fc.constant<Window>({ kind: 'none' }),
  fc.record({ kind: fc.constant('TUMBLING' as const), size: fc.constantFrom(500, 1000, 1500, 3000), count: fc.constant(false) }),
  fc.record({ kind: fc.constant('TUMBLING' as const), size: fc.integer({ min: 1, max: 4 }), count: fc.constant(true) }),
  fc
    .record({ size: fc.constantFrom(1000, 2000, 3000), div: fc.constantFrom(1, 2, 3, 4) })
    .map(({ size, div }): Window => ({ kind: 'HOPPING', size, advance: Math.max(250, Math.floor(size / div / 250) * 250) })),
  fc.record({ kind: fc.constant('HOPPING' as const), size: fc.constant(1000), advance: fc.constant(400) }),
  // More than 16 windows hold each event: the engine keeps panes and merges them (one window each below).
  fc.constantFrom<Window>({ kind: 'HOPPING', size: 3000, advance: 150 }, { kind: 'HOPPING', size: 2000, advance: 120 }),
  fc.record({ kind: fc.constant('SESSION' as const), gap: fc.constantFrom(250, 500, 1000, 2000) }),
  fc.record({ kind: fc.constant('SLIDING' as const), size: fc.constantFrom(500, 1000, 2500), count: fc.constant(false) }),
  fc.record({ kind: fc.constant('SLIDING' as const), size: fc.integer({ min: 1, max: 4 }), count: fc.constant(true) }),
);

function windowText(w: Window): string {
  switch (w.kind) {
    case 'none':
      return '';
    case 'TUMBLING':
    case 'SLIDING':
      return ` WINDOW ${w.kind} (SIZE ${w.count ? `${w.size} EVENTS` : `${w.size} MILLISECONDS`})`;
    case 'HOPPING':
      return ` WINDOW HOPPING (SIZE ${w.size} MILLISECONDS, ADVANCE BY ${w.advance} MILLISECONDS)`;
    case 'SESSION':
      return ` WINDOW SESSION (${w.gap} MILLISECONDS)`;
  }
}

const aggregateArb = fc
  .record({
    window: windowArb,
    groupBy: fc.constantFrom('', 'k', 'k, s', 's'),
    aggregates: fc.uniqueArray(fc.constantFrom(...AGGREGATES), { minLength: 1, maxLength: 4 }),
    where: fc.constantFrom('', '', 'v > 1', 'x IS NOT NULL', "s <> 'b'"),
    having: fc.constantFrom('', '', 'COUNT(*) >= 2', 'SUM(v) > 3'),
    emit: fc.constantFrom('', '', 'CHANGES', 'FINAL'),
    bounds: fc.boolean(),
    derived: fc.boolean(),
  })
  .map(({ window, groupBy, aggregates, where, having, emit, bounds, derived }): RelationalCase => {
    const closes = window.kind === 'HOPPING' || window.kind === 'SESSION' || (window.kind === 'TUMBLING' && !window.count);
    const emitText = emit === 'FINAL' && closes ? ' EMIT FINAL' : emit === 'CHANGES' && closes ? ' EMIT CHANGES' : '';
    const items = [...(groupBy ? groupBy.split(', ') : []), ...aggregates.map((a, i) => `${a} AS a${i}`)];
    if (bounds && window.kind !== 'none') items.push('WINDOW_START AS ws', 'WINDOW_END AS we');
    // Now and then the aggregate reads a derived stream (a filter of S): its events have the
    // time they were emitted at (section 3).
    const source = derived ? 'F' : 'S';
    const pre = derived ? 'CREATE STREAM F AS SELECT k, v, x, s FROM S WHERE v IS NULL OR v <> 3;\n' : '';
    const query = `CREATE STREAM out AS SELECT ${items.join(', ')} FROM ${source}${windowText(window)}${where ? ` WHERE ${where}` : ''}${
      groupBy ? ` GROUP BY ${groupBy}` : ''
    }${having ? ` HAVING ${having}` : ''}${emitText};`;
    return { kind: 'aggregate', script: `${STREAMS}\n${pre}${query}` };
  });

const joinArb = fc
  .record({
    left: fc.boolean(),
    self: fc.boolean(),
    within: fc.constantFrom(0, 250, 500, 1000, 2000),
    on: fc.constantFrom('a.k = b.k', 'a.k = b.k', 'a.k = b.k AND a.v < b.v', 'a.v = b.v', 'a.v < b.v', 'a.k = b.k AND a.v = b.v'),
    where: fc.constantFrom('', '', 'b.v IS NULL OR b.v > 1', 'a.v <> 2'),
  })
  .map(({ left, self, within, on, where }): RelationalCase => {
    const right = self ? 'S' : 'T';
    const items = ['a.k AS ak', 'a.v AS av', 'b.k AS bk', 'b.v AS bv', 'a.ts AS ats', 'b.ts AS bts'];
    const query = `CREATE STREAM out AS SELECT ${items.join(', ')} FROM S a ${left ? 'LEFT ' : ''}JOIN ${right} b WITHIN ${within} MILLISECONDS ON ${on}${
      where ? ` WHERE ${where}` : ''
    };`;
    return { kind: 'join', script: `${STREAMS}\n${query}` };
  });

const tableArb = fc
  .record({ left: fc.boolean(), on: fc.constantFrom('a.k = r.k', 'a.k = r.k', 'r.k = a.k AND r.score > 1'), where: fc.constantFrom('', 'r.score IS NULL OR r.score < 4') })
  .map(({ left, on, where }): RelationalCase => {
    const query = `CREATE STREAM out AS SELECT a.k, a.v, r.score FROM S a ${left ? 'LEFT ' : ''}JOIN R r ON ${on}${where ? ` WHERE ${where}` : ''};`;
    return { kind: 'table', script: `${STREAMS}\n${query}` };
  });

const lookupArb = fc.constantFrom<RelationalCase>(
  { kind: 'lookup', script: `${STREAMS}\nCREATE STREAM out AS SELECT k, v, LOOKUP(R, k).score AS score FROM S WHERE LOOKUP(R, k).score IS NULL OR v > 0;` },
  {
    kind: 'lookup',
    script: `${STREAMS}\nCREATE STREAM out AS SELECT a.k AS k, COUNT(t) AS n FROM PATTERN (a=S[LOOKUP(R, k).score > 1] -> t=T[k = a.k]+) PARTITION BY k WITHIN 2 SECONDS;`,
  },
);

export const relationalCaseArb: fc.Arbitrary<RelationalCase> = fc.oneof(
  { arbitrary: aggregateArb, weight: 6 },
  { arbitrary: joinArb, weight: 3 },
  { arbitrary: tableArb, weight: 2 },
  { arbitrary: lookupArb, weight: 1 },
);

export interface RelEvent {
  readonly stream: string;
  readonly data: Record<string, unknown> & { readonly ts: number };
}

const valueArb = <T>(values: readonly T[], nullFreq = 6) => fc.option(fc.constantFrom(...values), { nil: null, freq: nullFreq });

const rawEventArb = fc.record({
  stream: fc.constantFrom('S', 'S', 'S', 'T', 'T', 'R'),
  k: fc.oneof({ arbitrary: fc.constantFrom<string | null>('p', 'q'), weight: 10 }, { arbitrary: fc.constant<string | null>('r'), weight: 2 }, { arbitrary: fc.constant(null), weight: 1 }),
  v: valueArb([0, 1, 2, 3, 4, 5], 10),
  x: valueArb([0.1, 0.25, 1.5, -2, 3.3, 1e3]),
  s: valueArb(['a', 'b', 'c']),
  score: valueArb([1, 2, 3, 5], 4),
    // Mostly on a grid of 250 ms, so that events fall exactly on window ends, session gaps and
  // WITHIN bounds; now and then anywhere.
  gap: fc.oneof(
    { arbitrary: fc.constant(0), weight: 3 },
    { arbitrary: fc.constant(250), weight: 5 },
    { arbitrary: fc.constant(500), weight: 3 },
    { arbitrary: fc.constant(1000), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 2500 }), weight: 2 },
  ),
});

/** Random events, times from 1000 on, never decreasing. */
export const relEventsArb: fc.Arbitrary<RelEvent[]> = fc.array(rawEventArb, { maxLength: 40 }).map((raw) => {
  let ts = 1000;
  return raw.map((e, i): RelEvent => {
    ts += i === 0 ? 0 : e.gap;
    if (e.stream === 'S') return { stream: 'S', data: { k: e.k, v: e.v, x: e.x, s: e.s, ts } };
    if (e.stream === 'T') return { stream: 'T', data: { k: e.k, v: e.v, ts } };
    return { stream: 'R', data: { k: e.k ?? 'p', score: e.score, ts } };
  });
});

/**
 * Many filter rules on S at once (the engine indexes runs of eight or more on a column they
 * test for equality): equalities and IN lists on k and s, other conditions on v, now and then
 * a rule without any equality or a running aggregate between them (which breaks the run).
 */
export const manyFiltersArb: fc.Arbitrary<RelationalCase> = fc
  .array(
    fc.record({
      eq: fc.constantFrom('', "k = 'p'", "k = 'q'", "'r' = k", "k IN ('p', 'r')", "s = 'a'", "s IN ('b', 'c')", "k = 'p' AND s = 'b'", "k = 'zz'"),
      other: fc.constantFrom('', 'v > 1', 'v IS NULL', 'x > 0'),
      aggregate: fc.boolean(),
    }),
    { minLength: 8, maxLength: 30 },
  )
  .map((rules): RelationalCase => {
    const statements = rules.map((r, i) => {
      if (r.aggregate && i % 7 === 3) return `CREATE STREAM out${i} AS SELECT k, COUNT(*) AS n FROM S GROUP BY k;`;
      const where = [r.eq, r.other].filter(Boolean).join(' AND ');
      return `CREATE STREAM out${i} AS SELECT k, v, s FROM S${where ? ` WHERE ${where}` : ''};`;
    });
    return { kind: 'filters', script: `${STREAMS}\n${statements.join('\n')}` };
  });

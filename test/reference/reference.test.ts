/**
 * The reference engine against LANGUAGE-EXAMPLES.md (all 16 worked examples, as data in
 * test/fixtures/spec/pattern-examples.json) and hand-written cases for the rules of sections
 * 2, 3 and 6.2 that the examples leave implicit.
 */
import { describe, expect, it } from 'vitest';
import { runReference, runReferenceDetailed, type RefEvent } from './engine.js';
import { examples } from '../conformance/pattern-examples.suite.js';

describe('LANGUAGE-EXAMPLES.md', () => {
  it('has all 16 examples', () => {
    expect(examples.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  for (const example of examples) {
    it(`${example.id}. ${example.title}`, () => {
      const events = example.input.map((data) => ({ stream: 'S', data }));
      const outputs = runReference(`${example.schema}\n${example.query};`, events);
      expect(outputs.map(({ data, time }) => ({ data, time }))).toEqual(example.expected);
      expect(new Set(outputs.map((o) => o.stream))).toEqual(new Set(example.expected.length > 0 ? ['query_1'] : []));
    });
  }
});

// ------------------------------------------------------------------------------ hand-written

const S = "CREATE STREAM S (name STRING, kind STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\n";
const T = "CREATE STREAM T (card STRING NOT NULL, kind STRING, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');\n";
const V = "CREATE STREAM V (card STRING NOT NULL, ok BOOLEAN, ts TIMESTAMP) WITH (timestamp = 'ts');\n";

/**
 * Events in the examples' notation: `a1` (kind a), `e1:7` (v = 7), `@3000` (time); otherwise
 * each event is 1000 ms after the previous one.
 */
function s(notation: string): RefEvent[] {
  let time = 0;
  return notation.split(/\s+/).filter(Boolean).map((token) => {
    const m = /^([a-z]+\d*)(?::(-?\d+))?(?:@(\d+))?$/.exec(token);
    if (!m) throw new Error(`bad event ${token}`);
    time = m[3] !== undefined ? Number(m[3]) : time + 1000;
    const name = m[1]!;
    return { stream: 'S', data: { name, kind: name.replace(/\d+$/, ''), v: m[2] === undefined ? null : Number(m[2]), ts: time } };
  });
}

function txn(card: string, kind: string, amount: number, ts: number): RefEvent {
  return { stream: 'T', data: { card, kind, amount, ts } };
}

/** The outputs as `time: col=value, …` lines, easy to read in a failing diff. */
function lines(source: string, events: readonly RefEvent[]): string[] {
  return runReference(source, events).map((o) => `${o.stream}@${o.time}: ${Object.entries(o.data).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
}

describe('PARTITION BY (6.1, 6.2 relevant sequence)', () => {
  const q = `SELECT a.card AS card, a.amount AS a, b.amount AS b FROM PATTERN a=T[kind = 'a'] -> b=T[kind = 'b'] PARTITION BY card WITHIN 1 MINUTE`;

  it('matches each card on its own', () => {
    const events = [txn('1', 'a', 1, 1000), txn('2', 'a', 2, 2000), txn('2', 'b', 20, 3000), txn('1', 'b', 10, 4000)];
    expect(lines(`${T}${q};`, events)).toEqual(['query_1@3000: card=2 a=2 b=20', 'query_1@4000: card=1 a=1 b=10']);
  });

  it('under STRICT CONTIGUITY, events of another partition do not break contiguity', () => {
    const events = [txn('1', 'a', 1, 1000), txn('2', 'x', 0, 2000), txn('2', 'a', 2, 2500), txn('1', 'b', 10, 3000), txn('2', 'x', 0, 3500), txn('2', 'b', 20, 4000)];
    expect(lines(`${T}${q} USING STRICT CONTIGUITY;`, events)).toEqual(['query_1@3000: card=1 a=1 b=10']);
  });

  it('reads a bare key column in SELECT, and treats a NULL key as a key of its own', () => {
    const source = `${S}SELECT kind, a.name AS a, b.name AS b FROM PATTERN a=S[v = 1] -> b=S[v = 2] PARTITION BY kind WITHIN 1 MINUTE;`;
    const events = [
      { stream: 'S', data: { name: 'a1', kind: null, v: 1, ts: 1000 } },
      { stream: 'S', data: { name: 'a2', kind: 'k', v: 1, ts: 2000 } },
      { stream: 'S', data: { name: 'b1', kind: null, v: 2, ts: 3000 } },
      { stream: 'S', data: { name: 'b2', kind: 'k', v: 2, ts: 4000 } },
    ];
    expect(lines(source, events)).toEqual(['query_1@3000: kind=null a=a1 b=b1', 'query_1@4000: kind=k a=a2 b=b2']);
  });
});

describe('OR and AND groups (6.2 rules 6 and 9)', () => {
  it('an AND group of the same stream binds a different event to each atom, in any order', () => {
    const source = `${S}SELECT a.name AS a, b.name AS b, c.name AS c FROM PATTERN a=S[kind = 'a'] -> (b=S[v > 0] AND c=S[v > 0]) WITHIN 1 MINUTE;`;
    // e1 fits both atoms: two runs (b=e1) and (c=e1); e2 completes both. Same events: the one
    // that bound e1 (the first event bound differently) to the atom written first comes first.
    expect(lines(source, s('a1 e1:1 e2:2 e3:3'))).toEqual(['query_1@3000: a=a1 b=e1 c=e2', 'query_1@3000: a=a1 b=e2 c=e1']);
  });

  it('OR forks live on separately and keep rule 9 order at a later completion', () => {
    const source = `${S}SELECT x.name AS x, y.name AS y, d.name AS d FROM PATTERN a=S[kind = 'a'] -> (x=S[v > 5] OR y=S[v < 9]) -> d=S[kind = 'd'] WITHIN 1 MINUTE;`;
    expect(lines(source, s('a1 e1:7 d1'))).toEqual(['query_1@3000: x=e1 y=null d=d1', 'query_1@3000: x=null y=e1 d=d1']);
  });

  it('a WHERE conjunct on one OR atom acts as if written inline in that atom', () => {
    const source = `${S}SELECT x.name AS x, y.name AS y FROM PATTERN a=S[kind = 'a'] -> (x=S[kind = 'e'] OR y=S[kind = 'f']) WHERE x.v > a.v WITHIN 1 MINUTE;`;
    // e1 fails x's conjunct, so it is irrelevant and skipped; the conjunct does not constrain y.
    expect(lines(source, s('a1:5 e1:3 e2:8 a2:5 f1:1'))).toEqual(['query_1@3000: x=e2 y=null', 'query_1@5000: x=null y=f1']);
  });

  it('a WHERE conjunct naming two atoms of an AND group is checked once both are bound', () => {
    const source = `${S}SELECT b.name AS b, c.name AS c FROM PATTERN a=S[kind = 'a'] -> (b=S[kind = 'b'] AND c=S[kind = 'c']) WHERE b.v < c.v WITHIN 1 MINUTE;`;
    // c1 is checked with b1 bound: 2 < 1 fails, so c1 is irrelevant and skipped; c2 completes.
    expect(lines(source, s('a1 b1:2 c1:1 c2:3'))).toEqual(['query_1@4000: b=b1 c=c2']);
  });
});

describe('STRICT CONTIGUITY with a second stream (6.2 rule 3)', () => {
  const source = `${T}${V}SELECT a.amount AS probe, b.amount AS charge FROM PATTERN a=T[amount < 1] -> v=V[ok = TRUE] -> b=T[amount > 500] PARTITION BY card WITHIN 10 MINUTES USING STRICT CONTIGUITY;`;
  const verified = (card: string, ok: boolean, ts: number): RefEvent => ({ stream: 'V', data: { card, ok, ts } });

  it('a V event that its take refuses is irrelevant, so the run dies', () => {
    expect(lines(source, [txn('c', 'p', 0.5, 1000), verified('c', false, 2000), verified('c', true, 3000), txn('c', 'p', 900, 4000)])).toEqual([]);
  });

  it('consecutive in the partition: a V of another card does not interfere', () => {
    const events = [txn('c', 'p', 0.5, 1000), verified('d', false, 1500), verified('c', true, 2000), txn('d', 'p', 0.2, 2500), txn('c', 'p', 900, 3000)];
    expect(lines(source, events)).toEqual(['query_1@3000: probe=0.5 charge=900']);
  });

  it('a run at a trailing NOT is not killed by an irrelevant event', () => {
    const q = `${T}${V}SELECT a.amount AS probe FROM PATTERN a=T[amount < 1] -> NOT V[ok = TRUE] PARTITION BY card WITHIN 5 SECONDS USING STRICT CONTIGUITY;`;
    const events = [txn('c', 'p', 0.5, 1000), txn('c', 'p', 50, 2000), verified('c', false, 3000), txn('d', 'p', 0.7, 4000), verified('d', true, 5000)];
    expect(lines(q, events)).toEqual(['query_1@6000: probe=0.5']);
  });
});

describe('trailing NOT and WITHIN (6.2 rules 1, 4, 5; section 3)', () => {
  const q = `${S}SELECT a.name AS a FROM PATTERN a=S[kind = 'a'] -> NOT n=S[kind = 'n'] WITHIN 5 SECONDS;`;

  it('completes at end of input, at first.ts + WITHIN', () => {
    expect(lines(q, s('a1@1000 x@2000'))).toEqual(['query_1@6000: a=a1']);
  });

  it('an n exactly at the bound still kills the run (the bound is inclusive)', () => {
    expect(lines(q, s('a1@1000 n1@6000'))).toEqual([]);
    expect(lines(q, s('a1@1000 n1@6001'))).toEqual(['query_1@6000: a=a1']);
  });

  it('the timer fires after every event at its time and before any later event', () => {
    const both = `${q}\nSELECT b.name AS b FROM PATTERN b=S[kind = 'b'] WITHIN 1 SECOND;`;
    expect(lines(both, s('a1@1000 b1@6000 b2@6001'))).toEqual(['query_2@6000: b=b1', 'query_1@6000: a=a1', 'query_2@6001: b=b2']);
  });

  it('WITHIN is inclusive: last.ts - first.ts equal to the duration is inside', () => {
    const w = `${S}SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b'] WITHIN 2 SECONDS;`;
    expect(lines(w, s('a1@1000 b1@3000'))).toEqual(['query_1@3000: a=a1 b=b1']);
    expect(lines(w, s('a1@1000 b1@3001'))).toEqual([]);
  });
});

describe('Kleene elements (6.1, 6.2 rules 3, 5, 8)', () => {
  it('SKIP TILL ANY MATCH: every combination, with FIRST and LAST of each', () => {
    const source = `${S}SELECT FIRST(r.name) AS f, LAST(r.name) AS l, COUNT(r) AS n, d.name AS d FROM PATTERN a=S[kind = 'a'] -> r=S[kind = 'r']+ -> d=S[kind = 'd'] WITHIN 1 MINUTE USING SKIP TILL ANY MATCH;`;
    expect(lines(source, s('a r1 d1 r2 d2'))).toEqual([
      'query_1@3000: f=r1 l=r1 n=1 d=d1',
      'query_1@5000: f=r1 l=r2 n=2 d=d2',
      'query_1@5000: f=r1 l=r1 n=1 d=d2',
      'query_1@5000: f=r2 l=r2 n=1 d=d2',
    ]);
  });

  it('AFTER MATCH SKIP PAST LAST EVENT with a trailing Kleene element', () => {
    const source = `${S}SELECT a.name AS a, COUNT(r) AS r, LAST(r.name) AS last FROM PATTERN a=S[kind = 'a'] -> r=S[kind = 'r']{2,} WITHIN 1 MINUTE AFTER MATCH SKIP PAST LAST EVENT;`;
    expect(lines(source, s('a1 r1 r2 r3 a2 r4 r5 r6'))).toEqual(['query_1@3000: a=a1 r=2 last=r2', 'query_1@7000: a=a2 r=2 last=r5']);
  });

  it('aggregates ignore NULLs (SUM, AVG, MIN, MAX), and a WHERE aggregate of a last Kleene filters the emission', () => {
    const source = `${S}SELECT SUM(r.v) AS s, AVG(r.v) AS av, MIN(r.v) AS mn, MAX(r.v) AS mx, COUNT(r) AS n FROM PATTERN a=S[kind = 'a'] -> r=S[kind = 'r']+ WHERE SUM(r.v) > 3 WITHIN 1 MINUTE;`;
    const events = s('a1 r1:2 r2 r3:4');
    expect(lines(source, events)).toEqual(['query_1@4000: s=6 av=3 mn=2 mx=4 n=3']);
  });

  it('an optional Kleene element passed over reads as empty', () => {
    const source = `${S}SELECT COUNT(r) AS n, SUM(r.v) AS total, b.name AS b FROM PATTERN a=S[kind = 'a'] -> r=S[kind = 'r']* -> b=S[kind = 'b'] WITHIN 1 MINUTE;`;
    expect(lines(source, s('a1 b1'))).toEqual(['query_1@2000: n=0 total=null b=b1']);
  });
});

describe('derived streams (sections 3 and 5)', () => {
  it('a derived stream is read by a second pattern, with the time of the match that produced it', () => {
    const source = `${S}CREATE STREAM pairs AS SELECT a.name AS first, b.name AS second FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b'] WITHIN 1 MINUTE;
SELECT p.first AS p1, q.first AS q1 FROM PATTERN p=pairs -> q=pairs WITHIN 10 SECONDS;`;
    expect(lines(source, s('a1 b1 a2 b2'))).toEqual([
      'pairs@2000: first=a1 second=b1',
      'pairs@4000: first=a2 second=b2',
      'query_1@4000: p1=a1 q1=a2',
    ]);
  });

  it('a trailing-NOT match made by a timer feeds a filter with the timer time', () => {
    const source = `${S}CREATE STREAM quiet AS SELECT a.name AS name, a.v AS v FROM PATTERN a=S[kind = 'a'] -> NOT S[kind = 'n'] WITHIN 1 SECOND;
CREATE STREAM loud AS SELECT name FROM quiet WHERE v > 1;`;
    expect(lines(source, s('a1:1@1000 a2:2@1500 x@5000'))).toEqual(['quiet@2000: name=a1 v=1', 'quiet@2500: name=a2 v=2', 'loud@2500: name=a2']);
  });

  it('several queries see one event in deployment order, each output processed downstream at once', () => {
    const source = `${S}CREATE STREAM f1 AS SELECT name FROM S WHERE kind = 'a';
CREATE STREAM f2 AS SELECT name AS n2 FROM f1;
CREATE STREAM f3 AS SELECT name AS n3 FROM S;`;
    expect(lines(source, s('a1 b1'))).toEqual(['f1@1000: name=a1', 'f2@1000: n2=a1', 'f3@1000: n3=a1', 'f3@2000: n3=b1']);
  });
});

describe('rejected events (sections 2 and 3)', () => {
  const source = `${T}SELECT card, amount FROM T;`;

  it('skips invalid and late events, and counts them', () => {
    const events: RefEvent[] = [
      txn('1', 'p', 10, 1000),
      { stream: 'T', data: { card: '2', amount: '12', ts: 2000 } }, // "12" is not a DOUBLE
      { stream: 'T', data: { amount: 5, ts: 2000 } }, // card is NOT NULL
      { stream: 'T', data: [1, 2] as unknown as Record<string, unknown> }, // not an object
      { stream: 'T', data: { card: '3', amount: 5 } }, // no timestamp
      { stream: 'T', data: { card: '4', amount: 5, ts: 'yesterday' } }, // unparseable timestamp
      txn('5', 'p', 5, 3000),
      txn('6', 'p', 6, 2999), // late: older than the watermark 3000
      txn('7', 'p', 7, 3000), // not late: equal to the watermark
      { stream: 'T', data: { card: '8', amount: 8, ts: '1970-01-01T00:00:04.000Z', extra: 'ignored' } },
    ];
    const { outputs, rejected } = runReferenceDetailed(source, events);
    expect(outputs.map((o) => [o.time, o.data])).toEqual([
      [1000, { card: '1', amount: 10 }],
      [3000, { card: '5', amount: 5 }],
      [3000, { card: '7', amount: 7 }],
      [4000, { card: '8', amount: 8 }],
    ]);
    expect(rejected.map((r) => r.reason)).toEqual([
      "wrong type for column 'amount' (DOUBLE)",
      "missing NOT NULL column 'card'",
      'not an object',
      'missing timestamp',
      "wrong type for column 'ts' (TIMESTAMP)",
      'late',
    ]);
  });

  it('a rejected event does not touch pattern runs', () => {
    const q = `${S}SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b'] WITHIN 1 MINUTE USING STRICT CONTIGUITY;`;
    const events = [...s('a1@1000'), { stream: 'S', data: { name: 'x', kind: 'x', v: 1.5, ts: 1500 } }, ...s('b1@2000')];
    expect(lines(q, events)).toEqual(['query_1@2000: a=a1 b=b1']);
  });
});

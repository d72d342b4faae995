/**
 * LANGUAGE.md 6.2, rule by rule, on hand-written streams: one suite, run against every
 * implementation (the engine and the reference interpreter).
 */
import { describe, expect, it } from 'vitest';
import type { ScriptEvent, ScriptRunner } from './runner.js';

const SCHEMA = `CREATE STREAM S (name STRING, kind STRING, k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM T (name STRING, kind STRING, k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');`;

/** `a1 b2:5 c3@4000 T:x1 k=p`: name, kind = leading letters, v after ':', time after '@' (else +1000), stream T: prefix, key k=. */
function events(text: string): ScriptEvent[] {
  let time = 0;
  return text.split(/\s+/).filter(Boolean).map((token) => {
    let stream = 'S';
    let t = token;
    if (t.startsWith('T:')) {
      stream = 'T';
      t = t.slice(2);
    }
    const at = /@(\d+)/.exec(t);
    time = at ? Number(at[1]) : time + 1000;
    const key = /k=(\w+)/.exec(t)?.[1] ?? 'x';
    const name = t.replace(/@\d+/, '').replace(/k=\w+/, '').replace(/:-?\d+/, '');
    const v = /:(-?\d+)/.exec(t);
    return { stream, data: { name, kind: name.replace(/\d+$/, ''), k: key, v: v ? Number(v[1]) : null, ts: time } };
  });
}

interface Case {
  readonly name: string;
  readonly query: string;
  readonly input: string;
  /** Each match as `column=value ...` (values as printed by String()), then `@time`. */
  readonly expected: readonly string[];
}

const show = (o: { data: Record<string, unknown>; time: number }) =>
  `${Object.entries(o.data).map(([k, v]) => `${k}=${v === null ? 'NULL' : String(v)}`).join(' ')} @${o.time}`;

const cases: Case[] = [
  {
    name: 'rule 1: NOT between kills the runs that bound x but not y; a later x starts afresh',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> NOT S[kind='n'] -> b=S[kind='b'] WITHIN 1 MINUTE",
    input: 'a1 a2 n1 a3 b1',
    expected: ['a=a3 b=b1 @5000'],
  },
  {
    name: 'rule 1: where the NOT event is also taken, only the forks that take it live on',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> NOT S[v > 5] -> b=S[kind='b'] WITHIN 1 MINUTE",
    input: 'a1 b1:9 b2',
    expected: ['a=a1 b=b1 @2000'],
  },
  {
    name: 'rule 1: a NOT on another stream, correlated with an earlier alias',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> NOT T[k = a.k] -> b=S[kind='b'] WITHIN 1 MINUTE",
    input: 'a1k=p a2k=q T:n1k=p b1k=z',
    expected: ['a=a2 b=b1 @4000'],
  },
  {
    name: 'rule 2: an event that satisfies two takes forks the run (optional element or the next)',
    query: "SELECT a.name AS a, b.name AS b, c.name AS c FROM PATTERN a=S[kind='a'] -> b=S[v > 0]? -> c=S[v > 5] WITHIN 1 MINUTE",
    input: 'a1 x1:9 y1:7',
    expected: ['a=a1 b=NULL c=x1 @2000', 'a=a1 b=x1 c=y1 @3000'],
  },
  {
    name: 'rule 3 (next): irrelevant events are skipped; a Kleene element takes every qualifying event',
    query: "SELECT a.name AS a, COUNT(r) AS n, d.name AS d FROM PATTERN a=S[kind='a'] -> r=S[kind='r']+ -> d=S[kind='d'] WITHIN 1 MINUTE",
    input: 'a1 x1 r1 x2 r2 d1',
    expected: ['a=a1 n=2 d=d1 @6000'],
  },
  {
    name: 'rule 3 (strict): the run dies on an event no take accepts',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] WITHIN 1 MINUTE USING STRICT CONTIGUITY",
    input: 'a1 x1 b1 a2 b2',
    expected: ['a=a2 b=b2 @5000'],
  },
  {
    name: 'rule 3 (strict): a run at a trailing NOT is not ended by unrelated events',
    query: "SELECT a.name AS a FROM PATTERN a=S[kind='a'] -> NOT S[kind='n'] WITHIN 3 SECONDS USING STRICT CONTIGUITY",
    input: 'a1@1000 x1@2000 x2@5000',
    expected: ['a=a1 @4000'],
  },
  {
    name: 'rule 3 (any): every combination, in rule 9 order',
    query: "SELECT a.name AS a, b.name AS b, c.name AS c FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] -> c=S[kind='c'] WITHIN 1 MINUTE USING SKIP TILL ANY MATCH",
    input: 'a1 b1 a2 b2 c1',
    expected: ['a=a1 b=b1 c=c1 @5000', 'a=a1 b=b2 c=c1 @5000', 'a=a2 b=b2 c=c1 @5000'],
  },
  {
    name: 'rule 4: a run dies once the watermark is past first.ts + WITHIN (the bound is inclusive)',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] WITHIN 2 SECONDS",
    input: 'a1@1000 a2@1500 b1@3000 b2@3600',
    expected: ['a=a1 b=b1 @3000', 'a=a2 b=b1 @3000'],
  },
  {
    name: 'rule 5: a trailing NOT completes at expiry, and at the end of input',
    query: "SELECT a.name AS a FROM PATTERN a=S[kind='a'] -> NOT S[kind='n'] WITHIN 2 SECONDS",
    input: 'a1@1000 n1@3500 a2@4000 n2@5000 x1@10000 a3@11000',
    expected: ['a=a1 @3000', 'a=a3 @13000'],
  },
  {
    name: 'rule 5: a trailing Kleene element emits at each take once it has its minimum, up to its maximum',
    query: "SELECT a.name AS a, COUNT(r) AS n, LAST(r.name) AS last FROM PATTERN a=S[kind='a'] -> r=S[kind='r']{2,3} WITHIN 1 MINUTE",
    input: 'a1 r1 r2 r3 r4',
    expected: ['a=a1 n=2 last=r2 @3000', 'a=a1 n=3 last=r3 @4000'],
  },
  {
    name: 'rule 6: an OR group; the alias of the atom not bound is NULL',
    query: "SELECT a.name AS a, x.name AS x, y.name AS y FROM PATTERN a=S[kind='a'] -> (x=S[kind='x'] OR y=T[kind='y']) WITHIN 1 MINUTE",
    input: 'a1 T:y1 a2 x1',
    expected: ['a=a1 x=NULL y=y1 @2000', 'a=a2 x=x1 y=NULL @4000'],
  },
  {
    name: 'rule 6: an AND group binds a different event to each atom, in any order',
    query: "SELECT b.name AS b, c.name AS c, d.name AS d FROM PATTERN b=S[kind='b'] -> (c=S[v > 1] AND d=S[v > 5]) WITHIN 1 MINUTE",
    input: 'b1 x1:9 x2:3',
    // x1 (v 9) fits both atoms; c=x1 then needs d, which x2 (v 3) does not fit. d=x1 then c=x2.
    expected: ['b=b1 c=x2 d=x1 @3000'],
  },
  {
    name: 'rule 7: a WHERE conjunct decides relevance at the element it attaches to',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] WHERE b.v > a.v WITHIN 1 MINUTE USING STRICT CONTIGUITY",
    input: 'a1:5 b1:3 b2:8',
    expected: [],
  },
  {
    name: 'rule 7: a conjunct over a Kleene aggregate attaches to the element after it (d1 is irrelevant, not taken)',
    query: "SELECT a.name AS a, COUNT(r) AS n, d.name AS d FROM PATTERN a=S[kind='a'] -> r=S[kind='r']+ -> d=S[kind='d'] WHERE COUNT(r) >= 2 WITHIN 1 MINUTE",
    input: 'a1 r1 d1 r2 d2',
    expected: ['a=a1 n=2 d=d2 @5000'],
  },
  {
    name: 'rule 7: a conjunct at completion filters emissions of a trailing Kleene element',
    query: "SELECT a.name AS a, SUM(r.v) AS total FROM PATTERN a=S[kind='a'] -> r=S[kind='r']+ WHERE SUM(r.v) > 5 WITHIN 1 MINUTE",
    input: 'a1 r1:2 r2:3 r3:4',
    expected: ['a=a1 total=9 @4000'],
  },
  {
    name: 'rule 8: AFTER MATCH SKIP PAST LAST EVENT discards runs that started at or before the match',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] PARTITION BY k WITHIN 1 MINUTE AFTER MATCH SKIP PAST LAST EVENT",
    input: 'a1k=p a2k=q a3k=p b1k=p b2k=q a4k=p b3k=p',
    expected: ['a=a1 b=b1 @4000', 'a=a2 b=b2 @5000', 'a=a4 b=b3 @7000'],
  },
  {
    name: 'rule 8: derived events an input event causes arrive, for the queries after, before it: runs they start are at or before it',
    // D emits d(a1), d(a2) while b1 is processed; the pattern, deployed after D, sees them, then
    // b1 (docs/runtime.md: positions count in processing order): both runs complete at b1, the
    // earliest-starting wins and the other, started before b1, is discarded.
    query: `CREATE STREAM D AS SELECT a.name AS name FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] WITHIN 1 MINUTE;
SELECT x.name AS x, y.name AS y FROM PATTERN x=D -> y=S[kind='b'] WITHIN 1 MINUTE AFTER MATCH SKIP PAST LAST EVENT`,
    input: 'a1 a2 b1',
    expected: ['name=a1 @3000', 'name=a2 @3000', 'x=a1 y=b1 @3000'],
  },
  {
    name: 'rule 8 with a timer: trailing-NOT matches due together that share no event are all emitted',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] -> NOT S[kind='n'] WITHIN 5 SECONDS AFTER MATCH SKIP PAST LAST EVENT",
    input: 'a1@1000 b1@1000 a2@1000 b2@1000',
    expected: ['a=a1 b=b1 @6000', 'a=a2 b=b2 @6000'],
  },
  {
    name: 'rule 8 with a timer: a match that started at or before an emitted match\'s last event is discarded',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] -> NOT S[kind='n'] WITHIN 5 SECONDS AFTER MATCH SKIP PAST LAST EVENT",
    input: 'a1@1000 a2@1000 b1@1000 a3@1000 b2@1000',
    expected: ['a=a1 b=b1 @6000', 'a=a3 b=b2 @6000'],
  },
  {
    name: 'rule 9: matches completed by one event in order of their first events, then of their events',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] WITHIN 1 MINUTE",
    input: 'a1 a2 a3 b1',
    expected: ['a=a1 b=b1 @4000', 'a=a2 b=b1 @4000', 'a=a3 b=b1 @4000'],
  },
  {
    name: 'rule 9: the same events bound differently: the earlier element first',
    query: "SELECT a.name AS a, b.name AS b, c.name AS c FROM PATTERN a=S[kind='a'] -> b=S[v > 0]? -> c=S[v > 0] WITHIN 1 MINUTE USING SKIP TILL ANY MATCH",
    input: 'a1 x1:1 y1:1',
    expected: ['a=a1 b=NULL c=x1 @2000', 'a=a1 b=x1 c=y1 @3000', 'a=a1 b=NULL c=y1 @3000'],
  },
  {
    name: 'partitions: the relevant sequence is restricted to one key',
    query: "SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind='a'] -> b=S[kind='b'] PARTITION BY k WITHIN 1 MINUTE USING STRICT CONTIGUITY",
    input: 'a1k=p x1k=q b1k=p',
    expected: ['a=a1 b=b1 @3000'],
  },
  {
    name: 'section 3: matches completed by timers come in time order before later events',
    query: "SELECT a.name AS a FROM PATTERN a=S[kind='a'] -> NOT S[kind='n'] WITHIN 1 SECOND",
    input: 'a1@1000 a2@1500 x1@5000',
    expected: ['a=a1 @2000', 'a=a2 @2500'],
  },
];

export function rulesSuite(name: string, run: ScriptRunner): void {
  describe(`${name}: LANGUAGE.md 6.2 rule by rule`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
      const outputs = run(`${SCHEMA}\n${c.query};`, events(c.input));
      expect(outputs.map(show)).toEqual(c.expected);
    });
  });
}

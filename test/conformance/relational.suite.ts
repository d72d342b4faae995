/**
 * LANGUAGE.md sections 3, 7 and 8 on hand-written streams, boundaries first: an event exactly
 * at a window's end, a session gap exactly equal to the gap, late events, SQL's NULL rules in
 * aggregates, joins exactly WITHIN apart, LEFT JOIN rows without a partner, tables, derived
 * streams. One suite, run against every implementation (the engine and the reference).
 */
import { describe, expect, it } from 'vitest';
import type { ScriptEvent, ScriptRunner } from './runner.js';

const SCHEMA = `CREATE STREAM S (k STRING, v INT, x DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM T (k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE TABLE R (k STRING PRIMARY KEY, score INT, ts TIMESTAMP) WITH (timestamp = 'ts');`;

/** `p1@1000 q@1500 T:p2@2000 R:p=3@0`: key, then v, then time; x= sets x; `_` is a NULL key. */
function events(text: string): ScriptEvent[] {
  return text.split(/\s+/).filter(Boolean).map((token) => {
    const [, stream = 'S', body] = /^(?:([STR]):)?(.*)$/.exec(token)!;
    const at = /@(-?\d+)/.exec(body!);
    const ts = at ? Number(at[1]) : 0;
    const rest = body!.replace(/@-?\d+/, '');
    const x = /x=(-?[\d.]+|null)/.exec(rest);
    const head = rest.replace(/x=(-?[\d.]+|null)/, '');
    const k = /^[a-z_]/.test(head) ? (head[0] === '_' ? null : head[0]!) : null;
    if (stream === 'R') {
      const score = /=(\d+|null)/.exec(head)?.[1];
      return { stream, data: { k, score: score === undefined || score === 'null' ? null : Number(score), ts } };
    }
    const v = /(-?\d+)/.exec(head.slice(1));
    const data: Record<string, unknown> = { k, v: v ? Number(v[1]) : null, ts };
    if (stream === 'S') data['x'] = x ? (x[1] === 'null' ? null : Number(x[1])) : null;
    return { stream, data };
  });
}

interface Case {
  readonly name: string;
  /** Statements after the schema; every query's output is collected, in order. */
  readonly script: string;
  readonly input: string;
  /** `stream@time col=value …` per output event. */
  readonly expected: readonly string[];
  /** The input has late events: it holds only without allowed lateness. */
  readonly late?: true;
}

const show = (o: { stream: string; data: Record<string, unknown>; time: number }) =>
  `${o.stream}@${o.time} ${Object.entries(o.data).map(([k, v]) => `${k}=${v === null ? 'NULL' : String(v)}`).join(' ')}`;

const cases: Case[] = [
  {
    name: 'tumbling: an event exactly at a window end belongs to the next window',
    script: 'CREATE STREAM w AS SELECT COUNT(*) AS n, WINDOW_START AS ws, WINDOW_END AS we FROM S WINDOW TUMBLING (SIZE 1 SECOND);',
    input: 'p@0 p@999 p@1000',
    expected: ['w@1000 n=2 ws=0 we=1000', 'w@2000 n=1 ws=1000 we=2000'],
  },
  {
    name: 'tumbling: a window closes when the watermark reaches its end, before the events at that time',
    script: 'CREATE STREAM f AS SELECT v FROM S;\nCREATE STREAM w AS SELECT COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND);',
    input: 'p1@0 p2@1000',
    expected: ['f@0 v=1', 'w@1000 n=1', 'f@1000 v=2', 'w@2000 n=1'],
  },
  {
    name: 'tumbling: keys close together, in the order their first event of the window arrived',
    script: 'CREATE STREAM w AS SELECT k, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;',
    input: 'q@100 p@200 q@300 p@1100',
    expected: ['w@1000 k=q n=2', 'w@1000 k=p n=1', 'w@2000 k=p n=1'],
  },
  {
    name: 'tumbling with EMIT CHANGES and HAVING: a row per event, at its time, when HAVING holds',
    script: 'CREATE STREAM w AS SELECT k, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k HAVING COUNT(*) >= 2 EMIT CHANGES;',
    input: 'p@0 p@10 p@20 p@1000',
    expected: ['w@10 k=p n=2', 'w@20 k=p n=3'],
  },
  {
    name: 'hopping: every window an event falls in, epoch-aligned',
    script: 'CREATE STREAM w AS SELECT COUNT(*) AS n, WINDOW_START AS ws FROM S WINDOW HOPPING (SIZE 2 SECONDS, ADVANCE BY 1 SECOND);',
    input: 'p@500 p@1500',
    expected: ['w@1000 n=1 ws=-1000', 'w@2000 n=2 ws=0', 'w@3000 n=1 ws=1000'],
  },
  {
    name: 'hopping: an advance that does not divide the size (panes of their gcd)',
    script: 'CREATE STREAM w AS SELECT COUNT(*) AS n, SUM(v) AS s, WINDOW_START AS ws FROM S WINDOW HOPPING (SIZE 1000 MILLISECONDS, ADVANCE BY 400 MILLISECONDS);',
    input: 'p1@399 p2@1000 p4@1100',
    expected: ['w@600 n=1 s=1 ws=-400', 'w@1000 n=1 s=1 ws=0', 'w@1400 n=2 s=6 ws=400', 'w@1800 n=2 s=6 ws=800'],
  },
  {
    name: 'session: an event exactly the gap after the last one extends the session; one more millisecond does not',
    script: 'CREATE STREAM w AS SELECT k, COUNT(*) AS n, WINDOW_START AS ws, WINDOW_END AS we FROM S WINDOW SESSION (500 MILLISECONDS) GROUP BY k;',
    input: 'p@1000 p@1500 p@2001',
    expected: ['w@2000 k=p n=2 ws=1000 we=2000', 'w@2501 k=p n=1 ws=2001 we=2501'],
  },
  {
    name: 'session: a session closes once the watermark passes its end, after the events at that time',
    script: 'CREATE STREAM f AS SELECT k, v FROM S;\nCREATE STREAM w AS SELECT k, COUNT(*) AS n FROM S WINDOW SESSION (500 MILLISECONDS) GROUP BY k;',
    input: 'p1@1000 q2@1500 q3@1501',
    expected: ['f@1000 k=p v=1', 'f@1500 k=q v=2', 'w@1500 k=p n=1', 'f@1501 k=q v=3', 'w@2001 k=q n=2'],
  },
  {
    name: 'session: sessions ending together are emitted by start, then by first event',
    script: 'CREATE STREAM w AS SELECT k, COUNT(*) AS n, WINDOW_START AS ws FROM S WINDOW SESSION (1 SECOND) GROUP BY k;',
    input: 'q@500 p@600 p@1000 q@1000',
    expected: ['w@2000 k=q n=2 ws=500', 'w@2000 k=p n=2 ws=600'],
  },
  {
    name: 'session with EMIT CHANGES: the open session on every event',
    script: 'CREATE STREAM w AS SELECT k, COUNT(*) AS n, WINDOW_END AS we FROM S WINDOW SESSION (1 SECOND) GROUP BY k EMIT CHANGES;',
    input: 'p@0 p@1000 p@2500',
    expected: ['w@0 k=p n=1 we=1000', 'w@1000 k=p n=2 we=2000', 'w@2500 k=p n=1 we=3500'],
  },
  {
    name: 'late events are rejected and change no window',
    script: 'CREATE STREAM w AS SELECT COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND);',
    input: 'p@500 p@1200 p@900 p@1300',
    expected: ['w@1000 n=1', 'w@2000 n=2'],
    late: true,
  },
  {
    name: 'sliding by time: the events in (e.ts − size, e.ts], on every event',
    script: 'CREATE STREAM w AS SELECT COUNT(*) AS n, MAX(v) AS mx, WINDOW_START AS ws, WINDOW_END AS we FROM S WINDOW SLIDING (SIZE 1 SECOND);',
    input: 'p1@0 p5@500 p3@1000 p2@1500',
    expected: ['w@0 n=1 mx=1 ws=-1000 we=0', 'w@500 n=2 mx=5 ws=-500 we=500', 'w@1000 n=2 mx=5 ws=0 we=1000', 'w@1500 n=2 mx=3 ws=500 we=1500'],
  },
  {
    name: 'sliding by count: the last n events of the key (fewer at first)',
    script: 'CREATE STREAM w AS SELECT k, SUM(v) AS s, WINDOW_START AS ws FROM S WINDOW SLIDING (SIZE 2 EVENTS) GROUP BY k;',
    input: 'p1@0 q10@100 p2@200 p3@300',
    expected: ['w@0 k=p s=1 ws=0', 'w@100 k=q s=10 ws=100', 'w@200 k=p s=3 ws=0', 'w@300 k=p s=5 ws=200'],
  },
  {
    name: 'tumbling by count: a row when n events are in; an incomplete window is never emitted',
    script: 'CREATE STREAM w AS SELECT k, SUM(v) AS s FROM S WINDOW TUMBLING (SIZE 2 EVENTS) GROUP BY k;',
    input: 'p1@0 p2@100 q5@150 p3@200',
    expected: ['w@100 k=p s=3'],
  },
  {
    name: "NULLs: COUNT(*) counts rows, the other aggregates ignore NULLs, over no values they give NULL (COUNT: 0)",
    script:
      'CREATE STREAM w AS SELECT COUNT(*) AS n, COUNT(v) AS nv, COUNT(DISTINCT v) AS dv, SUM(v) AS s, AVG(v) AS a, MIN(v) AS mn, MAX(v) AS mx, STDDEV(v) AS sd, FIRST(v) AS f, LAST(v) AS l, SUM(x) AS sx FROM S WINDOW TUMBLING (SIZE 1 SECOND);',
    input: 'p@0 p4@100 p@200 p4@300 p1@400 p@500 p@1000',
    expected: [
      'w@1000 n=6 nv=3 dv=2 s=9 a=3 mn=1 mx=4 sd=1.7320508075688772 f=4 l=1 sx=NULL',
      'w@2000 n=1 nv=0 dv=0 s=NULL a=NULL mn=NULL mx=NULL sd=NULL f=NULL l=NULL sx=NULL',
    ],
  },
  {
    name: 'GROUP BY puts NULL keys in one group; running aggregates emit on every event',
    script: 'CREATE STREAM w AS SELECT k, COUNT(*) AS n, SUM(v) AS s FROM S GROUP BY k;',
    input: '_1@0 p2@10 _3@20',
    expected: ['w@0 k=NULL n=1 s=1', 'w@10 k=p n=1 s=2', 'w@20 k=NULL n=2 s=4'],
  },
  {
    name: 'WHERE filters events before they reach a window',
    script: 'CREATE STREAM w AS SELECT COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND) WHERE v > 1;',
    input: 'p1@0 p2@10 p3@20',
    expected: ['w@1000 n=2'],
  },
  {
    name: 'join: events exactly WITHIN apart pair; one millisecond more does not',
    script: 'CREATE STREAM j AS SELECT a.v AS av, b.v AS bv FROM S a JOIN T b WITHIN 1 SECOND ON a.k = b.k;',
    input: 'p1@1000 T:p2@2000 T:p3@2001 T:p4@0',
    expected: ['j@2000 av=1 bv=2'],
    late: true,
  },
  {
    name: 'join: a pair is emitted when its second event arrives, in either order, with the partners in arrival order',
    script: 'CREATE STREAM j AS SELECT a.v AS av, b.v AS bv FROM S a JOIN T b WITHIN 1 SECOND ON a.k = b.k;',
    input: 'T:p1@0 T:q2@100 T:p3@200 p4@300 T:p5@400',
    expected: ['j@300 av=4 bv=1', 'j@300 av=4 bv=3', 'j@400 av=4 bv=5'],
  },
  {
    name: 'join: NULL keys never pair',
    script: 'CREATE STREAM j AS SELECT a.v AS av, b.v AS bv FROM S a JOIN T b WITHIN 1 SECOND ON a.k = b.k;',
    input: '_1@0 T:_2@100',
    expected: [],
  },
  {
    name: 'LEFT JOIN: a left event without a partner is emitted with NULLs once the watermark passes a.ts + WITHIN',
    script: 'CREATE STREAM j AS SELECT a.v AS av, b.v AS bv FROM S a LEFT JOIN T b WITHIN 1 SECOND ON a.k = b.k;',
    input: 'p1@0 q2@100 T:p9@1001 T:q3@1100 p4@1500 r5@1600',
    expected: ['j@1000 av=1 bv=NULL', 'j@1100 av=2 bv=3', 'j@1500 av=4 bv=9', 'j@2600 av=5 bv=NULL'],
  },
  {
    name: 'LEFT JOIN: WHERE filters the rows with NULLs too',
    script: 'CREATE STREAM j AS SELECT a.v AS av, b.v AS bv FROM S a LEFT JOIN T b WITHIN 1 SECOND ON a.k = b.k WHERE a.v > 1;',
    input: 'p1@0 p2@10',
    expected: ['j@1010 av=2 bv=NULL'],
  },
  {
    name: 'stream-table join: the current row when the stream event is processed; a NULL row deletes',
    script: 'CREATE STREAM j AS SELECT a.k, a.v, r.score FROM S a JOIN R r ON a.k = r.k;',
    input: 'p1@0 R:p=5@10 p2@20 R:p=7@30 p3@30 R:p=null@40 p4@50',
    expected: ['j@20 k=p v=2 score=5', 'j@30 k=p v=3 score=7'],
  },
  {
    name: 'stream-table LEFT JOIN: NULLs when there is no row or ON fails',
    script: 'CREATE STREAM j AS SELECT a.k, a.v, r.score FROM S a LEFT JOIN R r ON a.k = r.k AND r.score > 4;',
    input: 'p1@0 R:p=5@10 R:q=3@10 p2@20 q3@30',
    expected: ['j@0 k=p v=1 score=NULL', 'j@20 k=p v=2 score=5', 'j@30 k=q v=3 score=NULL'],
  },
  {
    name: 'LOOKUP in a pattern condition reads the current table row',
    script: 'CREATE STREAM m AS SELECT a.v AS av, b.v AS bv FROM PATTERN a=S[LOOKUP(R, k).score > 2] -> b=S[k = a.k] WITHIN 1 MINUTE;',
    input: 'p1@0 R:p=3@10 p2@20 p3@30',
    expected: ['m@30 av=2 bv=3'],
  },
  {
    name: 'derived streams: a pattern over window rows (alerts over aggregates)',
    script:
      'CREATE STREAM counts AS SELECT k, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;\n' +
      'CREATE STREAM hot AS SELECT a.k AS k, a.n AS n1, b.n AS n2 FROM PATTERN a=counts[n >= 2] -> b=counts[k = a.k AND n >= 2] WITHIN 5 SECONDS;',
    input: 'p@0 p@100 q@200 p@1000 p@1100 p@2500',
    expected: ['counts@1000 k=p n=2', 'counts@1000 k=q n=1', 'counts@2000 k=p n=2', 'hot@2000 k=p n1=2 n2=2', 'counts@3000 k=p n=1'],
  },
  {
    name: 'derived streams: a window over a join',
    script:
      'CREATE STREAM pairs AS SELECT a.k AS k, b.v AS bv FROM S a JOIN T b WITHIN 1 SECOND ON a.k = b.k;\n' +
      'CREATE STREAM per_key AS SELECT k, COUNT(*) AS n, SUM(bv) AS s FROM pairs WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;',
    input: 'p@0 T:p1@100 T:p2@200 q@300 T:q5@400',
    expected: ['pairs@100 k=p bv=1', 'pairs@200 k=p bv=2', 'pairs@400 k=q bv=5', 'per_key@10000 k=p n=2 s=3', 'per_key@10000 k=q n=1 s=5'],
  },
];

/** `lateness`: the runner allows lateness, so the cases with late events do not apply. */
export function relationalSuite(name: string, run: ScriptRunner, options: { lateness?: boolean } = {}): void {
  describe(`windows, aggregation, joins and tables (sections 3, 7, 8): ${name}`, () => {
    for (const c of cases.filter((x) => !(options.lateness && x.late))) {
      it(c.name, () => {
        expect(run(`${SCHEMA}\n${c.script}`, events(c.input)).map(show)).toEqual(c.expected);
      });
    }
  });
}

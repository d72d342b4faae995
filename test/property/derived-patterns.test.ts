/**
 * Patterns that read derived streams beside their sources, many to a stream, against the
 * reference: P and Q are inputs, D a filter of P and E a pattern over P, each read by later
 * patterns with equality guards of every kind (=, IN with NULL, INT, DOUBLE, BOOLEAN,
 * TIMESTAMP), NOT, Kleene, OR and AND groups, optional elements, every strategy and AFTER
 * MATCH SKIP. Derived events an input event causes reach the later queries before it does
 * (docs/runtime.md), so rule 8 and rule 9 see them first. Each script runs as written — the
 * patterns consecutive, so the fanout indexes them by their guards — and with unguarded filters
 * between them, so that it cannot: both must give the reference's outputs.
 */
import { describe, expect, it } from 'vitest';
import { engineRunner } from '../conformance/runner.js';
import { runReference } from '../reference/engine.js';

let seed = 1;
let useE = false;
const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const ks = ['a', 'b', 'c'];
const cs = ['x', 'y', 'z'];
function guard(stream: string): string {
  const r = rnd();
  if (stream === 'E') return r < 0.4 ? `k = '${pick(ks)}'` : r < 0.8 ? `c IN ('${pick(cs)}', '${pick(cs)}')` : `x = ${Math.floor(rnd() * 4)}`;
  if (stream === 'Q') return r < 0.5 ? `q = '${pick(ks)}'` : `q IN ('${pick(ks)}', NULL)`;
  if (r < 0.15) return `k = '${pick(ks)}'`;
  if (r < 0.3) return `c IN ('${pick(cs)}', NULL, '${pick(cs)}')`;
  if (r < 0.4) return `x = ${Math.floor(rnd() * 4)}`;
  if (r < 0.5) return `d = ${pick(['1', '1.0', '-0', '0.5', '2'])}`;
  if (r < 0.6) return `b = ${pick(['TRUE', 'FALSE'])}`;
  if (r < 0.65) return `k IN (NULL)`;
  if (r < 0.7) return `ts = ${1000 + Math.floor(rnd() * 4) * 3}`;
  if (r < 0.75) return `'${pick(ks)}' = k AND c = '${pick(cs)}'`;
  if (r < 0.8) return `k IN ('${pick(ks)}', '${pick(ks)}') AND x = ${Math.floor(rnd() * 4)}`;
  return `k = '${pick(ks)}' AND x > ${Math.floor(rnd() * 4)}`;
}
function atom(alias: string, stream = rnd() < 0.15 ? 'Q' : rnd() < 0.2 ? 'D' : rnd() < (useE ? 0.3 : 0) ? 'E' : 'P', guarded = true): string {
  return `${alias}=${stream}[${guarded ? guard(stream) : 'x >= 0'}]`;
}
function rule(i: number, unguarded: boolean): string {
  const shape = Math.floor(rnd() * 8);
  const ug = unguarded && rnd() < 0.5;
  let body: string;
  let select = 'a.ts AS at, b.ts AS bt';
  switch (shape) {
    case 0: body = `${atom('a')} -> ${atom('b')}`; break;
    case 1: body = `${atom('a')} -> NOT ${atom('n').slice(2)} -> ${atom('b')}`; break;
    case 2: body = `${atom('a')} -> ${atom('r')}+ -> ${atom('b', 'P', !ug)}`; select = 'a.ts AS at, COUNT(r) AS n, b.ts AS bt'; break;
    case 3: body = `${atom('a')} -> (${atom('b')} OR ${atom('b2')})`; select = 'a.ts AS at, b.ts AS bt, b2.ts AS b2t'; break;
    case 4: body = `${atom('a')} -> (${atom('b')} AND ${atom('b2')})`; select = 'a.ts AS at, b.ts AS bt, b2.ts AS b2t'; break;
    case 5: body = `${atom('a')} -> ${atom('b')} -> NOT ${atom('n').slice(2)}`; break;
    case 6: body = `(${atom('a')} OR ${atom('a2')}) -> ${atom('b')}? -> ${atom('e')}`; select = 'a.ts AS at, a2.ts AS a2t, b.ts AS bt, e.ts AS et'; break;
    default: body = `${atom('a')} -> ${atom('r')}* -> ${atom('b')}`; select = 'a.ts AS at, COUNT(r) AS n, b.ts AS bt'; break;
  }
  const strategy = pick(['', '', '', ' USING SKIP TILL ANY MATCH', '', ' USING STRICT CONTIGUITY']);
  const skip = pick(['', ' AFTER MATCH SKIP PAST LAST EVENT', '']);
  const streams = ['P', 'Q', 'D', 'E'].filter((x) => body.includes(`${x}[`));
  const part = rnd() < 0.5 ? '' : streams.length === 1 ? ' PARTITION BY p' : ' PARTITION BY ' + streams.map((x) => `${x}.p`).join(', ');
  return `CREATE STREAM r${i} AS SELECT ${i} AS rule, ${select} FROM PATTERN ${body}${part} WITHIN 20 MILLISECONDS${strategy}${skip};`;
}

const head = [
  "CREATE STREAM P (p STRING NOT NULL, k STRING, c STRING, x INT, d DOUBLE, b BOOLEAN, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');",
  "CREATE STREAM Q (p STRING NOT NULL, q STRING, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');",
  'CREATE STREAM D AS SELECT p, k, c, x, d, b, ts FROM P WHERE x % 2 = 0;',
];

function events(n: number) {
  const out: { stream: string; data: Record<string, unknown> }[] = [];
  for (let t = 0; t < n; t++) {
    const ts = 1000 + Math.floor(t / 3) * 3;
    if (rnd() < 0.2) out.push({ stream: 'Q', data: { p: `p${Math.floor(rnd() * 3)}`, q: rnd() < 0.1 ? null : pick(ks), ts } });
    else out.push({ stream: 'P', data: { p: `p${Math.floor(rnd() * 3)}`, k: rnd() < 0.1 ? null : pick(ks), c: rnd() < 0.1 ? null : pick(cs), x: rnd() < 0.05 ? null : Math.floor(rnd() * 4), d: pick([1, 0, -0, 0.5, 2, null]), b: pick([true, false, null]), ts } });
  }
  return out;
}


const E_QUERY = "CREATE STREAM E AS SELECT a.p AS p, b.k AS k, b.c AS c, b.x AS x, b.ts AS ts FROM PATTERN a=P[k = 'a'] -> b=P[c IN ('x', 'y')] PARTITION BY p WITHIN 10 MILLISECONDS;";

describe('patterns over derived streams and their sources, many to a stream, against the reference', () => {
  for (let s = 1; s <= 30; s++) {
    it(`seed ${s}`, () => {
      seed = s * 7919;
      const rules: string[] = [];
      useE = false;
      for (let i = 0; i < 40; i++) {
        if (i === 6) {
          rules.push(E_QUERY);
          useE = true;
        } else rules.push(rule(i, false));
      }
      const consecutive = [...head, ...rules].join('\n');
      const interleaved = [
        ...head,
        ...rules.flatMap((r, i) => [r, `CREATE STREAM u${i} AS SELECT x FROM P WHERE x > 1000000;`, `CREATE STREAM w${i} AS SELECT x FROM D WHERE x > 1000000;`, ...(i > 6 ? [`CREATE STREAM y${i} AS SELECT x FROM E WHERE x > 1000000;`] : [])]),
      ].join('\n');
      const evs = events(400);
      const ours = (o: { stream: string }): boolean => /^(r\d+|E|D)$/.test(o.stream);
      const expected = runReference(consecutive, evs).filter(ours);
      expect(expected.filter((o) => /^r/.test(o.stream)).length).toBeGreaterThan(20);
      expect(engineRunner()(consecutive, evs).filter(ours)).toEqual(expected);
      expect(engineRunner()(interleaved, evs).filter(ours)).toEqual(expected);
    });
  }
});

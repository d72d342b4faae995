import { describe, expect, it } from 'vitest';
import { compileScript } from '../../../src/index.js';
import type { PatternQuery } from '../../../src/analysis/bound.js';

const S = "CREATE STREAM S (name STRING, kind STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\n";
const T = "CREATE STREAM T (name STRING, v INT, payload JSON, ts TIMESTAMP) WITH (timestamp = 'ts');\n";

function pattern(query: string): PatternQuery {
  const result = compileScript(S + T + query);
  expect(result.diagnostics).toEqual([]);
  const statement = result.script.statements.at(-1);
  if (statement?.kind !== 'query' || statement.query.kind !== 'pattern') throw new Error('not a pattern query');
  return statement.query;
}

describe('pattern elements (6.1)', () => {
  it('numbers atoms by slot and gives elements their bounds', () => {
    const q = pattern("SELECT a.name AS a FROM PATTERN a=S -> r=S[kind = 'r']{2,5} -> b=S? -> (x=S OR y=T) -> NOT n=S -> c=S WITHIN 1 MINUTE");
    expect(q.elements.map((e) => e.kind)).toEqual(['atom', 'atom', 'atom', 'or', 'not', 'atom']);
    expect(q.elements[1]).toMatchObject({ kind: 'atom', slot: 1, min: 2, max: 5 });
    expect(q.elements[2]).toMatchObject({ kind: 'atom', slot: 2, min: 0, max: 1 });
    expect(q.elements[3]).toMatchObject({ kind: 'or', slots: [3, 4] });
    expect(q.atoms.map((a) => [a.alias, a.kleene, a.negated])).toEqual([
      ['a', false, false],
      ['r', true, false],
      ['b', false, false],
      ['x', false, false],
      ['y', false, false],
      ['n', false, true],
      ['c', false, false],
    ]);
    expect(q.within).toBe(60_000);
    expect(q.strategy).toBe('SKIP_TILL_NEXT_MATCH');
  });

  it('flattens a parenthesised sequence and applies a quantifier on a single parenthesised atom', () => {
    const q = pattern('SELECT a.name AS a FROM PATTERN a=S -> (b=S -> c=S) -> (d=S)+ WITHIN 1 MINUTE');
    expect(q.elements.map((e) => (e.kind === 'atom' ? [e.min, e.max] : e.kind))).toEqual([[1, 1], [1, 1], [1, 1], [1, Infinity]]);
  });

  it('resolves a condition: bare and own-alias columns are the candidate, earlier aliases their slot', () => {
    const q = pattern('SELECT a.name AS a FROM PATTERN a=S -> b=S[v > a.v AND b.kind = a.kind] WITHIN 1 MINUTE');
    const rows = JSON.stringify(q.atoms[1]!.condition);
    expect(rows).toContain('{"kind":"input"},"column":"v"');
    expect(rows).toContain('{"kind":"atom","slot":0},"column":"v"');
    expect(rows).toContain('{"kind":"input"},"column":"kind"');
  });

  it('reads Kleene aggregates inside the Kleene element\'s own condition and later', () => {
    const q = pattern(
      'SELECT COUNT(r) AS n, LAST(r.v) AS peak, AVG(r.v) AS mean FROM PATTERN a=S -> r=S[v > COALESCE(LAST(r.v), a.v)]{2,} -> d=S[v < LAST(r.v)] WITHIN 1 MINUTE',
    );
    expect(q.projections.map((p) => [p.name, p.expr.kind, p.expr.type])).toEqual([
      ['n', 'kleeneAggregate', 'INT'],
      ['peak', 'kleeneAggregate', 'INT'],
      ['mean', 'kleeneAggregate', 'DOUBLE'],
    ]);
    expect(JSON.stringify(q.atoms[1]!.condition)).toContain('"fn":"LAST","slot":1');
  });
});

describe('WHERE conjuncts attach where everything they name is bound (6.2 rule 7)', () => {
  it('a conjunct over two singletons attaches to the later one', () => {
    const q = pattern('SELECT a.name AS a FROM PATTERN a=S -> b=S -> c=S WHERE b.v > a.v AND a.v > 0 WITHIN 1 MINUTE');
    expect(q.conjuncts.map((c) => [c.element, c.slots])).toEqual([
      [1, [0, 1]],
      [0, [0]],
    ]);
  });

  it('an aggregate of a Kleene element attaches to the element after it', () => {
    const q = pattern('SELECT a.name AS a FROM PATTERN a=S -> r=S+ -> d=S WHERE COUNT(r) >= 3 WITHIN 1 MINUTE');
    expect(q.conjuncts.map((c) => c.element)).toEqual([2]);
  });

  it('an aggregate of a trailing Kleene element attaches to completion', () => {
    const q = pattern('SELECT a.name AS a FROM PATTERN a=S -> r=S+ WHERE SUM(r.v) > 10 WITHIN 1 MINUTE');
    expect(q.conjuncts.map((c) => c.element)).toEqual([q.elements.length]);
  });

  it('a conjunct that names nothing attaches to the first element', () => {
    const q = pattern("SELECT a.name AS a FROM PATTERN a=S -> b=S WHERE 'x' = 'x' WITHIN 1 MINUTE");
    expect(q.conjuncts.map((c) => c.element)).toEqual([0]);
  });
});

describe('PARTITION BY (6.1)', () => {
  it('maps one column name across streams, and lets the key stand bare in SELECT', () => {
    const q = pattern('SELECT name, a.v AS v FROM PATTERN a=S -> b=T WITHIN 1 MINUTE PARTITION BY name');
    expect(q.partitionBy).toEqual({ S: ['name'], T: ['name'] });
    expect(q.projections[0]!.expr).toMatchObject({ kind: 'column', row: { kind: 'partitionKey' }, column: 'name' });
  });

  it('maps differently named columns with Stream.column', () => {
    const script =
      "CREATE STREAM Txn (card STRING, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');\n" +
      "CREATE STREAM Verified (card_no STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\n" +
      'SELECT a.card FROM PATTERN a=Txn -> NOT Verified[card_no = a.card] -> b=Txn PARTITION BY Txn.card, Verified.card_no WITHIN 10 MINUTES;';
    const result = compileScript(script);
    expect(result.diagnostics).toEqual([]);
    const statement = result.script.statements[2]!;
    expect(statement.kind === 'query' && statement.query.kind === 'pattern' && statement.query.partitionBy).toEqual({
      Txn: ['card'],
      Verified: ['card_no'],
    });
  });
});

describe('strategies and output', () => {
  it('reads the strategy and AFTER MATCH SKIP PAST LAST EVENT in any clause order', () => {
    const q = pattern('SELECT a.name AS a FROM PATTERN a=S -> b=S AFTER MATCH SKIP PAST LAST EVENT USING SKIP TILL ANY MATCH WITHIN 2 SECONDS');
    expect([q.strategy, q.skipPastLastEvent, q.within]).toEqual(['SKIP_TILL_ANY_MATCH', true, 2000]);
  });

  it('infers the output schema from the SELECT list', () => {
    const q = pattern('SELECT a.name, b.v - a.v AS delta, b.ts - a.ts AS gap, a.payload.user.id AS uid FROM PATTERN a=T -> b=T WITHIN 1 MINUTE');
    expect(q.outputSchema.columns.map((c) => [c.name, c.type])).toEqual([
      ['name', 'STRING'],
      ['delta', 'INT'],
      ['gap', 'INT'],
      ['uid', 'JSON'],
    ]);
  });
});

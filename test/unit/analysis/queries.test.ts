import { describe, expect, it } from 'vitest';
import { compileScript, Catalog } from '../../../src/index.js';
import type { BoundQuery } from '../../../src/analysis/bound.js';

const PRELUDE = `
CREATE STREAM Trade (symbol STRING NOT NULL, price DOUBLE, volume INT, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM Orders (order_id STRING, total DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM Payments (order_id STRING, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE TABLE Risk (card STRING PRIMARY KEY, score DOUBLE);
CREATE STREAM Txn (card STRING, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
`;

function query(text: string): BoundQuery {
  const result = compileScript(PRELUDE + text);
  expect(result.diagnostics).toEqual([]);
  const statement = result.script.statements.at(-1);
  if (statement?.kind !== 'query') throw new Error('not a query');
  return statement.query;
}

describe('filters (section 5)', () => {
  it('binds WHERE and the projections against the one input', () => {
    const q = query('CREATE STREAM big AS SELECT symbol, price * volume AS notional FROM Trade WHERE price > 10;');
    expect(q.kind).toBe('filter');
    expect(q.output).toBe('big');
    expect(q.outputSchema.columns).toEqual([
      { name: 'symbol', type: 'STRING', notNull: false },
      { name: 'notional', type: 'DOUBLE', notNull: false },
    ]);
    expect(q.reads).toEqual(['Trade']);
  });

  it('names a bare SELECT query_1, then query_2', () => {
    const result = compileScript(PRELUDE + 'SELECT symbol FROM Trade; SELECT price FROM Trade;');
    const names = result.script.statements.flatMap((s) => (s.kind === 'query' ? [s.query.output] : []));
    expect(names).toEqual(['query_1', 'query_2']);
  });

  it('expands * to the input columns', () => {
    const q = query('CREATE STREAM copy AS SELECT * FROM Trade;');
    expect(q.outputSchema.columns.map((c) => c.name)).toEqual(['symbol', 'price', 'volume', 'ts']);
  });
});

describe('aggregation (section 7)', () => {
  it('collects aggregates once, maps grouped columns to keys, defaults EMIT FINAL for hopping', () => {
    const q = query(`CREATE STREAM vwap AS
      SELECT symbol, SUM(price * volume) / SUM(volume) AS vwap, COUNT(*) AS trades, WINDOW_START AS ws
      FROM Trade WINDOW HOPPING (SIZE 5 MINUTES, ADVANCE BY 1 MINUTE) WHERE volume > 0
      GROUP BY symbol HAVING COUNT(*) >= 10;`);
    if (q.kind !== 'aggregate') throw new Error(q.kind);
    expect(q.window).toEqual({ kind: 'hopping', size: 300_000, advance: 60_000 });
    expect(q.aggregates.map((a) => a.fn)).toEqual(['SUM', 'SUM', 'COUNT']);
    expect(q.projections[0]!.expr).toMatchObject({ kind: 'groupKeyRef', index: 0 });
    expect(q.projections[3]!.expr).toMatchObject({ kind: 'windowBound', bound: 'start' });
    expect(q.having).toMatchObject({ kind: 'binary', left: { kind: 'aggregateRef', index: 2 } });
    expect(q.emit).toBe('FINAL');
  });

  it.each([
    ['WINDOW TUMBLING (SIZE 1 MINUTE)', { kind: 'tumbling', size: 60_000 }, 'FINAL'],
    ['WINDOW SESSION (30 SECONDS)', { kind: 'session', gap: 30_000 }, 'FINAL'],
    ['WINDOW SLIDING (SIZE 10 SECONDS)', { kind: 'sliding', size: 10_000 }, 'CHANGES'],
    ['WINDOW TUMBLING (SIZE 100 EVENTS)', { kind: 'tumblingCount', size: 100 }, 'FINAL'],
    ['WINDOW SLIDING (SIZE 5 EVENTS)', { kind: 'slidingCount', size: 5 }, 'CHANGES'],
    ['', undefined, 'CHANGES'],
  ])('%s gives %j and EMIT %s by default', (window, expected, emit) => {
    const q = query(`SELECT symbol, MAX(price) AS high FROM Trade ${window} GROUP BY symbol;`);
    if (q.kind !== 'aggregate') throw new Error(q.kind);
    expect(q.window).toEqual(expected);
    expect(q.emit).toBe(emit);
  });

  it('types aggregates as SQL does', () => {
    const q = query(
      'SELECT COUNT(*) AS a, COUNT(DISTINCT price) AS b, SUM(volume) AS c, SUM(price) AS d, AVG(volume) AS e, MIN(symbol) AS f, STDDEV(price) AS g, FIRST(ts) AS h FROM Trade GROUP BY symbol;',
    );
    expect(q.outputSchema.columns.map((c) => c.type)).toEqual(['INT', 'INT', 'INT', 'DOUBLE', 'DOUBLE', 'STRING', 'DOUBLE', 'TIMESTAMP']);
  });
});

describe('joins and tables (section 8)', () => {
  it('splits ON into hash keys and a residual condition', () => {
    const q = query(`CREATE STREAM paid_late AS
      SELECT o.order_id, o.total, p.ts - o.ts AS delay_ms
      FROM Orders o JOIN Payments p WITHIN 15 MINUTES ON o.order_id = p.order_id AND p.amount >= o.total;`);
    if (q.kind !== 'join') throw new Error(q.kind);
    expect(q.within).toBe(900_000);
    expect(q.equiKeys).toHaveLength(1);
    expect(q.equiKeys[0]!.left).toMatchObject({ row: { side: 'left' }, column: 'order_id' });
    expect(q.residual).toMatchObject({ kind: 'binary', op: '>=' });
  });

  it('a key written right-side first is still a key', () => {
    const q = query('SELECT o.order_id FROM Orders o LEFT JOIN Payments p WITHIN 1 MINUTE ON p.order_id = o.order_id;');
    if (q.kind !== 'join') throw new Error(q.kind);
    expect(q.joinType).toBe('LEFT');
    expect(q.equiKeys[0]!.left).toMatchObject({ row: { side: 'left' } });
    expect(q.residual).toBeUndefined();
  });

  it('a stream-table join looks up by the primary key', () => {
    const q = query('CREATE STREAM risky AS SELECT t.card, t.amount, r.score FROM Txn t JOIN Risk r ON t.card = r.card WHERE r.score > 0.8;');
    if (q.kind !== 'join') throw new Error(q.kind);
    expect(q.right).toEqual({ stream: 'Risk', alias: 'r', table: true });
    expect(q.within).toBeUndefined();
  });

  it('prefixes clashing names in SELECT * over a join', () => {
    const q = query('SELECT * FROM Orders o JOIN Payments p WITHIN 1 MINUTE ON o.order_id = p.order_id;');
    expect(q.outputSchema.columns.map((c) => c.name)).toEqual(['o_order_id', 'total', 'o_ts', 'p_order_id', 'amount', 'p_ts']);
  });

  it('LOOKUP reads one column of a table and counts the table as read', () => {
    const q = query("SELECT a.card FROM PATTERN a=Txn[LOOKUP(Risk, card).score > 0.5] -> b=Txn WITHIN 1 MINUTE;");
    expect(q.reads).toEqual(['Txn', 'Risk']);
  });
});

describe('the catalogue across deployments', () => {
  it('a later script reads what an earlier one defined, and cannot drop what is read', () => {
    const first = compileScript(PRELUDE + 'CREATE STREAM big AS SELECT * FROM Trade WHERE price > 100;');
    expect(first.ok).toBe(true);
    const second = compileScript('CREATE STREAM bigger AS SELECT * FROM big WHERE price > 1000; DROP STREAM Trade;', { catalog: first.catalog });
    expect(second.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['CQL3028', "cannot drop stream 'Trade': 'big' reads it"],
    ]);
    expect(first.catalog.has('bigger')).toBe(false);
  });

  it('a script with any error deploys nothing, and reports every error', () => {
    const result = compileScript(PRELUDE + 'SELECT nope FROM Trade; SELECT price FROM Nope; SELECT price FROM Trade;');
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['CQL2002', 'CQL2001']);
  });

  it('knows the system stream _rejected', () => {
    expect(new Catalog().get('_rejected')?.schema.columns.map((c) => c.name)).toEqual(['stream', 'reason', 'event']);
  });
});

describe('user-defined functions', () => {
  it('are called like built-ins, with their signature checked', () => {
    const functions = new Map([['risk_score', { returns: 'DOUBLE' as const, params: ['STRING' as const] }]]);
    expect(compileScript(PRELUDE + 'SELECT RISK_SCORE(card) AS s FROM Txn;', { functions }).ok).toBe(true);
    const bad = compileScript(PRELUDE + 'SELECT risk_score(amount) AS s FROM Txn;', { functions });
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['CQL2020']);
  });
});

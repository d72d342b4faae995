/** Double quotes, which SQL uses for names and some write for strings, get an error with a hint; a script of thousands of errors reports each. */
import { describe, expect, it } from 'vitest';
import { compileScript } from '../../../src/index.js';

describe('double quotes', () => {
  it('are an unexpected character, with a hint to use single quotes or back-quotes', () => {
    const result = compileScript(`CREATE STREAM S (card STRING);\nCREATE STREAM o AS SELECT card FROM S WHERE card = "x";`);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column, d.hint])).toContainEqual(['CQL1001', 2, 52, "write strings in single quotes ('x') and quoted names in back-quotes (`x`)"]);
  });
});

describe('a script of many errors', () => {
  it('reports every one, with its line: 3,000 bad statements are 3,000 diagnostics, not one stack overflow', () => {
    const result = compileScript('SELEC x FROM;\n'.repeat(3000));
    expect(result.diagnostics).toHaveLength(3000);
    expect(result.diagnostics.map((d) => d.line)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(new Set(result.diagnostics.map((d) => d.code))).toEqual(new Set(['CQL1010']));
  });
});

describe('hints at syntax errors', () => {
  const T = "CREATE STREAM T (k STRING, v DOUBLE, cost DOUBLE, line INT, text STRING, list STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\n";
  const hints = (statement: string) => compileScript(T + statement).diagnostics.map((d) => d.hint);

  it('name a keyword the grammar allows where a misspelling of it stands', () => {
    expect(hints('SELECT k FROM PATTERN a=T -> b=T withn 1 minute;')).toEqual(["did you mean 'WITHIN'?"]);
    expect(hints('selct k FROM T;')).toEqual(["did you mean 'SELECT'?"]);
    expect(hints('SELECT k FROM T were v > 1;')).toEqual(["'were' was read as a name: did you mean 'WHERE'?"]);
  });

  it('ask for a missing AND or OR where a name stands between an operand and a comparison in a condition', () => {
    const missing = (name: string, read: boolean) => (read ? `'${name}' was read as a name: is an AND or OR missing before it?` : `is an AND or OR missing before '${name}'?`);
    expect(hints('SELECT k FROM T WHERE cost > 1 line < 2;')).toEqual([missing('line', true)]);
    expect(hints('SELECT k FROM T WHERE (cost > 1 line < 2);')).toEqual([missing('line', true)]);
    expect(hints('SELECT k FROM PATTERN a=T[cost > 1 line = 2] -> b=T WITHIN 1 MINUTE;')).toEqual([missing('line', true)]);
    expect(hints('SELECT k FROM T WHERE v > 1 AND line IS NULL text LIKE 1;')).toEqual([missing('text', false)]);
    // Not in a condition: a function's arguments, a SELECT list.
    // A misspelt AND is named as such; a missing '->' between a pattern's atoms is not a condition's.
    expect(hints("SELECT k FROM T WHERE v > 1 ANDD k = 'x';")).toEqual(["'ANDD' was read as a name: did you mean 'AND'?"]);
    for (const statement of ['SELECT ABS(v line < 1) FROM T;', 'SELECT k text = 1 FROM T;', 'SELECT a.k FROM PATTERN a=T[v > 1] b=T[v > 2] WITHIN 1 MINUTE;']) {
      expect(hints(statement)).toHaveLength(1);
      expect(hints(statement)[0] ?? '').not.toMatch(/AND or OR/);
    }
  });

  it('take no column for a keyword that cannot stand there', () => {
    // Missing commas: `cost` is not CAST, nor `list` LAST, where neither could be written.
    expect(hints('SELECT k cost line FROM T;')).toEqual([undefined]);
    expect(hints('SELECT text list FROM T;')).toEqual([undefined]);
  });

  it('stop once the statements walked for them reach a budget, however many errors follow', () => {
    // Each walk of the grammar costs time; a script of thousands of errors gets hints for the
    // first only: here 1,000 tokens of budget, four before each `were`.
    const diagnostics = compileScript(T + 'SELECT k FROM T were v > 1;\n'.repeat(3000)).diagnostics;
    expect(diagnostics).toHaveLength(3000);
    expect(diagnostics.filter((d) => d.hint !== undefined)).toHaveLength(250);
    expect(diagnostics[0]!.hint).toBe("'were' was read as a name: did you mean 'WHERE'?");
  });

  it('say where a string that ran on to a later line opened', () => {
    expect(hints("SELECT k FROM T WHERE k = 'abc;\nSELECT k FROM T WHERE k = 'x';")[0]).toBe('the string opened at line 2, column 27 ends on line 3: is its closing quote missing?');
  });

  it('say that comments nest only when a nested one is the likely cause', () => {
    expect(compileScript('/* every queries/*.cql file */\n' + T).diagnostics.map((d) => [d.code, d.hint])).toEqual([['CQL1003', "block comments nest, as in standard SQL: the '/*' inside this one opens another, which needs its own '*/'"]]);
    expect(compileScript('/* first, never closed\n/* a second comment */\n' + T).diagnostics.map((d) => [d.code, d.hint])).toEqual([['CQL1003', undefined]]);
  });
});

/**
 * Comments (LANGUAGE.md section 1): `-- to end of line` and `/* block *\/`. Block comments nest,
 * as in the SQL standard and PostgreSQL (the spec defers to SQL where it is silent).
 */
import { describe, expect, it } from 'vitest';
import { compileScript } from '../../../src/index.js';

describe('comments', () => {
  it('a block comment nests: the outer one ends at its own */', () => {
    const script = `CREATE STREAM S (i INT) /* outer /* inner */ still a comment */;
/* a
   /* b /* c */ */
   -- and a line comment inside */
CREATE STREAM o AS SELECT i FROM S; -- the end`;
    const result = compileScript(script);
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('a nested block comment left open is unterminated, reported where it starts', () => {
    const result = compileScript('CREATE STREAM S (i INT);\n/* outer /* inner */ never closed;\n');
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['CQL1003', 2, 1]]);
  });

  it('keeps line numbers across a comment of several lines', () => {
    const result = compileScript('/* one\n/* two\n*/ three\n*/ CREATE STREAM S (i INT);\nCREATE STREAM o AS SELECT nope FROM S;');
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['CQL2002', 5, 27]]);
  });
});

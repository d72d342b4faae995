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

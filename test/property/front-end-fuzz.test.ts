/**
 * Nothing a user can type crashes the front end (LANGUAGE.md section 9, STYLE.md "errors are
 * data"): mutated valid scripts, random token soup and a table of hostile inputs all compile
 * to typed diagnostics — never an exception, never CQL9999 — with positions that agree with
 * the text, rendering that does not throw, and the same result every time.
 *
 * Each run draws a fresh seed, printed on failure; `CQL_FUZZ_SEED=<n>` replays a run and
 * `CQL_FUZZ_SCALE=<k>` multiplies the number of cases (for a longer local hunt).
 */
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileScript, renderDiagnostic, type Diagnostic } from '../../src/index.js';
import { cqlFilesIn, EMBEDDED_SEEDS, mutatedScriptArb, tokenSoupArb } from './cql-generators.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILE = 'fuzz.cql';
const SEED = process.env['CQL_FUZZ_SEED'] !== undefined ? Number(process.env['CQL_FUZZ_SEED']) : Date.now() % 2 ** 31;
const SCALE = Number(process.env['CQL_FUZZ_SCALE'] ?? 1);
const MUTATION_RUNS = Math.round(3000 * SCALE);
const SOUP_RUNS = Math.round(2000 * SCALE);
/** Long enough for fast-check to shrink a failure; a passing file runs well under a minute. */
const TIMEOUT = 300_000;

/** 0-based offsets where each line starts: '\n' is the only line break. */
function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 1-based line and column of an offset; columns count UTF-16 units after the last '\n'. */
function positionOf(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

const show = (source: string): string =>
  JSON.stringify(source.length > 400 ? `${source.slice(0, 200)}…[${source.length} chars]…${source.slice(-200)}` : source);

function describeDiagnostic(d: Diagnostic): string {
  return `${d.code} ${d.line}:${d.column} [${d.span.start},${d.span.end}) ${JSON.stringify(d.message).slice(0, 300)}`;
}

/** Every property the front end promises for any input; throws with a readable report. */
function checkFrontEnd(source: string): void {
  let result: ReturnType<typeof compileScript>;
  try {
    result = compileScript(source, { file: FILE });
  } catch (e) {
    throw new Error(`compileScript threw on ${show(source)}:\n${e instanceof Error ? e.stack : String(e)}`);
  }
  const problems: string[] = [];
  const starts = lineStarts(source);
  for (const d of result.diagnostics) {
    const where = describeDiagnostic(d);
    if (!/^CQL[1-3]\d{3}$/.test(d.code)) problems.push(`untyped diagnostic (a bug): ${where}`);
    if (typeof d.message !== 'string' || d.message.length === 0) problems.push(`empty message: ${where}`);
    if (d.file !== FILE) problems.push(`file is ${JSON.stringify(d.file)}: ${where}`);
    const { start, end } = d.span;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > source.length) {
      problems.push(`span outside 0 <= start <= end <= ${source.length}: ${where}`);
    } else {
      const expected = positionOf(starts, start);
      if (d.line !== expected.line || d.column !== expected.column) {
        problems.push(`position ${d.line}:${d.column} but offset ${start} is ${expected.line}:${expected.column}: ${where}`);
      }
    }
    if (!(d.line >= 1 && d.column >= 1)) problems.push(`line/column below 1: ${where}`);
    try {
      if (typeof renderDiagnostic(d, source) !== 'string') problems.push(`renderDiagnostic returned no string: ${where}`);
    } catch (e) {
      problems.push(`renderDiagnostic threw ${e instanceof Error ? e.message : String(e)}: ${where}`);
    }
  }
  if (result.ok !== (result.diagnostics.length === 0)) {
    problems.push(`ok is ${result.ok} with ${result.diagnostics.length} diagnostics`);
  }
  const again = compileScript(source, { file: FILE });
  if (!isDeepStrictEqual(again.diagnostics, result.diagnostics)) {
    problems.push(
      `not deterministic:\n  first:  ${result.diagnostics.map(describeDiagnostic).join('\n          ')}\n  second: ${again.diagnostics.map(describeDiagnostic).join('\n          ')}`,
    );
  }
  if (problems.length > 0) throw new Error(`front end misbehaved on ${show(source)}:\n- ${problems.join('\n- ')}`);
}

/** fc.assert with this run's seed, named in the error so that the failure replays. */
function assertProperty(name: string, arb: fc.Arbitrary<string>, numRuns: number): void {
  try {
    fc.assert(fc.property(arb, (source) => checkFrontEnd(source)), { seed: SEED, numRuns, includeErrorInReport: true });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(`${name} failed; replay with CQL_FUZZ_SEED=${SEED}\n${message}`);
  }
}

/** The valid scripts to mutate: our own, and every query and spec fixture present now. */
function seedScripts(): { name: string; source: string }[] {
  return [...EMBEDDED_SEEDS, ...cqlFilesIn(ROOT, ['queries', 'test/fixtures/spec'])];
}

const nested = (open: string, close: string, depth: number, inner: string): string =>
  open.repeat(depth) + inner + close.repeat(depth);

/** Inputs that have broken parsers before: run every time, whatever the seed. */
const HOSTILE: readonly (readonly [string, string])[] = [
  ['empty', ''],
  ['only whitespace', ' \n\t\r\n '],
  ['only semicolons', ';;;'],
  ['only a comment', '-- nothing'],
  ['a BOM', '\ufeffSELECT * FROM S;'],
  ['a BOM alone', '\ufeff'],
  ['CRLF', 'CREATE STREAM S (a INT)\r\n;\r\nSELECT b\r\nFROM S;'],
  ['lone CR', 'CREATE STREAM S (a INT)\r;\rSELECT b\rFROM S;'],
  ['NUL', 'SELECT\0 * FROM S;'],
  ['astral character', 'SELECT 😀 FROM S;'],
  ['lone surrogate', 'SELECT \ud800 FROM S;'],
  ['unterminated string', "SELECT 'abc FROM S;"],
  ['unterminated string at end', "SELECT '"],
  ['unterminated string over lines', "SELECT 'a\nb\nFROM S;"],
  ['unterminated comment', 'SELECT /* x FROM S;'],
  ['unterminated back-quote', 'SELECT `abc FROM S;'],
  ['unterminated back-quote at end', '`'],
  ['huge numbers', 'SELECT 1e400, 99999999999999999999, -1e400, 1e-400 FROM S WINDOW TUMBLING (SIZE 1e400 SECONDS);'],
  ['huge quantifier', 'SELECT * FROM PATTERN a=S{99999999999999999999,1e400} WITHIN 1e400 DAYS;'],
  ['long identifier', `SELECT ${'a'.repeat(100_000)} FROM S;`],
  ['long string', `SELECT '${'x'.repeat(100_000)}' FROM S;`],
  ['long quoted identifier', `CREATE STREAM \`${'q'.repeat(100_000)}\` (a INT);`],
  ['5000 parentheses', `SELECT ${nested('(', ')', 5000, '1')} FROM S;`],
  ['5000 open parentheses', `SELECT ${'('.repeat(5000)}`],
  ['5000 close parentheses', `SELECT ${')'.repeat(5000)} FROM S;`],
  ['5000 brackets', `SELECT * FROM PATTERN ${nested('a=S[', ']', 5000, 'x')} WITHIN 1 SECOND;`],
  ['5000 bare brackets', `SELECT ${nested('[', ']', 5000, '1')} FROM S;`],
  ['5000 braces', `SELECT * FROM PATTERN a=S${'{'.repeat(5000)} WITHIN 1 SECOND;`],
  ['5000 pattern groups', `SELECT * FROM PATTERN ${nested('(', ')', 5000, 'S')} WITHIN 1 SECOND;`],
  ['5000 function calls', `SELECT ${nested('f(', ')', 5000, '1')} FROM S;`],
  ['5000 CASEs', `SELECT ${nested('CASE WHEN ', ' THEN 1 END', 5000, 'x')} FROM S;`],
  ['5000 CASTs', `SELECT ${nested('CAST(', ' AS INT)', 5000, 'x')} FROM S;`],
  ['5000 IN lists', `SELECT ${nested('x IN (', ')', 5000, '1')} FROM S;`],
  ['20000 NOTs', `SELECT * FROM S WHERE ${'NOT '.repeat(20_000)}x;`],
  ['20000 minus signs', `SELECT ${'- '.repeat(20_000)}1 FROM S;`],
  ['20000 plus signs', `SELECT ${'+'.repeat(20_000)}1 FROM S;`],
  ['mixed nesting', `SELECT ${nested('NOT (- [CASE WHEN f(', ')', 2000, 'x')} FROM S;`],
  ['50000-term sum', `SELECT ${Array.from({ length: 50_000 }, () => '1').join(' + ')} FROM S;`],
  ['50000-term OR', `SELECT * FROM S WHERE ${Array.from({ length: 50_000 }, (_, i) => `x = ${i}`).join(' OR ')};`],
  ['50000-term concatenation', `SELECT ${Array.from({ length: 50_000 }, () => "'a'").join(' || ')} AS s FROM S;`],
  ['10000-step field path', `SELECT ${Array.from({ length: 10_000 }, () => 'p').join('.')} FROM S;`],
  ['10000-element pattern', `SELECT * FROM PATTERN ${Array.from({ length: 10_000 }, () => 'S').join(' -> ')} WITHIN 1 SECOND;`],
  ['10000-item IN list', `SELECT * FROM S WHERE x IN (${Array.from({ length: 10_000 }, (_, i) => i).join(', ')});`],
  ['10000 statements', 'CREATE STREAM S (a INT);\n' + 'SELECT a FROM S;\n'.repeat(10_000)],
  ['10000 columns', `CREATE STREAM S (${Array.from({ length: 10_000 }, (_, i) => `c${i} INT`).join(', ')});`],
  ['keywords as names', 'CREATE STREAM `from` (`select` INT, stream INT, last INT, size INT);\nSELECT `select`, stream, last, size FROM `from`;'],
  ['all punctuation', "-> ( ) [ ] { } , ; . * + ? = != <> <= >= || ' `"],
  ['prototype names', 'CREATE STREAM __proto__ (constructor INT, toString STRING, hasOwnProperty INT);\nSELECT constructor, toString FROM __proto__;\nSELECT valueOf(1), constructor(2) AS c FROM hasOwnProperty;'],
];

describe('the front end never crashes', () => {
  it('accepts every embedded seed script (they are valid CQL)', () => {
    for (const { name, source } of EMBEDDED_SEEDS) {
      const result = compileScript(source, { file: `${name}.cql` });
      expect(result.diagnostics.map((d) => renderDiagnostic(d, source)), name).toEqual([]);
    }
  });

  it('gives only typed diagnostics for every query and spec fixture present', () => {
    for (const { source } of seedScripts()) checkFrontEnd(source);
  });

  it.each(HOSTILE)('gives only typed diagnostics for %s', (_name, source) => {
    checkFrontEnd(source);
  });

  it(`gives only typed diagnostics for ${MUTATION_RUNS} mutated valid scripts`, () => {
    const seeds = seedScripts().map((s) => s.source);
    assertProperty('mutated scripts', mutatedScriptArb(seeds), MUTATION_RUNS);
  }, TIMEOUT);

  it(`gives only typed diagnostics for ${SOUP_RUNS} random token soups`, () => {
    assertProperty('token soup', tokenSoupArb(60), SOUP_RUNS);
  }, TIMEOUT);
});

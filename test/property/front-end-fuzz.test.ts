/**
 * Nothing a user can type crashes the front end (LANGUAGE.md section 9, STYLE.md "errors are
 * data"). Hostile inputs, mutated valid scripts (the seeds of cql-generators.ts, `queries/*.cql` and the spec
 * fixtures present at run time), grammatical scripts of random meaning and random token soup
 * all compile to typed diagnostics — never an exception, never CQL9999 — with spans inside the
 * text, line and column that agree with the span, rendering that does not throw, and the same
 * result every time. The nesting limits of parse.ts are pinned at their exact values.
 *
 * Each run draws a fresh seed, printed on failure with the shrunk input; `CQL_FUZZ_SEED=<n>`
 * replays a run and `CQL_FUZZ_SCALE=<k>` multiplies the number of cases (for a longer hunt).
 */
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Catalog, compileScript, renderDiagnostic, type Diagnostic } from '../../src/index.js';
import { MAX_NESTING, MAX_SYNTAX_DEPTH } from '../../src/lang/parse.js';
import {
  cqlFilesIn,
  EMBEDDED_SEEDS,
  grammaticalScriptArb,
  jsonExamplesIn,
  mutatedScriptArb,
  semanticMutationArb,
  tokenSoupArb,
  type SeedScript,
} from './cql-generators.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILE = 'fuzz.cql';
const SEED = process.env['CQL_FUZZ_SEED'] !== undefined ? Number(process.env['CQL_FUZZ_SEED']) : Date.now() % 2 ** 31;
const SCALE = Number(process.env['CQL_FUZZ_SCALE'] ?? 1);
const MUTATION_RUNS = Math.round(1500 * SCALE);
const SEMANTIC_RUNS = Math.round(1500 * SCALE);
const GRAMMATICAL_RUNS = Math.round(700 * SCALE);
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

/**
 * Whether a random case also checks determinism (compiling twice): a third of them, chosen by
 * the text, so that a replay or a shrink checks the same ones. Fixed inputs always check it.
 */
function checksDeterminism(source: string): boolean {
  let h = source.length;
  for (let i = 0; i < Math.min(source.length, 256); i++) h = (h * 31 + source.charCodeAt(i)) | 0;
  return (h >>> 0) % 3 === 0;
}

/** Every property the front end promises for any input; throws with a readable report. */
function checkFrontEnd(source: string, catalog?: Catalog, determinism = true): void {
  let result: ReturnType<typeof compileScript>;
  try {
    result = compileScript(source, { file: FILE, catalog });
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
  const again = determinism ? compileScript(source, { file: FILE, catalog }) : result;
  if (!isDeepStrictEqual(again.diagnostics, result.diagnostics)) {
    problems.push(
      `not deterministic:\n  first:  ${result.diagnostics.map(describeDiagnostic).join('\n          ')}\n  second: ${again.diagnostics.map(describeDiagnostic).join('\n          ')}`,
    );
  }
  if (problems.length > 0) throw new Error(`front end misbehaved on ${show(source)}:\n- ${problems.join('\n- ')}`);
}

/** fc.assert with this run's seed, named in the error so that the failure replays. */
function assertProperty<T>(name: string, arb: fc.Arbitrary<T>, numRuns: number, check: (value: T) => void): void {
  try {
    fc.assert(fc.property(arb, check), { seed: SEED, numRuns, includeErrorInReport: true });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(`${name} failed; replay with CQL_FUZZ_SEED=${SEED}\n${message}`);
  }
}

interface Seed extends SeedScript {
  /** What the script is compiled against: the catalogue it expects to be deployed into. */
  readonly catalog: Catalog | undefined;
}

/**
 * The valid scripts to mutate: our own, and every query and spec fixture present now. The
 * files of queries/ are deployed in name order into one catalogue, so each is compiled against
 * the catalogue that the files before it leave.
 */
function seedScripts(): Seed[] {
  const seeds: Seed[] = EMBEDDED_SEEDS.map((s) => ({ ...s, catalog: undefined }));
  let catalog: Catalog | undefined;
  for (const file of cqlFilesIn(ROOT, 'queries')) {
    seeds.push({ ...file, catalog });
    catalog = compileScript(file.source, { file: file.name, catalog }).catalog;
  }
  for (const file of [...cqlFilesIn(ROOT, 'test/fixtures/spec'), ...jsonExamplesIn(ROOT, 'test/fixtures/spec')]) {
    seeds.push({ ...file, catalog: undefined });
  }
  return seeds;
}

const nested = (open: string, close: string, depth: number, inner: string): string =>
  open.repeat(depth) + inner + close.repeat(depth);

/** Inputs that have broken parsers before: run every time, whatever the seed. */
const HOSTILE: readonly (readonly [string, string])[] = [
  ['empty', ''],
  ['only whitespace', ' \n\t\r\n '],
  ['only semicolons', ';;;'],
  ['only a comment', '-- nothing'],
  ['a keyword alone (error at the end of the text)', 'SELECT'],
  ['a statement cut after WHERE', 'CREATE STREAM S (a INT);\nSELECT a FROM S WHERE'],
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
  ['1500-term sum', `SELECT ${Array.from({ length: 1500 }, () => '1').join(' + ')} FROM S;`],
  ['1500-term OR', `SELECT * FROM S WHERE ${Array.from({ length: 1500 }, (_, i) => `x = ${i}`).join(' OR ')};`],
  ['1500-term concatenation', `SELECT ${Array.from({ length: 1500 }, () => "'a'").join(' || ')} AS s FROM S;`],
  ['10000-step field path', `SELECT ${Array.from({ length: 10_000 }, () => 'p').join('.')} FROM S;`],
  ['2000-element pattern', `SELECT * FROM PATTERN ${Array.from({ length: 2000 }, () => 'S').join(' -> ')} WITHIN 1 SECOND;`],
  ['1000-item IN list', `SELECT * FROM S WHERE x IN (${Array.from({ length: 1000 }, (_, i) => i).join(', ')});`],
  ['1000 statements', 'CREATE STREAM S (a INT);\n' + 'SELECT a FROM S;\n'.repeat(1000)],
  ['2000 columns', `CREATE STREAM S (${Array.from({ length: 2000 }, (_, i) => `c${i} INT`).join(', ')});`],
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
    for (const { source, catalog } of seedScripts()) checkFrontEnd(source, catalog);
  });

  it.each(HOSTILE)('gives only typed diagnostics for %s', (_name, source) => {
    checkFrontEnd(source);
  });

  it(`gives only typed diagnostics for ${MUTATION_RUNS} mutated valid scripts`, () => {
    const seeds = seedScripts();
    const catalogs = new Map(seeds.map((s) => [s.name, s.catalog]));
    assertProperty('mutated scripts', mutatedScriptArb(seeds), MUTATION_RUNS, ({ seed, source }) => checkFrontEnd(source, catalogs.get(seed), checksDeterminism(source)));
  }, TIMEOUT);

  it(`gives only typed diagnostics for ${SEMANTIC_RUNS} scripts mutated to reach the analyser`, () => {
    const seeds = seedScripts();
    const catalogs = new Map(seeds.map((s) => [s.name, s.catalog]));
    const arb = mutatedScriptArb(seeds, semanticMutationArb, 2);
    assertProperty('analyser mutations', arb, SEMANTIC_RUNS, ({ seed, source }) => checkFrontEnd(source, catalogs.get(seed), checksDeterminism(source)));
  }, TIMEOUT);

  it(`gives only typed diagnostics for ${GRAMMATICAL_RUNS} grammatical scripts of random meaning`, () => {
    assertProperty('grammatical scripts', grammaticalScriptArb, GRAMMATICAL_RUNS, (source) => checkFrontEnd(source, undefined, checksDeterminism(source)));
  }, TIMEOUT);

  it(`gives only typed diagnostics for ${SOUP_RUNS} random token soups`, () => {
    assertProperty('token soup', tokenSoupArb(60), SOUP_RUNS, (source) => checkFrontEnd(source, undefined, checksDeterminism(source)));
  }, TIMEOUT);
});

/**
 * The nesting limits (parse.ts) keep the recursive parser and every later pass within the
 * stack: the deepest text they let through must compile, and one level more is CQL1013.
 */
describe('nesting limits', () => {
  const schema = "CREATE STREAM S (x INT, b BOOLEAN, s STRING, p JSON, ts TIMESTAMP) WITH (timestamp = 'ts');\n";
  const codes = (query: string): string[] =>
    compileScript(schema + query, { file: FILE }).diagnostics.map((d) => `${d.code} ${d.message}`);
  const repeat = (n: number, term: string, separator: string): string => Array.from({ length: n }, () => term).join(separator);

  it.each([
    ['parentheses', (n: number) => `SELECT ${nested('(', ')', n, 'x')} AS y FROM S;`],
    ['function calls', (n: number) => `SELECT ${nested('ABS(', ')', n, 'x')} AS y FROM S;`],
    ['CASE', (n: number) => `SELECT ${nested('CASE WHEN b THEN ', ' END', n, 'x')} AS y FROM S;`],
    ['CAST', (n: number) => `SELECT ${nested('CAST(', ' AS INT)', n, 'x')} AS y FROM S;`],
    ['NOT', (n: number) => `SELECT x FROM S WHERE ${'NOT '.repeat(n)}b;`],
    ['unary minus', (n: number) => `SELECT ${'- '.repeat(n)}x AS y FROM S;`],
    ['pattern conditions', (n: number) => `SELECT a.x FROM PATTERN a=S[${nested('(', ')', n - 1, 'x > 0')}] -> c=S WITHIN 1 MINUTE;`],
  ])('accepts %s nested to the limit and refuses one level more', (_name, make) => {
    expect(codes(make(MAX_NESTING))).toEqual([]);
    expect(codes(make(MAX_NESTING + 1)).map((c) => c.slice(0, 7))).toEqual(['CQL1013']);
  });

  it.each([
    ['OR', (n: number) => `SELECT x FROM S WHERE ${repeat(n, 'b', ' OR ')};`],
    ['AND in a pattern condition', (n: number) => `SELECT a.x FROM PATTERN a=S -> c=S[${repeat(n, 'c.x > a.x', ' AND ')}] WITHIN 1 MINUTE;`],
    ['+', (n: number) => `SELECT ${repeat(n, 'x', ' + ')} AS y FROM S;`],
    ['||', (n: number) => `SELECT ${repeat(n, 's', ' || ')} AS y FROM S;`],
    ['field access', (n: number) => `SELECT ${repeat(n, 'p', '.')} AS y FROM S;`],
    ['+ inside nested calls', (n: number) => `SELECT ${nested('ABS(', ')', MAX_NESTING - 4, repeat(n - MAX_NESTING + 4, 'x', ' + '))} AS y FROM S;`],
  ])('accepts a %s chain just under the syntax tree depth limit and refuses a longer one', (_name, make) => {
    expect(codes(make(MAX_SYNTAX_DEPTH - 20))).toEqual([]);
    expect(codes(make(MAX_SYNTAX_DEPTH + 1)).map((c) => c.slice(0, 7))).toEqual(['CQL1013']);
  });
});

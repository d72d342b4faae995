/**
 * The examples of the specification as golden tests (LANGUAGE.md sections 2, 5-8 and
 * LANGUAGE-EXAMPLES.md). The fixtures under `test/fixtures/spec/` are copies of the spec's text,
 * so that the tests do not need the spec beside the repository:
 *
 * - `language-NN-<slug>.cql`: each `sql` block of LANGUAGE.md, verbatim, after a prelude that
 *   declares the streams it reads but does not declare.
 * - `pattern-examples.json`: the 16 worked pattern examples, each with its query, the stream
 *   `S` it reads, its input decoded from the example's notation, and the expected matches.
 *
 * Every example must compile without a diagnostic, and the syntax trees of all of them are
 * reviewed golden files under `ast/`: a span is written there as `line:column-endLine:endColumn`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileScript, parseScript, type Span } from '../../src/index.js';

const SPEC_DIR = fileURLToPath(new URL('../fixtures/spec/', import.meta.url));

interface InputEvent {
  readonly name: string;
  readonly kind: string;
  readonly v: number | null;
  readonly ts: number;
}

interface ExpectedRow {
  readonly data: Readonly<Record<string, string | number | null>>;
  readonly time: number;
}

interface PatternExample {
  readonly id: number;
  readonly title: string;
  readonly query: string;
  readonly schema: string;
  /** The input as LANGUAGE-EXAMPLES.md writes it: `a1 e1:7 x@3000`. */
  readonly inputNotation: string;
  readonly input: readonly InputEvent[];
  readonly expected: readonly ExpectedRow[];
}

const languageFixtures = readdirSync(SPEC_DIR)
  .filter((f) => /^language-\d\d-[a-z0-9-]+\.cql$/.test(f))
  .sort()
  .map((file) => ({ file, name: file.replace(/\.cql$/, ''), text: readFileSync(SPEC_DIR + file, 'utf8') }));

const patternExamples = JSON.parse(readFileSync(SPEC_DIR + 'pattern-examples.json', 'utf8')) as PatternExample[];

/** The script a pattern example runs: the declaration of `S`, then the query. */
function exampleScript(example: PatternExample): string {
  return `${example.schema}\n${example.query}`;
}

function exampleName(example: PatternExample): string {
  return `pattern-example-${String(example.id).padStart(2, '0')}`;
}

function isSpan(value: unknown): value is Span {
  if (typeof value !== 'object' || value === null) return false;
  return ['start', 'end', 'line', 'column', 'endLine', 'endColumn'].every((k) => typeof (value as Record<string, unknown>)[k] === 'number');
}

/**
 * Spans become compact `line:column-endLine:endColumn` strings, so that positions are reviewed
 * without drowning the tree; absent optional fields are written as `null` and an unbounded
 * quantifier's `Infinity` as a string, since JSON would drop or mangle both.
 */
function astReplacer(_key: string, value: unknown): unknown {
  if (isSpan(value)) return `${value.line}:${value.column}-${value.endLine}:${value.endColumn}`;
  if (value === undefined) return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function astJson(text: string): string {
  return `${JSON.stringify(parseScript(text).script, astReplacer, 2)}\n`;
}

/** Decodes LANGUAGE-EXAMPLES.md's input notation, as its header describes it. */
function decodeInput(notation: string): InputEvent[] {
  let previous = 0;
  return notation.split(/\s+/).map((token, i) => {
    const m = /^([A-Za-z]+)(\d*)(?::(-?\d+))?(?:@(\d+))?$/.exec(token);
    if (!m) throw new Error(`bad input token '${token}'`);
    const [, letters = '', digits = '', v, at] = m;
    const ts = at !== undefined ? Number(at) : i === 0 ? 1000 : previous + 1000;
    previous = ts;
    return { name: letters + digits, kind: letters, v: v !== undefined ? Number(v) : null, ts };
  });
}

/** The output column names a query's SELECT list gives with `AS`. */
function selectAliases(query: string): string[] {
  const selectList = query.slice(0, query.search(/\bFROM\b/));
  return [...selectList.matchAll(/\bAS (\w+)/g)].map((m) => m[1]!);
}

describe('LANGUAGE.md examples', () => {
  it('has a fixture for each sql block of the spec', () => {
    expect(languageFixtures.map((f) => f.file)).toEqual([
      'language-01-create-stream-txn.cql',
      'language-02-derived-stream-big-txns.cql',
      'language-03-patterns-card-testing-momentum.cql',
      'language-04-window-vwap.cql',
      'language-05-joins-and-tables.cql',
    ]);
  });

  describe.each(languageFixtures)('$file', ({ file, name, text }) => {
    it('compiles without a diagnostic', () => {
      expect(compileScript(text, { file }).diagnostics).toEqual([]);
    });

    it('parses to the reviewed syntax tree', async () => {
      await expect(astJson(text)).toMatchFileSnapshot(`./ast/${name}.golden.json`);
    });
  });
});

describe('LANGUAGE-EXAMPLES.md pattern examples', () => {
  describe('the fixture', () => {
    it('has the 16 examples, numbered in order', () => {
      expect(patternExamples).toHaveLength(16);
      expect(patternExamples.map((e) => e.id)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    });

    it.each(patternExamples)('example $id is well formed', (example) => {
      expect(example.title).toMatch(/\S/);
      expect(example.query).toMatch(/^SELECT\s[\s\S]+\sFROM PATTERN\s[\s\S]+\sWITHIN \d+ MILLISECONDS/);
      expect(example.schema).toBe("CREATE STREAM S (name STRING, kind STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');");

      expect(example.input.length).toBeGreaterThan(0);
      for (const event of example.input) {
        expect(Object.keys(event)).toEqual(['name', 'kind', 'v', 'ts']);
        expect(typeof event.name).toBe('string');
        expect(event.kind).toBe(/^[A-Za-z]+/.exec(event.name)?.[0]);
        expect(event.v === null || Number.isInteger(event.v)).toBe(true);
        expect(Number.isInteger(event.ts)).toBe(true);
      }
      expect(example.input).toEqual(decodeInput(example.inputNotation));

      const aliases = selectAliases(example.query);
      expect(aliases.length).toBeGreaterThan(0);
      expect(example.expected.length).toBeGreaterThan(0);
      let previousTime = -Infinity;
      for (const row of example.expected) {
        expect(Object.keys(row)).toEqual(['data', 'time']);
        expect(Object.keys(row.data)).toEqual(aliases);
        expect(Number.isInteger(row.time)).toBe(true);
        // Output follows event time (LANGUAGE.md section 3).
        expect(row.time).toBeGreaterThanOrEqual(previousTime);
        previousTime = row.time;
      }
    });
  });

  describe.each(patternExamples)('example $id: $title', (example) => {
    it('compiles without a diagnostic', () => {
      const result = compileScript(exampleScript(example), { file: `${exampleName(example)}.cql` });
      expect(result.diagnostics).toEqual([]);
    });

    it('parses to the reviewed syntax tree', async () => {
      await expect(astJson(exampleScript(example))).toMatchFileSnapshot(`./ast/${exampleName(example)}.golden.json`);
    });
  });
});

/**
 * Shared fast-check arbitraries for CQL text (LANGUAGE.md sections 1-9): valid seed scripts
 * written from the spec, the language's vocabulary, random token soup, and mutations of valid
 * scripts that a user could plausibly type (or paste) — typos, truncation, stray characters,
 * unterminated literals, absurd sizes and nesting, other line endings — or that keep the
 * syntax and change the meaning; and grammatical scripts of random meaning, for the analyser.
 *
 * Every arbitrary yields plain source text (with, for mutations, the seed's name), so any test
 * can feed it to the public API.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { keywords } from '../../src/lang/tokens.js';

// ------------------------------------------------------------------------------ vocabulary

/** Every CQL keyword, reserved or contextual, as the lexer defines them. */
export const CQL_KEYWORDS: readonly string[] = keywords.map((k) => k.word);

/** Words that are identifiers to the lexer but mean something to the analyser. */
export const CQL_KNOWN_NAMES: readonly string[] = [
  'STRING', 'INT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'JSON',
  'MILLISECOND', 'MILLISECONDS', 'SECOND', 'SECONDS', 'MINUTE', 'MINUTES', 'HOUR', 'HOURS',
  'DAY', 'DAYS', 'EVENTS',
  'ABS', 'ROUND', 'FLOOR', 'CEIL', 'SQRT', 'POWER', 'LN', 'EXP', 'LOWER', 'UPPER', 'LENGTH',
  'SUBSTRING', 'TRIM', 'CONCAT', 'COALESCE', 'NULLIF', 'GREATEST', 'LEAST', 'GEO_DISTANCE',
  'NOW', 'DAY_OF_WEEK', 'FORMAT_TIMESTAMP', 'PARSE_TIMESTAMP', 'LOOKUP',
  'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'STDDEV', 'FIRST', 'LAST',
  'WINDOW_START', 'WINDOW_END',
  'timestamp', 'timestamp_format', 'timezone', 'source', 'topic', 'key', 'format', 'sink',
  'ts', 'card', 'amount', 'symbol', 'price', 'a', 'b', 'r', 'd', 'x', 'payload', '_rejected',
];

/** Punctuation and operators, plus the openers of strings and quoted names on their own. */
export const CQL_PUNCTUATION: readonly string[] = [
  '->', '(', ')', '[', ']', '{', '}', ',', ';', '.', '*', '+', '?', '=', '!=', '<>', '<', '<=',
  '>', '>=', '||', '-', '/', '%', "'", '`', '--', '/*', '*/', '!', '|', '&', '@', '#', '$', '"',
  '\\', '^', '~', ':',
];

const IDENT_START = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_'];
const IDENT_REST = [...IDENT_START, ...'0123456789'];

export const identifierArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...IDENT_START), fc.array(fc.constantFrom(...IDENT_REST), { maxLength: 12 }))
  .map(([h, t]) => h + t.join(''));

/** A keyword in random letter case (keywords are case-insensitive). */
export const keywordArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...CQL_KEYWORDS), fc.integer({ min: 0, max: 2 }))
  .map(([w, c]) => (c === 0 ? w : c === 1 ? w.toLowerCase() : w[0] + w.slice(1).toLowerCase()));

export const numberArb: fc.Arbitrary<string> = fc.oneof(
  fc.nat({ max: 100000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }).map(String),
  fc.constantFrom('0', '1.', '.5', '1e6', '1E-3', '2.5e+10', '1e400', '1e-400', '99999999999999999999', '0x1F', '1e', '1.2.3', '007'),
);

export const stringLiteralArb: fc.Arbitrary<string> = fc
  .string({ maxLength: 10 })
  .map((s) => `'${s.replace(/'/g, "''")}'`);

export const quotedIdentifierArb: fc.Arbitrary<string> = fc
  .string({ maxLength: 10 })
  .map((s) => '`' + s.replace(/[`\n]/g, '``') + '`');

/** One token of CQL vocabulary, or a random name, number, string or quoted name. */
export const vocabularyTokenArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: keywordArb },
  { weight: 5, arbitrary: fc.constantFrom(...CQL_PUNCTUATION) },
  { weight: 2, arbitrary: fc.constantFrom(...CQL_KNOWN_NAMES) },
  { weight: 2, arbitrary: identifierArb },
  { weight: 2, arbitrary: numberArb },
  { weight: 1, arbitrary: stringLiteralArb },
  { weight: 1, arbitrary: quotedIdentifierArb },
);

const separatorArb = fc.constantFrom(' ', ' ', ' ', '', '\n', '\r\n', '\t', '  ');

/** Random token soup: 0 to `maxTokens` tokens of vocabulary, separated by random whitespace. */
export function tokenSoupArb(maxTokens = 60): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(vocabularyTokenArb, separatorArb), { maxLength: maxTokens })
    .map((parts) => parts.map(([t, s]) => t + s).join(''));
}

// ----------------------------------------------------------------------------------- seeds

/** Valid scripts written from LANGUAGE.md, one per major construct. */
export const EMBEDDED_SEEDS: readonly SeedScript[] = [
  {
    name: 'streams',
    source: `-- source streams and a table (LANGUAGE.md 2, 8)
CREATE STREAM Txn (
  card     STRING NOT NULL,
  amount   DOUBLE,
  merchant STRING,
  country  STRING,
  lat DOUBLE, lon DOUBLE,
  ts       TIMESTAMP
) WITH (timestamp = 'ts');
CREATE STREAM Verified (card STRING, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'verified');
CREATE TABLE Risk (card STRING PRIMARY KEY, score DOUBLE) WITH (source = 'kafka', topic = 'risk');
CREATE STREAM Events (id INT, \`from\` STRING, payload JSON, ts TIMESTAMP) WITH (timestamp = 'ts');
DROP STREAM Events;
`,
  },
  {
    name: 'filter',
    source: `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, merchant STRING, country STRING, ts TIMESTAMP)
  WITH (timestamp = 'ts');
/* a stateless filter (LANGUAGE.md 5) */
CREATE STREAM big_txns AS
SELECT card, amount * 1.5 AS scaled, UPPER(merchant) AS m, 'it''s' AS quote
FROM Txn
WHERE amount > 1000 AND country IN ('FR', 'DE') AND merchant IS NOT NULL
  AND amount BETWEEN -1.5 AND 1e6 AND merchant NOT LIKE 'test%'
  AND CASE WHEN amount > 5000 THEN TRUE ELSE FALSE END
  AND CAST(amount AS INT) % 2 = 0 AND card || '-' || country <> 'x';
`,
  },
  {
    name: 'window',
    source: `CREATE STREAM Trade (symbol STRING, price DOUBLE, volume INT, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM vwap AS
SELECT symbol, SUM(price * volume) / SUM(volume) AS vwap, COUNT(*) AS trades,
       WINDOW_START AS ws, WINDOW_END AS we
FROM Trade
WINDOW HOPPING (SIZE 5 MINUTES, ADVANCE BY 1 MINUTE)
WHERE volume > 0
GROUP BY symbol
HAVING COUNT(*) >= 10;
CREATE STREAM per_symbol AS
SELECT symbol, COUNT(DISTINCT price) AS prices, MAX(price) AS high
FROM Trade WINDOW TUMBLING (SIZE 100 EVENTS) GROUP BY symbol EMIT FINAL;
`,
  },
  {
    name: 'join',
    source: `CREATE STREAM Orders (order_id STRING, total DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM Payments (order_id STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM paid_late AS
SELECT o.order_id, o.total, p.ts - o.ts AS delay_ms
FROM Orders o JOIN Payments p WITHIN 15 MINUTES ON o.order_id = p.order_id;
CREATE STREAM unpaid AS
SELECT o.order_id, p.ts AS paid
FROM Orders AS o LEFT JOIN Payments AS p WITHIN 1 HOUR ON o.order_id = p.order_id
WHERE o.total > 10;
`,
  },
  {
    name: 'pattern',
    source: `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM Verified (card_no STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
-- card testing (LANGUAGE.md 6)
CREATE STREAM card_testing AS
SELECT a.card, a.amount AS probe, b.amount AS charge, b.ts - a.ts AS gap_ms
FROM PATTERN a=Txn[amount < 1.00] -> NOT Verified[card_no = a.card] -> b=Txn[amount > 500]
PARTITION BY Txn.card, Verified.card_no
WITHIN 10 MINUTES;
CREATE STREAM bursts AS
SELECT a.card, COUNT(r) AS n, LAST(r.amount) AS last_amount, c.amount AS c_amount, d.amount AS d_amount
FROM PATTERN a=Txn -> r=Txn[amount > COALESCE(LAST(r.amount), a.amount)]{2,5}
  -> (c=Txn[amount > 100] OR d=Txn[amount < 1]) -> (e=Txn AND f=Txn) -> g=Txn?
  -> h=Txn[h.amount > 0]
WHERE h.amount > a.amount
PARTITION BY card
WITHIN 1 MINUTE
USING SKIP TILL ANY MATCH
AFTER MATCH SKIP PAST LAST EVENT;
EXPLAIN SELECT a.card FROM PATTERN a=Txn -> b=Txn* -> c=Txn+ WITHIN 30 SECONDS USING STRICT CONTIGUITY;
`,
  },
  {
    name: 'misc',
    source: `CREATE STREAM Trade (symbol STRING, price DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM momentum_break AS
SELECT a.symbol, a.price AS start_price, LAST(r.price) AS peak, d.price AS drop_price,
       COUNT(r) AS rises
FROM PATTERN a=Trade -> r=Trade[price > COALESCE(LAST(r.price), a.price)]{3,}
                     -> d=Trade[price < LAST(r.price) * 0.95]
PARTITION BY symbol
WITHIN 1 MINUTE
USING STRICT CONTIGUITY;
CREATE STREAM sessions AS
SELECT symbol, COUNT(*) AS n, AVG(price) AS avg_price FROM Trade
WINDOW SESSION (30 SECONDS) GROUP BY symbol;
SELECT * FROM Trade WHERE NOT (price < 0 OR price IS NULL);
`,
  },
];

export interface SeedScript {
  readonly name: string;
  readonly source: string;
}

function readOrSkip(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // removed between listing and reading: others write these folders
  }
}

/** Every `*.cql` file of a folder (relative to `root`), in name order, read now. */
export function cqlFilesIn(root: string, folder: string): SeedScript[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  const out: SeedScript[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith('.cql')) continue;
    const source = readOrSkip(join(dir, entry));
    if (source !== undefined) out.push({ name: `${folder}/${entry}`, source });
  }
  return out;
}

/**
 * The example queries of every `*.json` file of a folder that is a list of
 * `{ query, schema? }` objects (the spec's worked examples), as `schema; query` scripts.
 */
export function jsonExamplesIn(root: string, folder: string): SeedScript[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  const out: SeedScript[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith('.json')) continue;
    let data: unknown;
    try {
      data = JSON.parse(readOrSkip(join(dir, entry)) ?? 'null');
    } catch {
      continue; // being written
    }
    if (!Array.isArray(data)) continue;
    data.forEach((item: unknown, i) => {
      const { query, schema } = (item ?? {}) as { query?: unknown; schema?: unknown };
      if (typeof query !== 'string') return;
      out.push({ name: `${folder}/${entry}#${i}`, source: `${typeof schema === 'string' ? `${schema}\n` : ''}${query};\n` });
    });
  }
  return out;
}

// ------------------------------------------------------------------------------- mutation

/**
 * A rough CQL tokenizer for mutation: it splits text into pieces (tokens, whitespace, comments)
 * that concatenate back to the input exactly. It never fails: an odd character is its own piece.
 */
export function splitPieces(source: string): string[] {
  return (
    source.match(
      /\s+|--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'?|`(?:[^`\n]|``)*`?|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|->|<=|>=|<>|!=|\|\||[\s\S]/gu,
    ) ?? []
  );
}

const KEYWORD_SET = new Set(CQL_KEYWORDS.map((w) => w.toUpperCase()));
const isWord = (p: string): boolean => /^[A-Za-z_`]/.test(p);
const isSpace = (p: string): boolean => /^\s/.test(p);
/** A name: a word that is not a keyword, or a back-quoted one. */
const isName = (p: string): boolean => isWord(p) && !KEYWORD_SET.has(p.toUpperCase());
const isLiteral = (p: string): boolean => /^['\d.]/.test(p) || /^(TRUE|FALSE|NULL)$/i.test(p);

/** Keywords that start a clause: a dropped clause runs from one to the next, or to ';'. */
const CLAUSE_KEYWORDS = new Set(['WHERE', 'GROUP', 'HAVING', 'WINDOW', 'EMIT', 'PARTITION', 'WITHIN', 'USING', 'AFTER', 'WITH', 'ON', 'JOIN', 'LEFT', 'INNER', 'AS', 'FROM', 'PRIMARY', 'NOT']);

/** Literals of every type, and durations, to put where another literal was. */
const LITERALS = ["'x'", "''", "'2024-01-01T00:00:00Z'", '0', '1', '-1', '2.5', '1e6', 'TRUE', 'FALSE', 'NULL', '5 MINUTES', '10 EVENTS', '3 FORTNIGHTS', "'ts'"];
const QUANTIFIERS = ['+', '*', '?', '{0}', '{2}', '{3,1}', '{0,}', '{2,2}', '{1,3}', '{0,0}', '{99999999999,}'];
const PATTERN_OPERATORS = [' OR ', ' AND ', ' -> NOT ', ' -> ', ') -> (', ' -> NOT NOT ', ', '];

/** Odd characters: controls, invisible and astral characters, lone surrogates. */
const ODD_CHARACTERS = [
  '\0', '\u0001', '\u0007', '\b', '\t', '\v', '\f', '\r', '\u001b', '\u007f', '\u0085', '\u00a0',
  '\u200b', '\u200e', '\u2028', '\u2029', '\ufeff', '\ufffd', '\uffff', '\ud800', '\udfff',
  '😀', '𝔸', 'é', 'e\u0301', 'ß', 'İ', 'ı', 'Ω', '中文', '\u202e', '"', '\\',
];

export const oddTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...ODD_CHARACTERS), { minLength: 1, maxLength: 4 }).map((a) => a.join('')),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 3 }),
);

/** Misspellings of a word: a dropped, doubled, swapped or changed letter, or other case. */
function misspell(word: string, how: number, at: number): string {
  if (word.length === 0) return 'x';
  const i = at % word.length;
  switch (how % 5) {
    case 0: return word.slice(0, i) + word.slice(i + 1) || '_';
    case 1: return word.slice(0, i + 1) + word[i] + word.slice(i + 1);
    case 2: return i + 1 < word.length ? word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2) : word + 'x';
    case 3: return word.slice(0, i) + 'q' + word.slice(i + 1);
    default: return word === word.toUpperCase() ? word.toLowerCase() : word.toUpperCase();
  }
}

/** What a deep-nesting mutation wraps around a position: opener, closer. */
const NESTERS: readonly (readonly [string, string])[] = [
  ['(', ')'],
  ['[', ']'],
  ['{', '}'],
  ['f(', ')'],
  ['CAST(', ' AS INT)'],
  ['CASE WHEN ', ' THEN 1 END'],
  ['NOT ', ''],
  ['- ', ''],
  ['+', ''],
  ['x IN (', ')'],
  ['S[', ']'],
  ['(S -> ', ')'],
  ['a=S[a.x = ', ']'],
];

export type Mutation =
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'duplicate'; readonly at: number }
  | { readonly op: 'swap'; readonly at: number; readonly with: number }
  | { readonly op: 'insert'; readonly at: number; readonly token: string }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'rename'; readonly at: number; readonly name: string }
  | { readonly op: 'misspell'; readonly at: number; readonly how: number; readonly where: number }
  | { readonly op: 'odd'; readonly at: number; readonly text: string }
  | { readonly op: 'unterminated'; readonly at: number; readonly opener: string }
  | { readonly op: 'hugeNumber'; readonly at: number; readonly number: string }
  | { readonly op: 'longName'; readonly at: number; readonly length: number }
  | { readonly op: 'nest'; readonly at: number; readonly span: number; readonly kind: number; readonly depth: number; readonly closed: boolean }
  | { readonly op: 'chain'; readonly at: number; readonly operator: string; readonly length: number }
  | { readonly op: 'reuseName'; readonly at: number; readonly from: number }
  | { readonly op: 'literal'; readonly at: number; readonly literal: string }
  | { readonly op: 'dropClause'; readonly at: number }
  | { readonly op: 'quantifier'; readonly at: number; readonly quantifier: string }
  | { readonly op: 'patternOperator'; readonly at: number; readonly operator: string }
  | { readonly op: 'lineEndings'; readonly to: '\r\n' | '\r' }
  | { readonly op: 'bom' };

const position = fc.nat({ max: 1 << 20 });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('delete' as const), at: position }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: position }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('swap' as const), at: position, with: position }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('insert' as const), at: position, token: vocabularyTokenArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: position }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('rename' as const), at: position, name: fc.oneof(identifierArb, keywordArb, fc.constantFrom(...CQL_KNOWN_NAMES)) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('misspell' as const), at: position, how: fc.nat(4), where: fc.nat(40) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('odd' as const), at: position, text: oddTextArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unterminated' as const), at: position, opener: fc.constantFrom("'", "'abc", '`', '`na me', '/*', '/* x *', "'it''", '``', "''''") }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('hugeNumber' as const), at: position, number: fc.constantFrom('1e400', '-1e400', '99999999999999999999', '1e-400', '9'.repeat(400), '0.' + '0'.repeat(400) + '1', '1e308', '-0', '4294967296', '9007199254740993', '{99999999999999999999}', '{1e400,}', '{5,2}', '{0}', '{-1}') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('longName' as const), at: position, length: fc.constantFrom(1000, 100_000) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('nest' as const), at: position, span: fc.nat(6), kind: fc.nat(NESTERS.length - 1), depth: fc.constantFrom(2, 20, 63, 64, 65, 100, 300, 5000), closed: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('chain' as const), at: position, operator: fc.constantFrom(' + ', ' OR ', ' AND ', ' || ', ' * ', ' -> ', '.', ', ', ' = '), length: fc.constantFrom(10, 100, 1001) }) },
  // Mutations that mostly keep the syntax valid, so that the analyser sees them.
  { weight: 8, arbitrary: fc.record({ op: fc.constant('reuseName' as const), at: position, from: position }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('literal' as const), at: position, literal: fc.constantFrom(...LITERALS) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('dropClause' as const), at: position }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('quantifier' as const), at: position, quantifier: fc.constantFrom(...QUANTIFIERS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('patternOperator' as const), at: position, operator: fc.constantFrom(...PATTERN_OPERATORS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('lineEndings' as const), to: fc.constantFrom('\r\n' as const, '\r' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bom' as const) }) },
);

/** Indices of the pieces that are not whitespace or comments (the "tokens"). */
function tokenIndices(pieces: readonly string[]): number[] {
  const out: number[] = [];
  pieces.forEach((p, i) => {
    if (!isSpace(p) && !p.startsWith('--') && !p.startsWith('/*')) out.push(i);
  });
  return out;
}

/** Applies one mutation. Positions are taken modulo what the text has, so any number works. */
export function applyMutation(source: string, m: Mutation): string {
  const pieces = splitPieces(source);
  const toks = tokenIndices(pieces);
  const pick = (n: number): number | undefined => (toks.length === 0 ? undefined : toks[n % toks.length]);
  const offset = (n: number): number => n % (source.length + 1);
  const insertAt = (n: number, text: string): string => {
    const o = offset(n);
    return source.slice(0, o) + text + source.slice(o);
  };
  const withPiece = (i: number | undefined, replace: (p: string) => string): string => {
    if (i === undefined) return source;
    const copy = [...pieces];
    copy[i] = replace(copy[i]!);
    return copy.join('');
  };
  switch (m.op) {
    case 'delete':
      return withPiece(pick(m.at), () => '');
    case 'duplicate':
      return withPiece(pick(m.at), (p) => `${p} ${p}`);
    case 'swap': {
      const i = pick(m.at);
      const j = pick(m.with);
      if (i === undefined || j === undefined) return source;
      const copy = [...pieces];
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      return copy.join('');
    }
    case 'insert': {
      const i = pick(m.at);
      if (i === undefined) return `${m.token} ${source}`;
      return withPiece(i, (p) => `${m.token} ${p}`);
    }
    case 'truncate':
      return source.slice(0, offset(m.at));
    case 'rename': {
      const words = toks.filter((i) => isWord(pieces[i]!));
      if (words.length === 0) return insertAt(m.at, m.name);
      return withPiece(words[m.at % words.length], () => m.name);
    }
    case 'misspell': {
      const words = toks.filter((i) => isWord(pieces[i]!));
      if (words.length === 0) return source;
      return withPiece(words[m.at % words.length], (p) => misspell(p, m.how, m.where));
    }
    case 'odd':
      return insertAt(m.at, m.text);
    case 'unterminated':
      return insertAt(m.at, ` ${m.opener}`);
    case 'hugeNumber': {
      const numbers = toks.filter((i) => /^[\d.]/.test(pieces[i]!));
      if (numbers.length === 0 || m.number.startsWith('{')) return insertAt(m.at, ` ${m.number} `);
      return withPiece(numbers[m.at % numbers.length], () => m.number);
    }
    case 'longName': {
      const name = 'n'.repeat(m.length);
      const words = toks.filter((i) => isWord(pieces[i]!));
      if (words.length === 0) return insertAt(m.at, ` ${name} `);
      return withPiece(words[m.at % words.length], () => name);
    }
    case 'nest': {
      const [open, close] = NESTERS[m.kind % NESTERS.length]!;
      const first = pick(m.at);
      if (first === undefined) return open.repeat(m.depth) + source + (m.closed ? close.repeat(m.depth) : '');
      const k = toks.indexOf(first);
      const last = toks[Math.min(toks.length - 1, k + m.span)]!;
      const copy = [...pieces];
      copy[first] = open.repeat(m.depth) + copy[first]!;
      if (m.closed) copy[last] = copy[last]! + close.repeat(m.depth);
      return copy.join('');
    }
    case 'chain': {
      const i = pick(m.at);
      const operand = i === undefined ? 'x' : pieces[i]!;
      return withPiece(i, () => Array.from({ length: m.length }, () => operand).join(m.operator));
    }
    case 'reuseName': {
      const names = toks.filter((i) => isName(pieces[i]!));
      if (names.length === 0) return source;
      const pool = [...new Set(names.map((i) => pieces[i]!)), ...CQL_KNOWN_NAMES];
      return withPiece(names[m.at % names.length], () => pool[m.from % pool.length]!);
    }
    case 'literal': {
      const literals = toks.filter((i) => isLiteral(pieces[i]!));
      if (literals.length === 0) return source;
      return withPiece(literals[m.at % literals.length], () => m.literal);
    }
    case 'dropClause': {
      const starts = toks.filter((i) => CLAUSE_KEYWORDS.has(pieces[i]!.toUpperCase()));
      if (starts.length === 0) return source;
      const k = toks.indexOf(starts[m.at % starts.length]!);
      let e = k + 1;
      while (e < toks.length && pieces[toks[e]!] !== ';' && !CLAUSE_KEYWORDS.has(pieces[toks[e]!]!.toUpperCase())) e++;
      const end = e < toks.length ? toks[e]! : pieces.length;
      return [...pieces.slice(0, toks[k]!), ' ', ...pieces.slice(end)].join('');
    }
    case 'quantifier': {
      // After an atom: its condition's ']', or a name followed by '->'.
      const after = toks.filter((i, k) => pieces[i] === ']' || (isName(pieces[i]!) && pieces[toks[k + 1] ?? -1] === '->'));
      if (after.length === 0) return source;
      return withPiece(after[m.at % after.length], (p) => p + m.quantifier);
    }
    case 'patternOperator': {
      const arrows = toks.filter((i) => pieces[i] === '->');
      if (arrows.length === 0) return source;
      return withPiece(arrows[m.at % arrows.length], () => m.operator);
    }
    case 'lineEndings':
      return source.replace(/\r?\n/g, m.to);
    case 'bom':
      return '\ufeff' + source;
  }
}

/**
 * Mutations that usually leave the syntax valid — another name, another literal, a clause
 * dropped, a quantifier or pattern operator changed, a misspelling — so that the analyser,
 * not the parser, has to find what is wrong.
 */
export const semanticMutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('reuseName' as const), at: position, from: position }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('misspell' as const), at: position, how: fc.nat(4), where: fc.nat(40) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('literal' as const), at: position, literal: fc.constantFrom(...LITERALS) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('dropClause' as const), at: position }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('quantifier' as const), at: position, quantifier: fc.constantFrom(...QUANTIFIERS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('patternOperator' as const), at: position, operator: fc.constant(' -> NOT ') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('hugeNumber' as const), at: position, number: fc.constantFrom('1e400', '99999999999999999999', '1e-400', '0', '-0', '9007199254740993', '2.5') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: position }) },
);

/** A seed script and 1 to `most` mutations applied in turn; `seed` names the script mutated. */
export function mutatedScriptArb(
  seeds: readonly SeedScript[],
  mutation: fc.Arbitrary<Mutation> = mutationArb,
  most = 4,
): fc.Arbitrary<{ seed: string; source: string }> {
  return fc
    .record({ seed: fc.nat(seeds.length - 1), mutations: fc.array(mutation, { minLength: 1, maxLength: most }) })
    .map(({ seed, mutations }) => ({ seed: seeds[seed]!.name, source: mutations.reduce(applyMutation, seeds[seed]!.source) }));
}

// ---------------------------------------------------------------- grammatical random scripts

/** Declarations the random queries read: every column type, a table, a derived stream. */
export const RANDOM_QUERY_PRELUDE = `CREATE STREAM S (k STRING NOT NULL, x INT, d DOUBLE, s STRING, b BOOLEAN, p JSON, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM T (k STRING, x INT, y DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE TABLE R (k STRING PRIMARY KEY, score DOUBLE, label STRING);
CREATE STREAM D AS SELECT k, x, ts FROM S WHERE x > 0;
`;

const STREAM_NAMES = ['S', 'T', 'R', 'D', 'Missing', '_rejected'];
const COLUMN_NAMES = ['k', 'x', 'd', 's', 'b', 'p', 'ts', 'y', 'score', 'label', 'zz', 'amount'];
const ALIASES = ['a', 'c', 'r', 'e', 'o'];
const TYPE_NAMES = ['STRING', 'INT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'JSON', 'FLOAT', 'int'];
const UNITS = ['MILLISECONDS', 'SECOND', 'MINUTES', 'HOURS', 'DAY', 'EVENTS', 'WEEKS', 'minute'];
const FUNCTIONS = [
  'ABS', 'ROUND', 'FLOOR', 'CEIL', 'SQRT', 'POWER', 'LN', 'EXP', 'LOWER', 'UPPER', 'LENGTH', 'SUBSTRING',
  'TRIM', 'CONCAT', 'COALESCE', 'NULLIF', 'GREATEST', 'LEAST', 'GEO_DISTANCE', 'NOW', 'HOUR', 'DAY_OF_WEEK',
  'FORMAT_TIMESTAMP', 'PARSE_TIMESTAMP', 'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'STDDEV', 'FIRST', 'LAST',
  'LOOKUP', 'PERCENTILE', 'foo', 'count',
];
const BINARY_OPERATORS = ['+', '-', '*', '/', '%', '||', '=', '!=', '<>', '<', '<=', '>', '>=', 'AND', 'OR'];

const durationArb = fc
  .tuple(fc.constantFrom('0', '1', '10', '1.5', '100', '1e400', '99999999999999999999'), fc.constantFrom(...UNITS))
  .map(([n, u]) => `${n} ${u}`);

const columnRefArb = fc.oneof(
  fc.constantFrom(...COLUMN_NAMES),
  fc.tuple(fc.constantFrom(...ALIASES, ...STREAM_NAMES), fc.constantFrom(...COLUMN_NAMES)).map(([q, c]) => `${q}.${c}`),
  fc.tuple(fc.constantFrom(...ALIASES, 'p'), fc.constantFrom('p', 'x'), fc.constantFrom('user', 'id')).map((parts) => parts.join('.')),
);

const literalArb = fc.constantFrom("'x'", "'it''s'", '0', '1', '-1', '2.5', '1e6', 'TRUE', 'FALSE', 'NULL', "'2024-01-01T00:00:00Z'");

/** A random expression over the prelude's names: well-formed syntax, arbitrary meaning. */
export const expressionArb: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => {
  const e = tie('expr');
  return {
    expr: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      columnRefArb,
      literalArb,
      durationArb,
      fc.constantFrom('WINDOW_START', 'WINDOW_END', 'NOW()', 'COUNT(*)', 'COUNT(a)', 'COUNT(r)'),
      fc.tuple(e, fc.constantFrom(...BINARY_OPERATORS), e).map(([l, op, r]) => `(${l} ${op} ${r})`),
      // Comparisons do not chain, so each is parenthesised; '- -x' is spaced ('--' starts a comment).
      fc.tuple(fc.constantFrom('NOT ', '- ', '+ '), e).map(([op, x]) => `(${op}${x})`),
      fc.tuple(e, fc.boolean()).map(([x, not]) => `(${x} IS ${not ? 'NOT ' : ''}NULL)`),
      fc.tuple(e, fc.boolean(), fc.array(e, { minLength: 1, maxLength: 3 })).map(([x, not, list]) => `(${x} ${not ? 'NOT ' : ''}IN (${list.join(', ')}))`),
      fc.tuple(e, fc.boolean(), e, e).map(([x, not, lo, hi]) => `(${x} ${not ? 'NOT ' : ''}BETWEEN ${lo} AND ${hi})`),
      fc.tuple(e, fc.boolean(), e).map(([x, not, pat]) => `(${x} ${not ? 'NOT ' : ''}LIKE ${pat})`),
      fc
        .tuple(fc.option(e, { nil: undefined }), fc.array(fc.tuple(e, e), { minLength: 1, maxLength: 2 }), fc.option(e, { nil: undefined }))
        .map(([operand, whens, otherwise]) =>
          `CASE ${operand ?? ''} ${whens.map(([w, t]) => `WHEN ${w} THEN ${t}`).join(' ')} ${otherwise === undefined ? '' : `ELSE ${otherwise}`} END`),
      fc.tuple(e, fc.constantFrom(...TYPE_NAMES)).map(([x, t]) => `CAST(${x} AS ${t})`),
      fc
        .tuple(fc.constantFrom(...FUNCTIONS), fc.constantFrom('', 'DISTINCT '), fc.array(e, { maxLength: 4 }))
        .map(([f, distinct, args]) => `${f}(${args.length > 0 ? distinct : ''}${args.join(', ')})`),
      fc.tuple(fc.constantFrom(...STREAM_NAMES), e, fc.constantFrom('score', 'label', 'k', 'zz')).map(([t, key, c]) => `LOOKUP(${t}, ${key}).${c}`),
    ),
  };
}).expr;

const selectItemArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('*', 'a.*', 'S.*', 'zz.*') },
  { weight: 4, arbitrary: fc.tuple(expressionArb, fc.option(fc.constantFrom('v', 'w', 'x', 'k', '`from`', 'ts'), { nil: undefined })).map(([x, as]) => (as ? `${x} AS ${as}` : x)) },
);

const streamRefArb = fc
  .tuple(fc.constantFrom(...STREAM_NAMES), fc.option(fc.constantFrom(...ALIASES), { nil: undefined }), fc.boolean())
  .map(([s, alias, as]) => (alias === undefined ? s : `${s}${as ? ' AS' : ''} ${alias}`));

const atomArb = fc
  .tuple(fc.option(fc.constantFrom(...ALIASES), { nil: undefined }), fc.constantFrom(...STREAM_NAMES), fc.option(expressionArb, { nil: undefined }))
  .map(([alias, s, cond]) => `${alias === undefined ? '' : `${alias}=`}${s}${cond === undefined ? '' : `[${cond}]`}`);

const patternElementArb = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(atomArb, fc.constantFrom('', '', '+', '*', '?', '{2}', '{0,}', '{1,3}', '{3,1}', '{0}')).map(([a, q]) => a + q) },
  { weight: 1, arbitrary: atomArb.map((a) => `NOT ${a}`) },
  { weight: 1, arbitrary: fc.tuple(fc.array(atomArb, { minLength: 2, maxLength: 3 }), fc.constantFrom(' OR ', ' AND ', ' -> ')).map(([atoms, op]) => `(${atoms.join(op)})`) },
  { weight: 1, arbitrary: fc.tuple(atomArb, atomArb, fc.constantFrom('+', '', '?')).map(([x, y, q]) => `(${x} -> ${y} OR ${x})${q}`) },
);

const fromArb = fc.oneof(
  streamRefArb,
  fc
    .tuple(streamRefArb, fc.constantFrom('JOIN', 'INNER JOIN', 'LEFT JOIN', 'LEFT OUTER JOIN', 'RIGHT JOIN', 'FULL OUTER JOIN'), streamRefArb, fc.option(durationArb, { nil: undefined }), fc.option(expressionArb, { nil: undefined }))
    .map(([l, j, r, within, on]) => `${l} ${j} ${r}${within === undefined ? '' : ` WITHIN ${within}`}${on === undefined ? '' : ` ON ${on}`}`),
  fc.array(patternElementArb, { minLength: 1, maxLength: 5 }).map((els) => `PATTERN ${els.join(' -> ')}`),
);

const windowArb = fc
  .tuple(fc.constantFrom('TUMBLING', 'HOPPING', 'SLIDING', 'SESSION'), fc.array(fc.oneof(durationArb.map((d) => `SIZE ${d}`), durationArb.map((d) => `ADVANCE BY ${d}`), durationArb), { minLength: 1, maxLength: 3 }))
  .map(([kind, params]) => `WINDOW ${kind} (${params.join(', ')})`);

const clauseArb = fc.oneof(
  expressionArb.map((x) => `WHERE ${x}`),
  fc.array(expressionArb, { minLength: 1, maxLength: 2 }).map((xs) => `GROUP BY ${xs.join(', ')}`),
  expressionArb.map((x) => `HAVING ${x}`),
  windowArb,
  fc.constantFrom('EMIT FINAL', 'EMIT CHANGES', 'USING SKIP TILL NEXT MATCH', 'USING SKIP TILL ANY MATCH', 'USING STRICT CONTIGUITY', 'AFTER MATCH SKIP PAST LAST EVENT'),
  fc.array(fc.oneof(fc.constantFrom(...COLUMN_NAMES), fc.tuple(fc.constantFrom(...STREAM_NAMES), fc.constantFrom(...COLUMN_NAMES)).map(([s, c]) => `${s}.${c}`)), { minLength: 1, maxLength: 2 }).map((ks) => `PARTITION BY ${ks.join(', ')}`),
  durationArb.map((d) => `WITHIN ${d}`),
);

const queryArb = fc
  .tuple(fc.array(selectItemArb, { minLength: 1, maxLength: 4 }), fromArb, fc.array(clauseArb, { maxLength: 5 }))
  .map(([items, from, clauses]) => `SELECT ${items.join(', ')} FROM ${from} ${clauses.join(' ')}`);

const optionsArb = fc
  .array(fc.tuple(fc.constantFrom('timestamp', 'timestamp_format', 'timezone', 'source', 'topic', 'sink', 'key', 'bogus'), fc.constantFrom("'ts'", "'x'", "'yyyy-MM-dd'", "'Europe/Paris'", "'Not/AZone'", '1', '-2.5', 'TRUE')), { minLength: 1, maxLength: 3 })
  .map((opts) => ` WITH (${opts.map(([k, v]) => `${k} = ${v}`).join(', ')})`);

const columnDefArb = fc
  .tuple(fc.constantFrom(...COLUMN_NAMES), fc.constantFrom(...TYPE_NAMES), fc.constantFrom('', ' NOT NULL', ' PRIMARY KEY', ' NOT NULL PRIMARY KEY'))
  .map(([c, t, m]) => `${c} ${t}${m}`);

const statementArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('Out', 'S', 'D', 'out2'), fc.option(optionsArb, { nil: undefined }), queryArb).map(([n, w, q]) => `CREATE STREAM ${n}${w ?? ''} AS ${q}`) },
  { weight: 3, arbitrary: queryArb },
  { weight: 1, arbitrary: queryArb.map((q) => `EXPLAIN ${q}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('S', 'N', 'R'), fc.array(columnDefArb, { minLength: 1, maxLength: 4 }), fc.option(optionsArb, { nil: undefined })).map(([n, cols, w]) => `CREATE STREAM ${n} (${cols.join(', ')})${w ?? ''}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('R', 'Q'), fc.array(columnDefArb, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([n, cols, pk]) => `CREATE TABLE ${n} (${cols.join(', ')}${pk ? ', PRIMARY KEY (k)' : ''})`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('STREAM', 'TABLE'), fc.constantFrom(...STREAM_NAMES)).map(([t, n]) => `DROP ${t} ${n}`) },
);

/** Scripts that parse (mostly) but mean anything: the prelude and 1-4 random statements. */
export const grammaticalScriptArb: fc.Arbitrary<string> = fc
  .array(statementArb, { minLength: 1, maxLength: 4 })
  .map((statements) => `${RANDOM_QUERY_PRELUDE}${statements.join(';\n')};\n`);

/**
 * The artifacts in grammar/, derived from the one definition of CQL's tokens and grammar
 * (LANGUAGE.md section 1, lexical structure; the rules of the later sections): a page of railroad
 * diagrams of the parser's rules, and a TextMate grammar for editors.
 *
 * Pure functions: `scripts/generate-grammar.mjs` reads chevrotain's diagram resources and writes
 * the files, and `test/golden/grammar.test.ts` fails when the committed files are stale.
 */
import type { TokenType } from 'chevrotain';
import { COLUMN_TYPES } from '../model/types.js';
import { cqlParser } from './parser.js';
import * as T from './tokens.js';

/** The scripts and stylesheet that draw the diagrams, inlined into the page. */
export interface DiagramResources {
  readonly railroadJs: string;
  readonly builderJs: string;
  readonly behaviorJs: string;
  readonly mainJs: string;
  readonly css: string;
}

/** Where each resource lives, relative to the chevrotain package's folder. */
export const DIAGRAM_RESOURCE_PATHS: Readonly<Record<keyof DiagramResources, string>> = {
  railroadJs: 'diagrams/vendor/railroad-diagrams.js',
  builderJs: 'diagrams/src/diagrams_builder.js',
  behaviorJs: 'diagrams/src/diagrams_behavior.js',
  mainJs: 'diagrams/src/main.js',
  css: 'diagrams/diagrams.css',
};

// ------------------------------------------------------------------------ railroad diagrams

/**
 * A self-contained HTML page of railroad diagrams, one per parser rule. It is the page that
 * chevrotain's `createSyntaxDiagramsCode` builds, with its scripts and stylesheet inlined instead
 * of loaded from a CDN, so it works offline. The scripts are UMD modules: loaded as classic
 * scripts they publish the globals `railroad`, `diagrams_builder`, `diagrams_behavior` and
 * `main`, each reading the ones before it, so their order matters.
 */
export function railroadDiagramsHtml(resources: DiagramResources): string {
  const grammar = JSON.stringify(cqlParser.getSerializedGastProductions(), null, 2);
  return [
    '<!DOCTYPE html>',
    '<!-- Generated from src/lang/parser.ts by `npm run build && npm run grammar`. Do not edit. -->',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<title>CQL grammar</title>',
    inlineStyle('body { background-color: hsl(30, 20%, 95%); font-family: sans-serif; }'),
    inlineStyle(resources.css),
    '</head>',
    '<body>',
    '<h1>CQL grammar</h1>',
    '<p>The syntax of CQL, the Cepheus continuous query language, one railroad diagram per rule of ' +
      'the parser (see LANGUAGE.md). Hover a rule to highlight its uses; click a rule in a diagram ' +
      'to jump to its definition.</p>',
    '<div id="diagrams" align="center"></div>',
    inlineScript(resources.railroadJs),
    inlineScript(resources.builderJs),
    inlineScript(resources.behaviorJs),
    inlineScript(resources.mainJs),
    // `<` escaped so that no token label (say `'</'`) can ever close the script element.
    inlineScript(`window.serializedGrammar = ${grammar.replace(/</g, '\\u003c')};`),
    inlineScript(
      'main.drawDiagramsFromSerializedGrammar(window.serializedGrammar, document.getElementById("diagrams"));',
    ),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function inlineScript(code: string): string {
  return `<script>\n${withoutClosingTag(code, 'script')}\n</script>`;
}

function inlineStyle(css: string): string {
  return `<style>\n${withoutClosingTag(css, 'style')}\n</style>`;
}

/** Inlined text must not close its own element early; none of chevrotain's resources does. */
function withoutClosingTag(text: string, tag: string): string {
  if (text.toLowerCase().includes(`</${tag}`)) throw new Error(`an inlined resource contains '</${tag}'`);
  return text.trimEnd();
}

// ------------------------------------------------------------------------- TextMate grammar

/** Keywords scoped apart from the rest: the literal words and the word operators. */
const CONSTANT_WORDS = new Set(['TRUE', 'FALSE', 'NULL']);
const OPERATOR_WORDS = new Set(['AND', 'OR', 'NOT', 'IS', 'IN', 'BETWEEN', 'LIKE']);

/** Duration units (LANGUAGE.md section 1) and the count unit of windows: identifiers to the lexer. */
const DURATION_UNITS = ['MILLISECONDS?', 'SECONDS?', 'MINUTES?', 'HOURS?', 'DAYS?', 'EVENTS'];

/** A number not glued to a name or to another number: the lexer's NumberLiteral, standing alone. */
const NUMBER = `(?<![A-Za-z0-9_.])(?:${source(T.NumberLiteral)})`;

/**
 * A TextMate grammar (scope `source.cql`) for VS Code and other editors. The keywords, numbers,
 * quoted identifiers, comments and operators are the lexer's own tokens; strings and block
 * comments are begin/end rules, so that they may span lines. The keys are in a fixed order, so
 * the JSON is stable.
 */
export function textMateGrammar(): object {
  const words = (filter: (k: T.KeywordInfo) => boolean): string[] =>
    T.keywords.filter(filter).map((k) => k.word);
  const plain = (k: T.KeywordInfo): boolean => !CONSTANT_WORDS.has(k.word) && !OPERATOR_WORDS.has(k.word);
  return {
    name: 'CQL',
    scopeName: 'source.cql',
    fileTypes: ['cql'],
    patterns: [
      'comments',
      'strings',
      'quoted-identifiers',
      'durations',
      'numbers',
      'types',
      'keywords',
      'function-calls',
      'operators',
      'punctuation',
    ].map((name) => ({ include: `#${name}` })),
    repository: {
      comments: {
        patterns: [
          { name: 'comment.line.double-dash.cql', match: source(T.LineComment) },
          // Block comments nest (SQL): an inner one is matched as a comment of its own.
          { name: 'comment.block.cql', begin: '/\\*', end: '\\*/', patterns: [{ include: '#comments' }] },
        ],
      },
      strings: {
        name: 'string.quoted.single.cql',
        begin: "'",
        end: "'(?!')",
        patterns: [{ name: 'constant.character.escape.cql', match: "''" }],
      },
      'quoted-identifiers': { name: 'variable.other.quoted.cql', match: source(T.QuotedIdentifier) },
      durations: {
        // Case-insensitive like keywords; the lexer also takes `10MINUTES` as a number and a unit.
        match: `(?i)(${NUMBER})\\s*(${DURATION_UNITS.join('|')})\\b`,
        captures: {
          '1': { name: 'constant.numeric.cql' },
          '2': { name: 'keyword.other.unit.cql' },
        },
      },
      numbers: { name: 'constant.numeric.cql', match: `${NUMBER}(?![A-Za-z0-9_])` },
      types: { name: 'storage.type.cql', match: anyWord(COLUMN_TYPES) },
      keywords: {
        patterns: [
          { name: 'constant.language.cql', match: anyWord(words((k) => CONSTANT_WORDS.has(k.word))) },
          { name: 'keyword.operator.word.cql', match: anyWord(words((k) => OPERATOR_WORDS.has(k.word))) },
          { name: 'keyword.other.cql', match: anyWord(words((k) => k.reserved && plain(k))) },
          { name: 'keyword.other.contextual.cql', match: anyWord(words((k) => !k.reserved && plain(k))) },
        ],
      },
      'function-calls': {
        match: `\\b(${source(T.Identifier)})\\s*(?=\\()`,
        captures: { '1': { name: 'entity.name.function.cql' } },
      },
      operators: {
        patterns: [
          { name: 'keyword.operator.arrow.cql', match: anyOf([T.Arrow]) },
          { name: 'keyword.operator.concatenation.cql', match: anyOf([T.Concat]) },
          {
            name: 'keyword.operator.comparison.cql',
            match: anyOf([T.NotEquals, T.LessEquals, T.GreaterEquals, T.Less, T.Greater, T.Equals]),
          },
          { name: 'keyword.operator.arithmetic.cql', match: anyOf([T.Plus, T.Minus, T.Star, T.Slash, T.Percent]) },
          { name: 'keyword.operator.quantifier.cql', match: anyOf([T.Question]) },
        ],
      },
      punctuation: {
        patterns: [
          { name: 'punctuation.terminator.statement.cql', match: anyOf([T.Semicolon]) },
          { name: 'punctuation.separator.comma.cql', match: anyOf([T.Comma]) },
          { name: 'punctuation.accessor.dot.cql', match: anyOf([T.Dot]) },
        ],
      },
    },
  };
}

/** A case-insensitive match of whole words, in alphabetical order so the output is stable. */
function anyWord(words: readonly string[]): string {
  return `(?i)\\b(${[...words].sort().join('|')})\\b`;
}

function anyOf(tokens: readonly TokenType[]): string {
  return tokens.map(source).join('|');
}

/** A token's regular expression, which Oniguruma (TextMate's engine) reads as JavaScript does. */
function source(token: TokenType): string {
  const pattern = token.PATTERN;
  if (!(pattern instanceof RegExp)) throw new Error(`token ${token.name} has no regular expression`);
  return pattern.source;
}

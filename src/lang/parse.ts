/**
 * Text to AST: lexing, parsing with error recovery and CST-to-AST building (LANGUAGE.md
 * sections 1 and 9). Returns every syntax error at once; statements that have one are left out
 * of the AST, and the names they would have defined are reported so that the analyser does not
 * cascade "unknown stream" errors from them.
 */
import { EOF, type ILexingError, type IRecognitionException, type IToken, type CstNode, type TokenType } from 'chevrotain';
import type * as A from './ast.js';
import {
  And,
  Between,
  Case,
  Comma,
  cqlLexer,
  DoubleQuoted,
  End,
  Equals,
  False,
  From,
  Greater,
  GreaterEquals,
  Having,
  Identifier,
  In,
  Is,
  keywords,
  LBracket,
  Less,
  LessEquals,
  Like,
  LParen,
  Minus,
  Not,
  NotEquals,
  Null,
  NumberLiteral,
  On,
  Or,
  Plus,
  QuotedIdentifier,
  RBracket,
  RParen,
  Select,
  Semicolon,
  StringLiteral,
  True,
  UnterminatedComment,
  UnterminatedQuotedIdentifier,
  UnterminatedString,
  When,
  Where,
} from './tokens.js';
import { cqlParser } from './parser.js';
import { allTokensOf, buildStatement, IncompleteSyntax, nameOf, tokenSpan } from './cst-to-ast.js';
import { diagnostic, didYouMean, type Diagnostic } from './diagnostics.js';
import { closestMatch } from '../util/edit-distance.js';
import type { Span } from '../model/span.js';

export interface ParseResult {
  readonly script: A.Script;
  readonly diagnostics: readonly Diagnostic[];
  /** Names of streams and tables whose definitions had syntax errors. */
  readonly incompleteNames: ReadonlySet<string>;
}

/**
 * How deeply parentheses, brackets, CASE and prefix operators (NOT, unary minus and plus) may
 * nest. The parser descends through a dozen rules per parenthesis and runs out of stack at
 * about 150 levels, so deeper input is refused before parsing, with a diagnostic — as Python's
 * tokenizer refuses more than 200 nested parentheses.
 */
export const MAX_NESTING = 64;

/**
 * How many tokens one statement may have. Parsing costs memory by the token (a chain of 40,000
 * `OR`s took 500 MB before the tree's depth was even checked), so a statement past this is
 * refused before parsing. Scripts may have any number of statements.
 */
export const MAX_STATEMENT_TOKENS = 50_000;

/**
 * How deep a statement's syntax tree may be. A long operator chain (`a OR b OR …`) parses in a
 * loop but builds a tree as deep as the chain is long, and every later pass (analysis, planning,
 * evaluation) recurses over it. SQLite has the same limit (SQLITE_MAX_EXPR_DEPTH).
 */
export const MAX_SYNTAX_DEPTH = 1000;

/** The position of `offset` in `text`, as a span of `length` characters cut at the end of the text. */
export function spanAt(text: string, offset: number, length = 1): Span {
  const start = Math.min(Math.max(0, offset), text.length);
  const end = Math.min(start + Math.max(0, length), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < start; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const column = start - lineStart + 1;
  // The last character's position; the span may run over several lines.
  let endLine = line;
  let endLineStart = lineStart;
  const last = Math.max(start, end - 1);
  for (let i = text.indexOf('\n', start); i !== -1 && i < last; i = text.indexOf('\n', i + 1)) {
    endLine++;
    endLineStart = i + 1;
  }
  return { start, end, line, column, endLine, endColumn: last - endLineStart + 1 };
}

/** A character as a message shows it: itself when visible, else its code point (`U+200B`). */
function showCharacter(text: string, offset: number): string {
  const code = text.codePointAt(offset);
  if (code === undefined) return 'end of script';
  const ch = String.fromCodePoint(code);
  return /^[\p{C}\p{Z}]$/u.test(ch) ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${ch}'`;
}

function lexingDiagnostic(error: ILexingError, text: string, file: string): Diagnostic {
  const span = spanAt(text, error.offset, Math.max(1, error.length));
  // SQL writes strings in single quotes and quoted names in double ones; CQL quotes names with back-quotes.
  const hint = text[error.offset] === '"' ? DOUBLE_QUOTE_HINT : undefined;
  return diagnostic('unexpectedCharacter', file, span, `unexpected character ${showCharacter(text, error.offset)}`, hint);
}

/** Offsets where lines start: '\n' is the only line break, as in spanAt and renderDiagnostic. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionIn(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/**
 * The lexer also breaks lines at a lone '\r'; diagnostics count lines by '\n' only, like editors
 * and renderDiagnostic. When the text has a lone '\r', token positions are recomputed from offsets.
 */
function relocateTokens(tokens: readonly IToken[], text: string): void {
  if (!/\r(?!\n)/.test(text)) return;
  const starts = lineStarts(text);
  for (const token of tokens) {
    const start = positionIn(starts, token.startOffset);
    const end = positionIn(starts, token.endOffset ?? token.startOffset);
    token.startLine = start.line;
    token.startColumn = start.column;
    token.endLine = end.line;
    token.endColumn = end.column;
  }
}

const NESTING_CLOSERS = new Map<TokenType, TokenType>([
  [LParen, RParen],
  [LBracket, RBracket],
  [Case, End],
]);
const PREFIX_OPERATORS = new Set<TokenType>([Not, Minus, Plus]);

/**
 * The statements nested deeper than MAX_NESTING, or longer than MAX_STATEMENT_TOKENS (`long`),
 * as token index ranges (up to their ';'), each with the token where the limit is passed (a long
 * statement's first). A level is an open bracket or CASE, plus the prefix
 * operators waiting for it; a closer that does not match the innermost opener closes nothing,
 * so unbalanced input only counts deeper.
 */
function tooDeeplyNested(tokens: readonly IToken[]): { from: number; to: number; at: IToken; long: boolean }[] {
  const found: { from: number; to: number; at: IToken; long: boolean }[] = [];
  let statementStart = 0;
  const closers: TokenType[] = [];
  const waiting: number[] = [];
  let waitingTotal = 0;
  let prefixes = 0;
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i]!.tokenType;
    if (type === Semicolon) {
      closers.length = 0;
      waiting.length = 0;
      waitingTotal = 0;
      prefixes = 0;
      statementStart = i + 1;
      continue;
    }
    const closer = NESTING_CLOSERS.get(type);
    if (closer) {
      closers.push(closer);
      waiting.push(prefixes);
      waitingTotal += prefixes;
      prefixes = 0;
    } else if (closers.length > 0 && type === closers[closers.length - 1]) {
      closers.pop();
      waitingTotal -= waiting.pop()!;
      prefixes = 0;
    } else if (PREFIX_OPERATORS.has(type)) {
      prefixes++;
    } else {
      prefixes = 0;
    }
    const long = i - statementStart >= MAX_STATEMENT_TOKENS;
    if (long || closers.length + waitingTotal + prefixes > MAX_NESTING) {
      let end = i;
      while (end < tokens.length && tokens[end]!.tokenType !== Semicolon) end++;
      found.push({ from: statementStart, to: end, at: long ? tokens[statementStart]! : tokens[i]!, long });
      i = end - 1;
    }
  }
  return found;
}

/** A node of `root`'s syntax tree deeper than `limit`, if any. Iterative: safe at any depth. */
function nodeDeeperThan(root: A.Statement, limit: number): { readonly span: Span } | undefined {
  const stack: [object, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    for (const value of Object.values(node)) {
      if (typeof value !== 'object' || value === null) continue;
      const isNode = 'kind' in value && 'span' in value;
      if (isNode && depth + 1 > limit) return value as { readonly span: Span };
      stack.push([value, isNode ? depth + 1 : depth]);
    }
  }
  return undefined;
}

/** The index of the first value of the sorted list that is at least `lo` (its length if none). */
function firstAtLeast(sorted: readonly number[], lo: number): number {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (sorted[mid]! < lo) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** Whether the sorted list has a value in [lo, hi]. */
function anyWithin(sorted: readonly number[], lo: number, hi: number): boolean {
  const a = firstAtLeast(sorted, lo);
  return a < sorted.length && sorted[a]! <= hi;
}

const LEXICAL_ERRORS = new Set(['CQL1001', 'CQL1002', 'CQL1003', 'CQL1004']);

/**
 * The parser's errors, one per statement: after the first error of a statement (a lexical one,
 * or the parser's), what the parser reports up to the statement's ';' is most often an echo of
 * that error (`SELECT a b FROM t` would also report 'FROM'; recovery may restart a statement in
 * the middle of one), so it is left out, as PostgreSQL reports one syntax error at a time. The
 * statement still counts as having an error.
 */
function firstErrorPerStatement(parserErrors: readonly Diagnostic[], lexical: readonly Diagnostic[], statementEnds: readonly number[]): Diagnostic[] {
  // A ';' belongs to the statement it ends.
  const statementOf = (offset: number) => firstAtLeast(statementEnds, offset);
  const firstIn = new Map<number, number>();
  for (const d of lexical) {
    if (!LEXICAL_ERRORS.has(d.code)) continue;
    const statement = statementOf(d.span.start);
    firstIn.set(statement, Math.min(firstIn.get(statement) ?? Infinity, d.span.start));
  }
  const kept: Diagnostic[] = [];
  for (const d of [...parserErrors].sort((a, b) => a.span.start - b.span.start)) {
    const statement = statementOf(d.span.start);
    const first = firstIn.get(statement);
    if (first !== undefined && first <= d.span.start) continue;
    firstIn.set(statement, d.span.start);
    kept.push(d);
  }
  return kept;
}

const DOUBLE_QUOTE_HINT = "write strings in single quotes ('x') and quoted names in back-quotes (`x`)";

function errorTokenDiagnostic(token: IToken, file: string): Diagnostic {
  const span = tokenSpan(token);
  if (token.tokenType === UnterminatedString) {
    return diagnostic('unterminatedString', file, span, 'unterminated string: a string ends with a single quote', "double a quote inside a string: 'it''s'");
  }
  if (token.tokenType === UnterminatedComment) {
    // A '/*' inside a word (`queries/*.cql`) opened a nested comment: likely the cause, unlike a
    // '/*' after a space, which starts a comment of its own, likely closed.
    const nested = /\S\/\*/.test(token.image.slice(2));
    return diagnostic('unterminatedComment', file, span, "unterminated block comment: '/*' has no matching '*/'", nested ? "block comments nest, as in standard SQL: the '/*' inside this one opens another, which needs its own '*/'" : undefined);
  }
  if (token.tokenType === DoubleQuoted) {
    const text = token.image.length > 40 ? `${token.image.slice(0, 40)}…` : token.image;
    return diagnostic('unexpectedCharacter', file, span, `unexpected text ${text}: double quotes are not CQL`, DOUBLE_QUOTE_HINT);
  }
  if (token.tokenType === UnterminatedQuotedIdentifier) {
    return diagnostic('unterminatedQuotedIdentifier', file, span, 'unterminated quoted identifier: a back-quoted name ends on the same line with a back-quote');
  }
  return diagnostic('unexpectedCharacter', file, span, `unexpected text '${token.image}'`);
}

function parserDiagnostic(error: IRecognitionException, text: string, file: string): Diagnostic {
  const token = error.token;
  let span: Span;
  if (token.tokenType === EOF || !Number.isFinite(token.startOffset)) {
    const previous = (error as { previousToken?: IToken }).previousToken;
    span = previous && Number.isFinite(previous.startOffset)
      ? spanAt(text, (previous.endOffset ?? previous.startOffset) + 1)
      : spanAt(text, text.length);
  } else {
    span = tokenSpan(token);
  }
  return diagnostic('syntaxError', file, span, error.message);
}

/**
 * Tokens of statements walked for the keywords they allow, in all, for the hints of one script:
 * a walk costs up to some tens of milliseconds for a long, deeply nested statement, and a script
 * of many such errors must not take seconds to check.
 */
const HINT_BUDGET = 1_000;
/** The longest start of a statement before an error that is walked for the keywords it allows. */
const MAX_HINT_PREFIX = 120;

/** `d` (a syntax error at `tokens[i]`) with the help syntaxHint finds, if any. */
function withHint(d: Diagnostic, file: string, tokens: readonly IToken[], i: number, budget: { tokens: number }): Diagnostic {
  const hint = tokens[i]?.startOffset === d.span.start ? syntaxHint(tokens, i, budget) : undefined;
  return hint ? diagnostic('syntaxError', file, d.span, d.message, hint) : d;
}

/**
 * What a syntax error may really be: a string whose closing quote is missing, which then ran on
 * to the next quote on a later line (the error shows where that one ended); or a misspelt keyword
 * (`selct`, `withn`, `partiton`), which the lexer took for a name.
 */
function syntaxHint(tokens: readonly IToken[], i: number, budget: { tokens: number }): string | undefined {
  const previous = i > 0 ? tokens[i - 1] : undefined;
  if (previous?.tokenType === StringLiteral && previous.image.includes('\n')) {
    const opened = tokenSpan(previous);
    return `the string opened at line ${opened.line}, column ${opened.column} ends on line ${opened.endLine}: is its closing quote missing?`;
  }
  // `WHERE cost > 1 line < 2`, the error at '<' (the name was read as one) or at the name.
  if (previous && missingConnective(tokens, i - 1)) return `'${previous.image}' was read as a name: is an AND or OR missing before it?`;
  if (missingConnective(tokens, i)) return `is an AND or OR missing before '${tokens[i]!.image}'?`;
  const here = misspeltKeyword(tokens, i, budget);
  if (here) return didYouMean(here);
  // `FROM T were v > 1`: the misspelt keyword was taken for an alias, and the error comes after it.
  const before = previous && misspeltKeyword(tokens, i - 1, budget);
  return before ? `'${previous.image}' was read as a name: did you mean '${before}'?` : undefined;
}

/** Tokens that compare or test the operand before them. */
const COMPARISONS = new Set<TokenType>([Equals, NotEquals, Less, LessEquals, Greater, GreaterEquals, Is, In, Between, Like]);
/** Tokens that end an operand. */
const OPERAND_ENDS = new Set<TokenType>([NumberLiteral, StringLiteral, Identifier, QuotedIdentifier, RParen, RBracket, True, False, Null, End]);
/** Tokens that open a condition, or join two. */
const CONDITION_STARTS = new Set<TokenType>([Where, Having, On, When, And, Or, Not, LBracket]);
/** Tokens that open something else, where a name after an operand is an alias or a new item. */
const OTHER_STARTS = new Set<TokenType>([Select, From, Comma, Semicolon]);

/**
 * `WHERE cost > 1 line < 2`: the name at `tokens[i]` stands right after a whole operand and before
 * a comparison, inside a condition: most likely an AND or OR is missing before it.
 */
function missingConnective(tokens: readonly IToken[], i: number): boolean {
  const name = tokens[i];
  const operand = tokens[i - 1];
  const comparison = tokens[i + 1];
  if (!name || !operand || !comparison || !COMPARISONS.has(comparison.tokenType)) return false;
  if (name.tokenType !== Identifier && name.tokenType !== QuotedIdentifier) return false;
  if (!OPERAND_ENDS.has(operand.tokenType)) return false;
  // `amount > 1 ANDD card = 'x'`: the operand is itself a stray name after an operand (a
  // misspelt AND, which the keyword hint names), not the end of a comparison.
  const beforeOperand = tokens[i - 2];
  if (operand.tokenType === Identifier && beforeOperand && OPERAND_ENDS.has(beforeOperand.tokenType)) return false;
  // Outwards to what opened the expression, from the operand on; brackets opened on the way are
  // passed through (`WHERE (a > 1 b < 2)`), closed ones skipped whole (`a=T[v > 1] b=T`: the
  // pattern's atom, not a condition).
  for (let k = i - 1, depth = 0; k >= 0 && k > i - 200; k--) {
    const t = tokens[k]!.tokenType;
    if (t === RParen || t === RBracket) depth++;
    else if ((t === LParen || t === LBracket) && depth > 0) depth--;
    else if (depth === 0 && CONDITION_STARTS.has(t)) return true;
    else if (depth === 0 && OTHER_STARTS.has(t)) return false;
  }
  return false;
}

/**
 * The keyword the name at `tokens[i]` may be a misspelling of, among those the grammar allows
 * there (so a column called `cost` is never taken for CAST where no CAST can stand).
 */
function misspeltKeyword(tokens: readonly IToken[], i: number, budget: { tokens: number }): string | undefined {
  const token = tokens[i]!;
  if (token.tokenType !== Identifier || token.image.length < 4) return undefined;
  let start = i;
  while (start > 0 && i - start <= MAX_HINT_PREFIX && tokens[start - 1]!.tokenType !== Semicolon) start--;
  if (i - start > MAX_HINT_PREFIX || i - start > budget.tokens) return undefined;
  budget.tokens -= i - start;
  let allowed: Set<TokenType>;
  try {
    allowed = new Set(cqlParser.computeContentAssist('statement', tokens.slice(start, i)).map((s) => s.nextTokenType));
  } catch {
    return undefined;
  }
  return closestMatch(token.image.toUpperCase(), keywords.filter((k) => allowed.has(k.token)).map((k) => k.word), { preferOmitted: true });
}

/**
 * Chevrotain's error recovery recurses once per error inside a repetition, so one parse of a
 * script with thousands of bad statements ran out of stack. Statements are parsed some hundreds
 * at a time, split after a ';' (where the script's repetition starts again anyway), with the
 * tokens' own offsets.
 */
const STATEMENTS_PER_PARSE = 200;

function parseInBatches(tokens: readonly IToken[]): { statements: CstNode[]; semicolons: IToken[]; errors: IRecognitionException[] } {
  const statements: CstNode[] = [];
  const semicolons: IToken[] = [];
  const errors: IRecognitionException[] = [];
  let from = 0;
  do {
    let to = from;
    for (let count = 0; to < tokens.length && count < STATEMENTS_PER_PARSE; to++) if (tokens[to]!.tokenType === Semicolon) count++;
    cqlParser.input = tokens.slice(from, to);
    const cst = cqlParser.script();
    for (const node of (cst.children['statement'] ?? []) as CstNode[]) statements.push(node);
    for (const token of (cst.children['Semicolon'] ?? []) as IToken[]) semicolons.push(token);
    for (const e of cqlParser.errors) errors.push(e);
    from = to;
  } while (from < tokens.length);
  return { statements, semicolons, errors };
}

export function parseScript(text: string, file = '<script>'): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lexed = cqlLexer.tokenize(text);
  relocateTokens(lexed.tokens, text);
  relocateTokens(lexed.groups['errors'] ?? [], text);
  for (const error of lexed.errors) diagnostics.push(lexingDiagnostic(error, text, file));
  // An unterminated string or name is reported once, then parsed as if it were closed, so
  // that it does not cascade into syntax errors for the rest of its statement.
  const patched = [...lexed.tokens];
  for (const token of lexed.groups['errors'] ?? []) {
    diagnostics.push(errorTokenDiagnostic(token, file));
    const as = token.tokenType === UnterminatedString ? StringLiteral : token.tokenType === UnterminatedQuotedIdentifier ? QuotedIdentifier : undefined;
    if (as) patched.push({ ...token, tokenType: as, tokenTypeIdx: as.tokenTypeIdx!, image: token.image + token.image[0] });
  }
  patched.sort((a, b) => a.startOffset - b.startOffset);

  for (const token of lexed.tokens) {
    if (token.tokenType.name === 'NumberLiteral' && !Number.isFinite(Number(token.image))) {
      diagnostics.push(diagnostic('invalidNumber', file, tokenSpan(token), `number ${token.image} is out of range`));
    }
    // As PostgreSQL's "zero-length delimited identifier".
    if (token.tokenType === QuotedIdentifier && token.image === '``') {
      diagnostics.push(diagnostic('emptyIdentifier', file, tokenSpan(token), 'a back-quoted name cannot be empty'));
    }
  }

  // A statement nested too deeply for the parser is reported and left out before parsing.
  const incompleteNames = new Set<string>();
  const tooDeep = tooDeeplyNested(patched);
  for (const { from, to, at, long } of tooDeep) {
    diagnostics.push(
      long
        ? diagnostic('statementTooLong', file, tokenSpan(at), `statement too long: more than ${MAX_STATEMENT_TOKENS.toLocaleString('en-US')} tokens`, 'split it into several statements (a long IN list into a table to join)')
        : diagnostic('nestingTooDeep', file, tokenSpan(at), `nesting too deep: more than ${MAX_NESTING} levels of parentheses, brackets, CASE or prefix operators`),
    );
    const name = definedName(patched.slice(from, to));
    if (name) incompleteNames.add(name);
  }
  let parserInput = patched;
  if (tooDeep.length > 0) {
    parserInput = [];
    let next = 0;
    for (const { from, to } of tooDeep) {
      parserInput.push(...patched.slice(next, from));
      next = to;
    }
    parserInput.push(...patched.slice(next));
  }

  const parsed = parseInBatches(parserInput);
  const statementNodes = parsed.statements;
  const nodeStarts = statementNodes.map((node) => allTokensOf(node)[0]?.startOffset ?? Infinity);
  // Where statements end: every ';' of the input, including those error recovery skipped.
  const statementEnds = parserInput.filter((t) => t.tokenType === Semicolon).map((t) => t.startOffset);
  const allSyntaxErrors = parsed.errors.map((e) => parserDiagnostic(e, text, file));
  const starts = parserInput.map((t) => t.startOffset);
  const budget = { tokens: HINT_BUDGET };
  const syntaxErrors = firstErrorPerStatement(allSyntaxErrors, diagnostics, statementEnds).map((d) => withHint(d, file, parserInput, firstAtLeast(starts, d.span.start), budget));
  // Every error, reported or not, keeps its statement out of the AST.
  const errorOffsets = [...allSyntaxErrors, ...diagnostics.filter((d) => d.code !== 'CQL1012')].map((d) => d.span.start).sort((a, b) => a - b);
  diagnostics.push(...syntaxErrors);

  const statements: A.Statement[] = [];
  const semicolons = parsed.semicolons.map((t) => t.startOffset).sort((a, b) => a - b);

  let previousEnd = -1;
  let previousHadError = false;
  for (const [index, node] of statementNodes.entries()) {
    const toks = allTokensOf(node);
    const first = toks[0];
    const last = toks[toks.length - 1];
    if (!first || !last) continue;
    const start = first.startOffset;
    const end = (last.endOffset ?? last.startOffset) + 1;
    if (previousEnd >= 0 && !previousHadError && !anyWithin(semicolons, previousEnd, start - 1)) {
      diagnostics.push(diagnostic('missingSemicolon', file, tokenSpan(first), `expected ';' before '${first.image}': statements end with ';'`));
    }
    previousEnd = end;
    // A statement owns the text up to its ';' included, or up to the first token of the next
    // statement included (an error there was raised before that statement began): an error in
    // it, such as a stray character after a complete query, means the statement is not what
    // was meant.
    const semicolon = statementEnds[firstAtLeast(statementEnds, end)] ?? text.length;
    const extent = Math.max(end, Math.min(semicolon, nodeStarts[index + 1] ?? Infinity));
    const hasError = node.recoveredNode === true || anyWithin(errorOffsets, index === 0 ? start : start + 1, extent);
    previousHadError = hasError;
    if (hasError) {
      const name = definedName(toks);
      if (name) incompleteNames.add(name);
      continue;
    }
    let statement: A.Statement;
    try {
      statement = buildStatement(node);
    } catch (e) {
      if (!(e instanceof IncompleteSyntax)) throw e;
      // The parser accepted the statement, so the AST builder must say why it cannot build it:
      // a statement is never dropped in silence.
      diagnostics.push(
        e.problem
          ? diagnostic('syntaxError', file, e.problem.span, e.problem.message, e.problem.hint)
          : diagnostic('internalError', file, tokenSpan(first), `internal error: the statement could not be built (${e.message})`),
      );
      const name = definedName(toks);
      if (name) incompleteNames.add(name);
      continue;
    }
    const deep = nodeDeeperThan(statement, MAX_SYNTAX_DEPTH);
    if (deep) {
      diagnostics.push(
        diagnostic('nestingTooDeep', file, deep.span, `expression too deeply nested: its syntax tree is more than ${MAX_SYNTAX_DEPTH} levels deep`, 'split it into smaller expressions; a long chain of OR can often be written with IN (…)'),
      );
      const name = definedName(toks);
      if (name) incompleteNames.add(name);
      continue;
    }
    statements.push(statement);
  }
  const script: A.Script = { kind: 'Script', statements, span: spanAt(text, 0, text.length) };
  return { script, diagnostics, incompleteNames };
}

/** The name a CREATE statement defines, read from its first tokens. */
function definedName(toks: IToken[]): string | undefined {
  const words = toks.slice(0, 3).map((t) => t.tokenType.name);
  if (words[0] === 'Create' && (words[1] === 'Stream' || words[1] === 'Table') && toks[2]) {
    return nameOf(toks[2]).text;
  }
  return undefined;
}

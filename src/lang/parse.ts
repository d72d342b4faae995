/**
 * Text to AST: lexing, parsing with error recovery and CST-to-AST building (LANGUAGE.md
 * sections 1 and 9). Returns every syntax error at once; statements that have one are left out
 * of the AST, and the names they would have defined are reported so that the analyser does not
 * cascade "unknown stream" errors from them.
 */
import { EOF, type ILexingError, type IRecognitionException, type IToken, type CstNode } from 'chevrotain';
import type * as A from './ast.js';
import { cqlLexer, QuotedIdentifier, StringLiteral, UnterminatedComment, UnterminatedQuotedIdentifier, UnterminatedString } from './tokens.js';
import { cqlParser } from './parser.js';
import { allTokensOf, buildStatement, IncompleteSyntax, nameOf, tokenSpan } from './cst-to-ast.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import type { Span } from '../model/span.js';

export interface ParseResult {
  readonly script: A.Script;
  readonly diagnostics: readonly Diagnostic[];
  /** Names of streams and tables whose definitions had syntax errors. */
  readonly incompleteNames: ReadonlySet<string>;
}

/** The position of `offset` in `text`, as a one-character span. */
export function spanAt(text: string, offset: number, length = 1): Span {
  let line = 1;
  let lineStart = 0;
  const stop = Math.min(offset, text.length);
  for (let i = 0; i < stop; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = offset - lineStart + 1;
  return { start: offset, end: offset + length, line, column, endLine: line, endColumn: column + Math.max(0, length - 1) };
}

function lexingDiagnostic(error: ILexingError, text: string, file: string): Diagnostic {
  const span = spanAt(text, error.offset, Math.max(1, error.length));
  const ch = text[error.offset] ?? '';
  return diagnostic('unexpectedCharacter', file, span, `unexpected character '${ch}'`);
}

function errorTokenDiagnostic(token: IToken, file: string): Diagnostic {
  const span = tokenSpan(token);
  if (token.tokenType === UnterminatedString) {
    return diagnostic('unterminatedString', file, span, 'unterminated string: a string ends with a single quote', "double a quote inside a string: 'it''s'");
  }
  if (token.tokenType === UnterminatedComment) {
    return diagnostic('unterminatedComment', file, span, "unterminated block comment: '/*' has no matching '*/'");
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

export function parseScript(text: string, file = '<script>'): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lexed = cqlLexer.tokenize(text);
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
  }

  cqlParser.input = patched;
  const cst = cqlParser.script();
  const syntaxErrors = cqlParser.errors.map((e) => parserDiagnostic(e, text, file));
  diagnostics.push(...syntaxErrors);

  const statements: A.Statement[] = [];
  const incompleteNames = new Set<string>();
  const statementNodes = (cst.children['statement'] ?? []) as CstNode[];
  const semicolons = ((cst.children['Semicolon'] ?? []) as IToken[]).map((t) => t.startOffset);
  const errorOffsets = [...syntaxErrors, ...diagnostics.filter((d) => d.code !== 'CQL1012')].map((d) => d.span.start);

  let previousEnd = -1;
  let previousHadError = false;
  for (const node of statementNodes) {
    const toks = allTokensOf(node);
    const first = toks[0];
    const last = toks[toks.length - 1];
    if (!first || !last) continue;
    const start = first.startOffset;
    const end = (last.endOffset ?? last.startOffset) + 1;
    if (previousEnd >= 0 && !previousHadError && !semicolons.some((s) => s >= previousEnd && s < start)) {
      diagnostics.push(diagnostic('missingSemicolon', file, tokenSpan(first), `expected ';' before '${first.image}': statements end with ';'`));
    }
    previousEnd = end;
    const hasError = node.recoveredNode === true || errorOffsets.some((o) => o >= start && o <= end);
    previousHadError = hasError;
    if (hasError) {
      const name = definedName(toks);
      if (name) incompleteNames.add(name);
      continue;
    }
    try {
      statements.push(buildStatement(node));
    } catch (e) {
      if (!(e instanceof IncompleteSyntax)) throw e;
      const name = definedName(toks);
      if (name) incompleteNames.add(name);
    }
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

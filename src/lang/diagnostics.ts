/**
 * Errors are data (LANGUAGE.md section 9). A diagnostic has a stable code — `CQL` and four
 * digits, grouped by phase: 1xxx syntax, 2xxx names and types, 3xxx query structure and plan,
 * 4xxx run-time rejections — a message, the file and position, and an optional hint. Every
 * message comes from the catalogue below; nothing a user writes makes the front end throw.
 */
import type { Span } from '../model/span.js';

export type DiagnosticCategory =
  | 'syntax'
  | 'unknown-name'
  | 'duplicate-name'
  | 'type-mismatch'
  | 'invalid-query'
  | 'pattern-rule'
  | 'missing-within'
  | 'unsupported'
  | 'internal';

export interface Diagnostic {
  readonly code: string;
  readonly category: DiagnosticCategory;
  readonly severity: 'error';
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly span: Span;
  /** A likely fix: `did you mean 'amount'?`. */
  readonly hint?: string;
}

interface Entry {
  readonly code: string;
  readonly category: DiagnosticCategory;
}

/** The catalogue: one entry per kind of error, with its code and category. */
export const CATALOGUE = {
  unexpectedCharacter: { code: 'CQL1001', category: 'syntax' },
  unterminatedString: { code: 'CQL1002', category: 'syntax' },
  unterminatedComment: { code: 'CQL1003', category: 'syntax' },
  unterminatedQuotedIdentifier: { code: 'CQL1004', category: 'syntax' },
  syntaxError: { code: 'CQL1010', category: 'syntax' },
  missingSemicolon: { code: 'CQL1011', category: 'syntax' },
  invalidNumber: { code: 'CQL1012', category: 'syntax' },
  nestingTooDeep: { code: 'CQL1013', category: 'syntax' },
  emptyIdentifier: { code: 'CQL1014', category: 'syntax' },
  statementTooLong: { code: 'CQL1015', category: 'syntax' },

  unknownStream: { code: 'CQL2001', category: 'unknown-name' },
  unknownColumn: { code: 'CQL2002', category: 'unknown-name' },
  unknownAlias: { code: 'CQL2003', category: 'unknown-name' },
  unknownFunction: { code: 'CQL2004', category: 'unknown-name' },
  unknownType: { code: 'CQL2005', category: 'unknown-name' },
  unknownUnit: { code: 'CQL2006', category: 'unknown-name' },
  unknownOption: { code: 'CQL2007', category: 'unknown-name' },
  duplicateStream: { code: 'CQL2010', category: 'duplicate-name' },
  duplicateColumn: { code: 'CQL2011', category: 'duplicate-name' },
  duplicateOutputColumn: { code: 'CQL2012', category: 'duplicate-name' },
  duplicateAlias: { code: 'CQL2013', category: 'duplicate-name' },
  ambiguousColumn: { code: 'CQL2014', category: 'unknown-name' },
  typeMismatch: { code: 'CQL2020', category: 'type-mismatch' },
  notBoolean: { code: 'CQL2021', category: 'type-mismatch' },
  wrongArgumentCount: { code: 'CQL2022', category: 'type-mismatch' },
  invalidCast: { code: 'CQL2023', category: 'type-mismatch' },
  invalidOptionValue: { code: 'CQL2024', category: 'type-mismatch' },
  invalidFieldAccess: { code: 'CQL2025', category: 'type-mismatch' },

  missingWithin: { code: 'CQL3001', category: 'missing-within' },
  laterAlias: { code: 'CQL3002', category: 'pattern-rule' },
  bareKleeneReference: { code: 'CQL3003', category: 'pattern-rule' },
  notPlacement: { code: 'CQL3004', category: 'pattern-rule' },
  patternBoundary: { code: 'CQL3005', category: 'pattern-rule' },
  partitionColumnMissing: { code: 'CQL3006', category: 'pattern-rule' },
  invalidQuantifier: { code: 'CQL3007', category: 'pattern-rule' },
  notAliasOutside: { code: 'CQL3008', category: 'pattern-rule' },
  invalidGroup: { code: 'CQL3009', category: 'pattern-rule' },
  kleeneAggregateMisuse: { code: 'CQL3010', category: 'pattern-rule' },
  clauseNotAllowed: { code: 'CQL3020', category: 'invalid-query' },
  duplicateClause: { code: 'CQL3021', category: 'invalid-query' },
  invalidWindow: { code: 'CQL3022', category: 'invalid-query' },
  aggregateMisuse: { code: 'CQL3023', category: 'invalid-query' },
  notGrouped: { code: 'CQL3024', category: 'invalid-query' },
  invalidJoin: { code: 'CQL3025', category: 'invalid-query' },
  invalidTable: { code: 'CQL3026', category: 'invalid-query' },
  outputNeedsName: { code: 'CQL3027', category: 'invalid-query' },
  streamInUse: { code: 'CQL3028', category: 'invalid-query' },
  cycle: { code: 'CQL3029', category: 'invalid-query' },
  invalidDuration: { code: 'CQL3030', category: 'invalid-query' },
  derivationTooDeep: { code: 'CQL3031', category: 'invalid-query' },
  notSupportedYet: { code: 'CQL3090', category: 'unsupported' },

  internalError: { code: 'CQL9999', category: 'internal' },
} as const satisfies Record<string, Entry>;

export type DiagnosticKind = keyof typeof CATALOGUE;

/** Builds a diagnostic of a catalogue entry. */
export function diagnostic(kind: DiagnosticKind, file: string, span: Span, message: string, hint?: string): Diagnostic {
  const entry: Entry = CATALOGUE[kind];
  const d: Diagnostic = {
    code: entry.code,
    category: entry.category,
    severity: 'error',
    message,
    file,
    line: span.line,
    column: span.column,
    span,
    ...(hint === undefined ? {} : { hint }),
  };
  return d;
}

/** `did you mean 'amount'?`, or undefined when there is no suggestion. */
export function didYouMean(suggestion: string | undefined): string | undefined {
  return suggestion === undefined ? undefined : `did you mean '${suggestion}'?`;
}

/** Sorts by position, then code: the order `check` prints. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) => a.file.localeCompare(b.file) || a.span.start - b.span.start || a.code.localeCompare(b.code),
  );
}

/**
 * Renders a diagnostic the way `cepheus check` prints it:
 *
 *     txn.cql:3:8: error[CQL2002]: unknown column 'amout' in stream 'Txn'
 *       3 | SELECT amout FROM Txn
 *         |        ^^^^^
 *         = help: did you mean 'amount'?
 */
/** How much of a long source line a rendered diagnostic shows. */
const SHOWN = 160;

/** The line of `source` holding `offset`, without its line break (found from the offset: a script of many errors must not split the whole text for each). */
function lineAt(source: string, offset: number): string {
  const at = Math.min(Math.max(0, offset), source.length);
  const start = at === 0 ? 0 : source.lastIndexOf('\n', at - 1) + 1;
  const newline = source.indexOf('\n', at);
  const line = source.slice(start, newline === -1 ? source.length : newline);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

export function renderDiagnostic(d: Diagnostic, source: string | undefined): string {
  const head = `${d.file}:${d.line}:${d.column}: error[${d.code}]: ${d.message}`;
  const lines = [head];
  const lineNo = String(d.line);
  const pad = ' '.repeat(lineNo.length);
  if (source !== undefined) {
    const text = lineAt(source, d.span.start).replace(/\t/g, ' ');
    const start = Math.max(0, d.column - 1);
    const lastColumn = d.span.endLine === d.line ? d.span.endColumn : text.length;
    const width = Math.max(1, Math.min(lastColumn, Math.max(text.length, start + 1)) - start);
    // A long line is shown around the error, cut with '…' (a generated script may have a
    // megabyte on one line).
    const from = text.length > SHOWN ? Math.max(0, Math.min(start - 40, text.length - SHOWN)) : 0;
    const before = from > 0 ? '…' : '';
    const shown = text.length > SHOWN ? `${before}${text.slice(from, from + SHOWN)}${from + SHOWN < text.length ? '…' : ''}` : text;
    lines.push(`${lineNo} | ${shown}`);
    lines.push(`${pad} | ${' '.repeat(start - from + before.length)}${'^'.repeat(Math.min(width, SHOWN - (start - from)))}`);
  }
  if (d.hint) lines.push(`${pad} = help: ${d.hint}`);
  return lines.join('\n');
}

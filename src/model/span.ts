/**
 * A range of source text. Offsets are 0-based and `end` is exclusive; lines and columns are
 * 1-based, as editors show them. `endLine`/`endColumn` name the last character's position.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** The smallest span that covers both. */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.start <= b.start ? a : b;
  const last = a.end >= b.end ? a : b;
  return {
    start: first.start,
    line: first.line,
    column: first.column,
    end: last.end,
    endLine: last.endLine,
    endColumn: last.endColumn,
  };
}

export const EMPTY_SPAN: Span = { start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 };

/**
 * The value types of CQL (LANGUAGE.md section 2). `NULL` is the type of the literal NULL only:
 * it is compatible with every other type. `JSON` is any value, read with field paths; it is
 * checked when the event arrives, not at deploy time.
 */
export type CqlType = 'STRING' | 'INT' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP' | 'JSON' | 'NULL';

/** The types a schema column may be declared with. */
export const COLUMN_TYPES = ['STRING', 'INT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'JSON'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export function isColumnType(name: string): name is ColumnType {
  return (COLUMN_TYPES as readonly string[]).includes(name);
}

export function isNumeric(t: CqlType): boolean {
  return t === 'INT' || t === 'DOUBLE' || t === 'NULL' || t === 'JSON';
}

/** A column of a stream or table schema. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
}

/** The shape of a stream's or table's events. Column order is the declared order. */
export interface Schema {
  readonly columns: readonly Column[];
  /**
   * Set while checking a script on a derived stream whose query had errors: its columns may not
   * be the ones meant, so a column not found in it is not reported (LANGUAGE.md section 9:
   * every error is reported, and none cascades into the statements that read it).
   */
  readonly uncertain?: boolean;
}

export function findColumn(schema: Schema, name: string): Column | undefined {
  return schema.columns.find((c) => c.name === name);
}

/** Window kinds and their sizes (milliseconds, or events for the count windows). */
export type WindowSpec =
  | { readonly kind: 'tumbling'; readonly size: number }
  | { readonly kind: 'hopping'; readonly size: number; readonly advance: number }
  | { readonly kind: 'sliding'; readonly size: number }
  | { readonly kind: 'session'; readonly gap: number }
  | { readonly kind: 'tumblingCount'; readonly size: number }
  | { readonly kind: 'slidingCount'; readonly size: number };

/**
 * Reference validation of source events (LANGUAGE.md section 2): an event is a JSON object;
 * columns not in the schema are ignored; a missing column is NULL; an event is rejected when it
 * is not an object, a NOT NULL column is missing, a value has the wrong type (no coercion), or
 * its timestamp is missing or unparseable.
 */
import { DateTime } from 'luxon';
import type { StreamDefinition } from '../../src/analysis/bound.js';
import type { ColumnType } from '../../src/model/types.js';
import type { Row } from './evaluate.js';

export type Validation =
  | { readonly ok: true; readonly ts: number; readonly data: Row }
  | { readonly ok: false; readonly reason: string };

const WRONG = Symbol('wrong type');

/**
 * A TIMESTAMP value as epoch milliseconds: a safe integer, an ISO-8601 string (in the stream's
 * `timezone` when it has no offset, else UTC), or a string in the stream's `timestamp_format`.
 */
export function parseTimestamp(v: unknown, def: StreamDefinition): number | typeof WRONG {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : WRONG;
  if (typeof v !== 'string') return WRONG;
  const zone = def.timezone ?? 'utc';
  const iso = DateTime.fromISO(v, { zone });
  if (iso.isValid) return iso.toMillis();
  if (def.timestampFormat !== undefined) {
    const formatted = DateTime.fromFormat(v, def.timestampFormat, { zone });
    if (formatted.isValid) return formatted.toMillis();
  }
  return WRONG;
}

/** The validated value of one column (TIMESTAMPs become epoch ms), or WRONG. */
function checkValue(v: unknown, type: ColumnType, def: StreamDefinition): unknown {
  switch (type) {
    case 'STRING':
      return typeof v === 'string' ? v : WRONG;
    case 'INT':
      return Number.isSafeInteger(v) ? v : WRONG;
    case 'DOUBLE':
      return typeof v === 'number' && Number.isFinite(v) ? v : WRONG;
    case 'BOOLEAN':
      return typeof v === 'boolean' ? v : WRONG;
    case 'TIMESTAMP':
      return parseTimestamp(v, def);
    case 'JSON':
      return v;
  }
}

export function validateEvent(def: StreamDefinition, raw: unknown): Validation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  const source = raw as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  for (const column of def.schema.columns) {
    const v = Object.hasOwn(source, column.name) ? source[column.name] : undefined;
    if (v === undefined || v === null) {
      if (column.notNull) return { ok: false, reason: `missing NOT NULL column '${column.name}'` };
      data[column.name] = null;
      continue;
    }
    const checked = checkValue(v, column.type, def);
    if (checked === WRONG) return { ok: false, reason: `wrong type for column '${column.name}' (${column.type})` };
    data[column.name] = checked;
  }
  if (def.timestamp === undefined) throw new Error(`reference: stream '${def.name}' has no timestamp column`);
  const ts = data[def.timestamp];
  if (typeof ts !== 'number') return { ok: false, reason: 'missing timestamp' };
  return { ok: true, ts, data };
}

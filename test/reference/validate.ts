/**
 * Reference validation of source events (LANGUAGE.md section 2): an event is a JSON object;
 * columns not in the schema are ignored; a missing column is NULL; an event is rejected when it
 * is not an object, a NOT NULL column is missing, a value has the wrong type (no coercion), or
 * its timestamp is missing or unparseable.
 */
import { DateTime, Settings } from 'luxon';
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
  // The instants of a JavaScript Date.
  if (typeof v === 'number') return Number.isSafeInteger(v) && Math.abs(v) <= 8.64e15 ? v : WRONG;
  if (typeof v !== 'string') return WRONG;
  const zone = def.timezone ?? 'utc';
  const iso = clockFree(() => DateTime.fromISO(v, { zone }));
  if (iso !== null) return iso;
  if (def.timestampFormat !== undefined) {
    const formatted = atEpoch(() => DateTime.fromFormat(v, def.timestampFormat!, { zone }));
    if (formatted !== null) return formatted;
  }
  return WRONG;
}

/**
 * Luxon fills what a text leaves out (the date of `05:06`, the year of `MM/dd`) from its clock.
 * The reference asks it at two different clocks: text whose reading moves with the clock has
 * no date, and is not a TIMESTAMP (ISO-8601); a format is read with the clock at 1970-01-01, so
 * that what it leaves out is taken from there (as ksqlDB's PARSE_TIMESTAMP does).
 */
export function clockFree(parse: () => DateTime): number | null {
  const a = atClock(Date.UTC(1970, 0, 1, 12), parse);
  const b = atClock(Date.UTC(2001, 6, 15, 12), parse);
  return a !== null && a === b ? a : null;
}

export function atEpoch(parse: () => DateTime): number | null {
  // Noon UTC is 1970-01-01 in every zone.
  return atClock(Date.UTC(1970, 0, 1, 12), parse);
}

function atClock(now: number, parse: () => DateTime): number | null {
  const saved = Settings.now;
  Settings.now = () => now;
  try {
    const d = parse();
    return d.isValid ? d.toMillis() : null;
  } finally {
    Settings.now = saved;
  }
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
      return depthOf(v) > 256 ? WRONG : v;
  }
}

/** How many levels of objects and arrays a value nests (0 for a scalar). */
function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  let most = 0;
  for (const x of Object.values(v)) most = Math.max(most, depthOf(x));
  return 1 + most;
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

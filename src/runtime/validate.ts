/**
 * Event validation (LANGUAGE.md section 2): an event is a JSON object; columns not in the schema
 * are ignored and a missing column is NULL. It is rejected — never processed — when it is not an
 * object, a NOT NULL column is missing, a value has the wrong type (no coercion: "12" is not a
 * DOUBLE), or its timestamp is missing or unparseable. TIMESTAMP values become epoch ms.
 */
import { DateTime } from 'luxon';
import type { Column } from '../model/types.js';
import type { Row } from './row.js';

export interface StreamShape {
  readonly name: string;
  readonly columns: readonly Column[];
  /** The event-time column, if the stream has one. */
  readonly timestamp: string | undefined;
  readonly timestampFormat: string | undefined;
  readonly timezone: string | undefined;
}

export type Validated = { readonly ok: true; readonly row: Row; readonly time: number | undefined } | { readonly ok: false; readonly reason: string };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}

/** Epoch milliseconds of a TIMESTAMP value, or undefined when it is not one. */
export function parseTimestamp(value: unknown, format: string | undefined, zone: string | undefined): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const options = { zone: zone ?? 'utc', setZone: false };
  let parsed = DateTime.fromISO(value, options);
  if (!parsed.isValid && format) parsed = DateTime.fromFormat(value, format, options);
  return parsed.isValid ? parsed.toMillis() : undefined;
}

/** A validator for the events of one stream or table. */
export function compileValidator(shape: StreamShape): (event: unknown) => Validated {
  const columns = shape.columns;
  return (event) => {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      return { ok: false, reason: `an event must be a JSON object, not ${describe(event)}` };
    }
    const input = event as Record<string, unknown>;
    const row: Record<string, unknown> = {};
    for (const c of columns) {
      let v = input[c.name];
      if (v === undefined || v === null) {
        if (c.notNull) return { ok: false, reason: `missing NOT NULL column '${c.name}'` };
        row[c.name] = null;
        continue;
      }
      switch (c.type) {
        case 'STRING':
          if (typeof v !== 'string') return { ok: false, reason: `column '${c.name}' must be STRING, not ${describe(v)}` };
          break;
        case 'INT':
          if (typeof v !== 'number' || !Number.isSafeInteger(v)) return { ok: false, reason: `column '${c.name}' must be INT (a safe integer), not ${describe(v)}` };
          break;
        case 'DOUBLE':
          if (typeof v !== 'number' || !Number.isFinite(v)) return { ok: false, reason: `column '${c.name}' must be DOUBLE, not ${describe(v)}` };
          break;
        case 'BOOLEAN':
          if (typeof v !== 'boolean') return { ok: false, reason: `column '${c.name}' must be BOOLEAN, not ${describe(v)}` };
          break;
        case 'TIMESTAMP': {
          const ms = parseTimestamp(v, shape.timestampFormat, shape.timezone);
          if (ms === undefined) return { ok: false, reason: `column '${c.name}' must be a TIMESTAMP (epoch milliseconds or an ISO-8601 string${shape.timestampFormat ? ` or '${shape.timestampFormat}'` : ''}), not ${describe(v)}` };
          v = ms;
          break;
        }
        case 'JSON':
          break;
      }
      row[c.name] = v;
    }
    let time: number | undefined;
    if (shape.timestamp !== undefined) {
      const t = row[shape.timestamp];
      if (typeof t !== 'number') return { ok: false, reason: `missing timestamp '${shape.timestamp}'` };
      time = t;
    }
    return { ok: true, row, time };
  };
}

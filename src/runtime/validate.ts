/**
 * Event validation (LANGUAGE.md section 2): an event is a JSON object; columns not in the schema
 * are ignored and a missing column is NULL. It is rejected — never processed — when it is not an
 * object, a NOT NULL column is missing, a value has the wrong type (no coercion: "12" is not a
 * DOUBLE), or its timestamp is missing or unparseable. TIMESTAMP values become epoch ms.
 */
import type { Column } from '../model/types.js';
import { isPrototypeName, objectKey, type Row } from './row.js';
import { fromFormat, fromIso, MAX_TIME } from './timestamps.js';

export interface StreamShape {
  readonly name: string;
  readonly columns: readonly Column[];
  /** The event-time column, if the stream has one. */
  readonly timestamp: string | undefined;
  readonly timestampFormat: string | undefined;
  readonly timezone: string | undefined;
}

/** A valid event's row, or the reason it is rejected. */
export type Validated = Row | string;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * How deeply a JSON column's value may nest: deeper values are rejected, as a line too deep for
 * JSON.stringify to write again (about 3,000 levels, less inside deep processing) would lose
 * its outputs. Real payloads nest a few levels.
 */
export const MAX_JSON_DEPTH = 256;

/** Whether a value nests objects or arrays more than `depth` levels deep. */
function tooDeep(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth === 0) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (tooDeep(v, depth - 1)) return true;
  return false;
}

/**
 * What `_rejected` shows of a rejected event: the event, or, when it nests too deep to be
 * written out (the reason it was rejected), a copy cut at MAX_JSON_DEPTH levels, with '…' for
 * what was below.
 */
export function shownEvent(event: unknown): unknown {
  try {
    return tooDeep(event, MAX_JSON_DEPTH) ? cut(event, MAX_JSON_DEPTH) : event;
  } catch {
    // An object built in code whose fields cannot be read (a throwing getter, a proxy) is shown as it is.
    return event;
  }
}

function cut(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth === 0) return '…';
  if (Array.isArray(value)) return value.map((v) => cut(v, depth - 1));
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(copy, k, { value: cut(v, depth - 1), enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Epoch milliseconds of a TIMESTAMP value, or undefined when it is not one. */
export function parseTimestamp(value: unknown, format: string | undefined, zone: string | undefined): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && Math.abs(value) <= MAX_TIME ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const options = { zone: zone ?? 'utc', setZone: false };
  let parsed = fromIso(value, options);
  if (!parsed.isValid && format) parsed = fromFormat(value, format, options);
  return parsed.isValid ? parsed.toMillis() : undefined;
}

/**
 * A validator for the events of one stream or table, generated as straight-line code per column
 * (column names enter the code only as JSON string literals). It returns the event's row — the
 * schema's columns only, TIMESTAMPs as epoch ms — or the reason for rejecting it.
 */
export function compileValidator(shape: StreamShape): (event: unknown) => Validated {
  const lines: string[] = [
    'if (typeof e !== "object" || e === null || Array.isArray(e)) return "an event must be a JSON object, not " + describe(e);',
  ];
  const fields: string[] = [];
  shape.columns.forEach((c, i) => {
    const name = JSON.stringify(c.name);
    const v = `v${i}`;
    fields.push(`${objectKey(c.name)}: ${v}`);
    // A column called `constructor` or `toString` is read only as the event's own field: an
    // event without it has it NULL, not Object.prototype's function.
    lines.push(isPrototypeName(c.name) ? `let ${v} = Object.hasOwn(e, ${name}) ? e[${name}] : undefined;` : `let ${v} = e[${name}];`);
    const missing = c.notNull ? `return ${JSON.stringify(`missing NOT NULL column '${c.name}'`)};` : `${v} = null;`;
    const wrong = (type: string) => `return ${JSON.stringify(`column '${c.name}' must be ${type}, not `)} + describe(${v});`;
    let check: string;
    switch (c.type) {
      case 'STRING':
        check = `if (typeof ${v} !== "string") ${wrong('STRING')}`;
        break;
      case 'INT':
        check = `if (typeof ${v} !== "number" || !Number.isSafeInteger(${v})) ${wrong('INT (a safe integer)')}`;
        break;
      case 'DOUBLE':
        check = `if (typeof ${v} !== "number" || !Number.isFinite(${v})) ${wrong('DOUBLE')}`;
        break;
      case 'BOOLEAN':
        check = `if (typeof ${v} !== "boolean") ${wrong('BOOLEAN')}`;
        break;
      case 'TIMESTAMP': {
        const what = `a TIMESTAMP (epoch milliseconds or an ISO-8601 string${shape.timestampFormat ? ` or '${shape.timestampFormat}'` : ''})`;
        check = `if (typeof ${v} !== "number" || !Number.isSafeInteger(${v}) || ${v} > ${MAX_TIME} || ${v} < -${MAX_TIME}) { const ms = parse(${v}); if (ms === undefined) ${wrong(what)} ${v} = ms; }`;
        break;
      }
      case 'JSON':
        check = `if (typeof ${v} === "object" && tooDeep(${v}, ${MAX_JSON_DEPTH})) return ${JSON.stringify(`column '${c.name}' nests deeper than ${MAX_JSON_DEPTH} levels`)};`;
        break;
    }
    lines.push(`if (${v} === undefined || ${v} === null) { ${missing} } else { ${check} }`);
  });
  if (shape.timestamp !== undefined) {
    const i = shape.columns.findIndex((c) => c.name === shape.timestamp);
    lines.push(`if (typeof v${i} !== "number") return ${JSON.stringify(`missing timestamp '${shape.timestamp}'`)};`);
  }
  lines.push(`return { ${fields.join(', ')} };`);
  const parse = (value: unknown) => parseTimestamp(value, shape.timestampFormat, shape.timezone);
  const factory = new Function('describe', 'parse', 'tooDeep', `"use strict";\nreturn function validate(e) {\n${lines.join('\n')}\n};`);
  return factory(describe, parse, tooDeep) as (event: unknown) => Validated;
}

/**
 * WITH options of streams, tables and derived streams (LANGUAGE.md section 2): the event-time
 * column and its format, and the connector options the engine's sources and sinks read.
 */
import type * as A from '../lang/ast.js';
import { didYouMean } from '../lang/diagnostics.js';
import type { Column } from '../model/types.js';
import { resolveZone } from '../model/zones.js';
import { closestMatch } from '../util/edit-distance.js';
import { report, type AnalysisContext } from './context.js';


export type OptionKind = 'column' | 'timestampColumn' | 'timezone' | 'string' | 'positiveInt';

export const SOURCE_OPTIONS: Record<string, OptionKind> = {
  timestamp: 'timestampColumn',
  timestamp_format: 'string',
  timezone: 'timezone',
  source: 'string',
  topic: 'string',
  key: 'column',
  format: 'string',
  path: 'string',
};

export const SINK_OPTIONS: Record<string, OptionKind> = {
  sink: 'string',
  topic: 'string',
  key: 'column',
  format: 'string',
  partitions: 'positiveInt',
  replicas: 'positiveInt',
};

/** As the time functions read zones (model/zones.ts): IANA names, `UTC`, offsets such as `UTC+3`. */
function isValidTimezone(zone: string): boolean {
  return resolveZone(zone) !== null;
}

export function buildOptions(
  ctx: AnalysisContext,
  options: readonly A.WithOption[],
  allowed: Record<string, OptionKind>,
  columns: readonly Column[],
  what: string,
): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const option of options) {
    const name = option.name.text.toLowerCase();
    const kind = allowed[name];
    const value = option.value.value;
    if (kind === undefined) {
      const other = name === 'sink' ? 'a source stream cannot have a sink; CREATE STREAM … AS SELECT writes one' : name === 'timestamp' || name === 'source' ? `a derived stream takes no '${name}': its events carry the time of the events that produced them` : undefined;
      report(ctx, 'unknownOption', option.name.span, `unknown option '${option.name.text}' for ${what}`, other ?? didYouMean(closestMatch(name, Object.keys(allowed))) ?? `options: ${Object.keys(allowed).join(', ')}`);
      continue;
    }
    if (name in result) {
      report(ctx, 'unknownOption', option.name.span, `option '${name}' is given twice`);
      continue;
    }
    if (kind === 'positiveInt') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        report(ctx, 'invalidOptionValue', option.value.span, `option '${name}' must be a positive whole number`);
        continue;
      }
    } else if (typeof value !== 'string') {
      report(ctx, 'invalidOptionValue', option.value.span, `option '${name}' must be a string in single quotes`);
      continue;
    } else if (kind === 'column' || kind === 'timestampColumn') {
      const column = columns.find((c) => c.name === value);
      if (!column) {
        report(ctx, 'unknownColumn', option.value.span, `option '${name}' names column '${value}', which ${what} does not have`, didYouMean(closestMatch(value, columns.map((c) => c.name))));
        continue;
      }
      if (kind === 'timestampColumn' && column.type !== 'TIMESTAMP') {
        report(ctx, 'typeMismatch', option.value.span, `the timestamp column '${value}' must be declared TIMESTAMP, not ${column.type}`, 'a TIMESTAMP column accepts epoch milliseconds, ISO-8601 strings and strings in timestamp_format');
        continue;
      }
    } else if (kind === 'timezone' && !isValidTimezone(value)) {
      report(ctx, 'invalidOptionValue', option.value.span, `unknown time zone '${value}'`, "use an IANA zone such as 'Europe/London', 'UTC', or an offset such as 'UTC+3'");
      continue;
    }
    result[name] = value;
  }
  return result;
}

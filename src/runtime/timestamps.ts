/**
 * Reading TIMESTAMP text (events, CAST, PARSE_TIMESTAMP) so that the result depends only on the
 * text: luxon fills the date of a time-only text (`05:06:07`, `HH:mm`) and the year of a
 * `MM/dd` one from the machine's clock, which would make the same input give other output on
 * another day (LANGUAGE.md sections 3 and 10).
 *
 * - ISO-8601 text must carry a date: a time alone is not a TIMESTAMP (it is rejected, or a CAST
 *   fault), as PostgreSQL's `'05:06'::timestamp` is an error.
 * - A format without a year reads the missing date fields from 1970-01-01, as ksqlDB's
 *   PARSE_TIMESTAMP does (Java's formatter defaults).
 */
import { DateTime, type DateTimeOptions } from 'luxon';

/**
 * Whether ISO-8601 text that luxon accepts has a date: an extended date (`2024-01-02`,
 * `+002024-01`, `2024-045`), a week date (`2024W05`), a date and time (`…T…`), or a basic date
 * of four digits or more (`2024`, `20240102`). Luxon reads the others — `05:06`, `05`, `0506Z`,
 * `050607.5`, `050607+01:00` — as a time of today.
 */
function hasDate(text: string): boolean {
  return /^(?:[+-]\d{6}|\d{4})-|[TW]/.test(text) || /^\d{4,}$/.test(text);
}

/** ISO-8601 text with a date, as a luxon DateTime (invalid when it is not one). */
export function fromIso(text: string, options: DateTimeOptions): DateTime {
  const dt = DateTime.fromISO(text, options);
  return !dt.isValid || hasDate(text) ? dt : DateTime.invalid('a time without a date', `${JSON.stringify(text)} has no date`);
}

/** The instants a TIMESTAMP may be, those of a JavaScript Date: ±8.64e15 ms (±273,790 years). */
export const MAX_TIME = 8.64e15;

/** Which date fields a format reads; null when it reads a year (or a week-year), all it needs. */
type MissingDate = { readonly month: boolean; readonly day: boolean } | null;

/** Per format (at most FORMATS of them): the fields a format reads are the same for every text it matches. */
const dateFields = new Map<string, MissingDate>();
const FORMATS = 256;

/**
 * Text in a luxon format (`yyyy-MM-dd HH:mm`), as a DateTime. A format without a year takes its
 * missing date fields from 1970-01-01: `HH:mm` reads `10:00` as 1970-01-01T10:00, `MM/dd` reads
 * `01/02` as 1970-01-02.
 */
export function fromFormat(text: string, format: string, options: DateTimeOptions): DateTime {
  const dt = DateTime.fromFormat(text, format, options);
  if (!dt.isValid) return dt;
  let fields = dateFields.get(format);
  if (fields === undefined) {
    const units = DateTime.fromFormatExplain(text, format, options).result ?? {};
    fields = 'year' in units || 'weekYear' in units ? null : { month: 'month' in units, day: 'day' in units };
    if (dateFields.size >= FORMATS) dateFields.clear();
    dateFields.set(format, fields);
  }
  if (fields === null) return dt;
  return dt.set({ year: 1970, month: fields.month ? dt.month : 1, day: fields.day ? dt.day : 1 });
}

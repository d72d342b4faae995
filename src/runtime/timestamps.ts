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

/** Per format (at most FORMATS of them), whether it reads a year (or a week-year). */
const yearIn = new Map<string, boolean>();
const FORMATS = 256;

/**
 * Text in a luxon format (`yyyy-MM-dd HH:mm`), as a DateTime. A format without a year takes its
 * missing date fields from 1970-01-01: `HH:mm` reads `10:00` as 1970-01-01T10:00, `MM/dd` reads
 * `01/02` as 1970-01-02.
 */
export function fromFormat(text: string, format: string, options: DateTimeOptions): DateTime {
  const dt = DateTime.fromFormat(text, format, options);
  if (!dt.isValid) return dt;
  let withYear = yearIn.get(format);
  if (withYear === undefined) {
    // The fields a format reads are the same for every text it matches.
    const units = DateTime.fromFormatExplain(text, format, options).result ?? {};
    withYear = 'year' in units || 'weekYear' in units;
    if (yearIn.size >= FORMATS) yearIn.clear();
    yearIn.set(format, withYear);
  }
  if (withYear) return dt;
  const units = DateTime.fromFormatExplain(text, format, options).result ?? {};
  return dt.set({ year: 1970, month: 'month' in units ? dt.month : 1, day: 'day' in units ? dt.day : 1 });
}

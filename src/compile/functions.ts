/**
 * The built-in scalar functions at run time (LANGUAGE.md section 4); their signatures are in
 * analysis/functions.ts. Each implementation here is strict — NULL in, NULL out — so a compiled
 * call skips it when an argument is NULL, and receives arguments of the types the analyser
 * checked (a JSON argument of the wrong run-time kind is turned into a fault before the call).
 * The functions that are lazy or look at their arguments' static types (COALESCE, NULLIF,
 * GREATEST, LEAST, CONCAT, NOW) are compiled inline by expressions.ts: see SPECIAL_FORMS.
 *
 * The time functions use luxon. A TIMESTAMP is epoch milliseconds; the default zone is UTC.
 */
import { DateTime, FixedOffsetZone, type Zone } from 'luxon';
import { resolveZone } from '../model/zones.js';
import { fromFormat, MAX_TIME } from '../runtime/timestamps.js';
import { roundHalfAwayFromZero, type Fault } from './values.js';

/** What an implementation may call. */
export interface FunctionContext {
  /** Reports a fault and returns the NULL that replaces the value. */
  readonly fault: Fault;
}

/** A strict built-in: called with non-NULL arguments only (optional arguments may be undefined). */
export type BuiltinImplementation = (ctx: FunctionContext, ...args: never[]) => unknown;

/** Built-ins compiled inline by expressions.ts rather than called through the table. */
export const SPECIAL_FORMS: ReadonlySet<string> = new Set(['COALESCE', 'NULLIF', 'GREATEST', 'LEAST', 'CONCAT', 'NOW']);

// ------------------------------------------------------------------------------------ numbers

function finite(ctx: FunctionContext, name: string, r: number): number | null {
  return Number.isFinite(r) ? r : ctx.fault(`${name} is out of range`);
}

/** An integer argument (decimals of ROUND, positions of SUBSTRING) from a number, as CAST to INT would round it. */
function integerArg(x: number): number {
  return roundHalfAwayFromZero(x, 0);
}

/** ROUND(x[, d]): half away from zero, to `d` decimals (negative: tens, hundreds…); see roundHalfAwayFromZero. */
function round(_ctx: FunctionContext, x: number, d?: number): number {
  if (d === undefined) return roundHalfAwayFromZero(x, 0);
  return roundHalfAwayFromZero(x, Math.max(-400, Math.min(400, integerArg(d))));
}

/** SQRT of a negative number is a fault (PostgreSQL: "cannot take square root of a negative number"). */
function sqrt(ctx: FunctionContext, x: number): number | null {
  return x < 0 ? ctx.fault(`SQRT of a negative number (${x})`) : Math.sqrt(x);
}

/** POWER: a result that is not a finite number (`POWER(-8, 1.0/3)`, `POWER(0, -1)`, overflow) is a fault. */
function power(ctx: FunctionContext, x: number, y: number): number | null {
  return finite(ctx, `POWER(${x}, ${y})`, x ** y);
}

/** LN of zero or a negative number is a fault (PostgreSQL). */
function ln(ctx: FunctionContext, x: number): number | null {
  return x <= 0 ? ctx.fault(`LN of a non-positive number (${x})`) : Math.log(x);
}

function exp(ctx: FunctionContext, x: number): number | null {
  return finite(ctx, `EXP(${x})`, Math.exp(x));
}

/** The Earth radius of the haversine formula, in kilometres: 6371, as ksqlDB's GEO_DISTANCE and most references use. */
const EARTH_RADIUS_KM = 6371;
const RADIANS = Math.PI / 180;

/**
 * GEO_DISTANCE(lat1, lon1, lat2, lon2): the great-circle distance in kilometres by the haversine
 * formula on a sphere of radius 6371 km (London–Paris is about 343.56 km), as in ksqlDB, which
 * has a function of this name and arguments (PostgreSQL has none). A latitude outside [-90, 90]
 * or a longitude outside [-180, 180] is a fault, as ksqlDB refuses it.
 */
function geoDistance(ctx: FunctionContext, lat1: number, lon1: number, lat2: number, lon2: number): number | null {
  if (Math.abs(lat1) > 90 || Math.abs(lat2) > 90) return ctx.fault(`GEO_DISTANCE: a latitude must be between -90 and 90 degrees, not ${Math.abs(lat1) > 90 ? lat1 : lat2}`);
  if (Math.abs(lon1) > 180 || Math.abs(lon2) > 180) return ctx.fault(`GEO_DISTANCE: a longitude must be between -180 and 180 degrees, not ${Math.abs(lon1) > 180 ? lon1 : lon2}`);
  const dLat = (lat2 - lat1) * RADIANS;
  const dLon = (lon2 - lon1) * RADIANS;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RADIANS) * Math.cos(lat2 * RADIANS) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}

// ------------------------------------------------------------------------------------ strings

/** LENGTH counts code points (PostgreSQL counts characters), so an emoji is 1. */
function length(_ctx: FunctionContext, s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

function hasSurrogates(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * SUBSTRING(s, start[, len]) as PostgreSQL: positions are 1-based code points, and the range
 * [start, start + len) is clipped to the string, so `SUBSTRING('hello', 0, 3)` is 'he'. A
 * negative length is a fault (PostgreSQL: "negative substring length not allowed"). Decision:
 * fractional positions round as CAST to INT does.
 */
function substring(ctx: FunctionContext, s: string, start: number, len?: number): string | null {
  const from = integerArg(start);
  let to = Infinity;
  if (len !== undefined) {
    const n = integerArg(len);
    if (n < 0) return ctx.fault(`SUBSTRING with a negative length (${len})`);
    to = from + n;
  }
  const first = Math.max(from, 1);
  if (to <= first) return '';
  if (!hasSurrogates(s)) return s.slice(first - 1, to === Infinity ? undefined : to - 1);
  return Array.from(s)
    .slice(first - 1, to === Infinity ? undefined : to - 1)
    .join('');
}

/**
 * TRIM removes leading and trailing spaces (U+0020) only, as SQL's TRIM without a character
 * list (PostgreSQL); tabs and newlines stay.
 */
function trim(_ctx: FunctionContext, s: string): string {
  return trimEnds(s, ' ', true, true);
}

/**
 * BTRIM, LTRIM and RTRIM (s [, characters]) as PostgreSQL's: the longest run of the given
 * characters (code points; a space by default) is removed from both ends, the start or the end.
 * `TRIM([BOTH | LEADING | TRAILING] [characters] FROM s)` is written as them (cst-to-ast.ts).
 */
function trimEnds(s: string, characters: string, leading: boolean, trailing: boolean): string {
  const set = new Set(Array.from(characters));
  const points = characters.length === set.size && !hasSurrogates(s) ? undefined : Array.from(s);
  const units = points ?? s;
  let start = 0;
  let end = units.length;
  if (leading) while (start < end && set.has(units[start]!)) start++;
  if (trailing) while (end > start && set.has(units[end - 1]!)) end--;
  if (start === 0 && end === units.length) return s;
  return points ? points.slice(start, end).join('') : s.slice(start, end);
}

// --------------------------------------------------------------------------------------- time

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The local time of `ts` in zone `tz` as if it were UTC milliseconds, or null after a fault. */
function localMillis(ctx: FunctionContext, name: string, ts: number, tz: string | undefined): number | null {
  if (!(Math.abs(ts) <= MAX_TIME)) return ctx.fault(`${name}: TIMESTAMP ${ts} is out of range`);
  if (tz === undefined) return ts;
  const zone = resolveZone(tz);
  if (zone === null) return ctx.fault(`${name}: unknown time zone ${JSON.stringify(tz)}`);
  const offset = zoneOffset(zone, ts);
  return Number.isFinite(offset) ? ts + offset * 60_000 : ctx.fault(`${name}: no offset for ${JSON.stringify(tz)} at ${ts}`);
}

const OFFSET_CACHE_LIMIT = 4096;
const offsetCache = new WeakMap<Zone, Map<number, number>>();

/**
 * The zone's offset from UTC in minutes at `ts`. Asking an IANA zone (Intl) takes microseconds,
 * so offsets are cached per zone and hour of UTC: an hour whose first and last millisecond have
 * the same offset has no transition in it (zones change at most once an hour); an hour with a
 * transition is cached as NaN and computed exactly each time.
 */
function zoneOffset(zone: Zone, ts: number): number {
  if (zone.isUniversal) return zone.offset(ts);
  let hours = offsetCache.get(zone);
  if (hours === undefined) offsetCache.set(zone, (hours = new Map()));
  const hour = Math.floor(ts / HOUR_MS);
  let offset = hours.get(hour);
  if (offset === undefined) {
    const first = zone.offset(hour * HOUR_MS);
    offset = first === zone.offset(hour * HOUR_MS + HOUR_MS - 1) ? first : NaN;
    if (hours.size >= OFFSET_CACHE_LIMIT) hours.clear();
    hours.set(hour, offset);
  }
  return Number.isNaN(offset) ? zone.offset(ts) : offset;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** HOUR(ts[, tz]): the hour of the day, 0-23, in the zone (default UTC). */
function hour(ctx: FunctionContext, ts: number, tz?: string): number | null {
  const local = localMillis(ctx, 'HOUR', ts, tz);
  return local === null ? null : mod(Math.floor(local / HOUR_MS), 24);
}

/** DAY_OF_WEEK(ts[, tz]): the ISO day of the week, 1 = Monday … 7 = Sunday, in the zone (default UTC). */
function dayOfWeek(ctx: FunctionContext, ts: number, tz?: string): number | null {
  const local = localMillis(ctx, 'DAY_OF_WEEK', ts, tz);
  // 1970-01-01 was a Thursday (ISO 4).
  return local === null ? null : mod(Math.floor(local / DAY_MS) + 3, 7) + 1;
}

/** Luxon options for a zone argument, or null after a fault. Decision: the locale is always en-US (month names do not depend on the machine). */
function zoneOptions(ctx: FunctionContext, name: string, tz: string | undefined): { zone: Zone; locale: string } | null {
  const zone = tz === undefined ? FixedOffsetZone.utcInstance : resolveZone(tz);
  if (zone === null) return ctx.fault(`${name}: unknown time zone ${JSON.stringify(tz)}`);
  return { zone, locale: 'en-US' };
}

/** Luxon tokens that print a zone's name rather than its offset (`z`, `ZZZZ`, `ttt`, `fff`…). */
const ZONE_NAME_TOKENS = /z|ZZZZ|ttt|TTT|fff|FFF/;

/**
 * FORMAT_TIMESTAMP(ts, fmt[, tz]): luxon's `toFormat` tokens (`yyyy-MM-dd HH:mm`), in the zone
 * (default UTC). Unless the format prints the zone's name, the date is built in the fixed offset
 * the zone has at that instant (cached, see zoneOffset), which luxon does far faster and prints
 * the same.
 */
function formatTimestamp(ctx: FunctionContext, ts: number, fmt: string, tz?: string): string | null {
  const opts = zoneOptions(ctx, 'FORMAT_TIMESTAMP', tz);
  if (opts === null) return null;
  if (!opts.zone.isUniversal && Math.abs(ts) <= MAX_TIME && !ZONE_NAME_TOKENS.test(fmt)) {
    const offset = zoneOffset(opts.zone, ts);
    if (Number.isFinite(offset)) opts.zone = FixedOffsetZone.instance(offset);
  }
  const dt = DateTime.fromMillis(ts, opts);
  return dt.isValid ? dt.toFormat(fmt) : ctx.fault(`FORMAT_TIMESTAMP: TIMESTAMP ${ts} is out of range`);
}

/**
 * PARSE_TIMESTAMP(str, fmt[, tz]): luxon's `fromFormat`, the text read in the zone (default UTC)
 * unless it carries an offset; epoch milliseconds. Text that does not match is a fault; a format
 * without a year reads its missing date fields from 1970-01-01 (runtime/timestamps.ts).
 */
function parseTimestamp(ctx: FunctionContext, text: string, fmt: string, tz?: string): number | null {
  const opts = zoneOptions(ctx, 'PARSE_TIMESTAMP', tz);
  if (opts === null) return null;
  const dt = fromFormat(text, fmt, opts);
  if (!dt.isValid) return ctx.fault(`PARSE_TIMESTAMP: ${JSON.stringify(text)} does not match ${JSON.stringify(fmt)}: ${dt.invalidExplanation ?? dt.invalidReason}`);
  return dt.toMillis();
}

// -------------------------------------------------------------------------------------- table

/** The strict built-ins by upper-case name. */
export const BUILTIN_IMPLEMENTATIONS: Readonly<Record<string, BuiltinImplementation>> = {
  ABS: (_ctx: FunctionContext, x: number) => Math.abs(x),
  ROUND: round,
  FLOOR: (_ctx: FunctionContext, x: number) => Math.floor(x) + 0,
  CEIL: (_ctx: FunctionContext, x: number) => Math.ceil(x) + 0,
  SQRT: sqrt,
  POWER: power,
  LN: ln,
  EXP: exp,
  LOWER: (_ctx: FunctionContext, s: string) => s.toLowerCase(),
  UPPER: (_ctx: FunctionContext, s: string) => s.toUpperCase(),
  LENGTH: length,
  SUBSTRING: substring,
  TRIM: trim,
  BTRIM: (_ctx: FunctionContext, s: string, characters = ' ') => trimEnds(s, characters, true, true),
  LTRIM: (_ctx: FunctionContext, s: string, characters = ' ') => trimEnds(s, characters, true, false),
  RTRIM: (_ctx: FunctionContext, s: string, characters = ' ') => trimEnds(s, characters, false, true),
  GEO_DISTANCE: geoDistance,
  HOUR: hour,
  DAY_OF_WEEK: dayOfWeek,
  FORMAT_TIMESTAMP: formatTimestamp,
  PARSE_TIMESTAMP: parseTimestamp,
};

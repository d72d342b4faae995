import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { BUILTIN_FUNCTIONS } from '../../../src/analysis/functions.js';
import { BUILTIN_IMPLEMENTATIONS, SPECIAL_FORMS } from '../../../src/compile/functions.js';
import { resolveZone } from '../../../src/model/zones.js';
import { compileExpr } from '../../../src/compile/expressions.js';
import { timestampToString } from '../../../src/compile/values.js';
import { emptyScope } from '../../../src/runtime/row.js';
import { bind, evaluate, ms, recorder, value } from './compile-helpers.js';

const N = null;

/** [expression, row, expected value, expected faults]. */
type Case = [string, Record<string, unknown>, unknown, number?];

function check(cases: readonly Case[]): void {
  it.each(cases)('%s on %j is %j', (expr, row, expected, faults = 0) => {
    const r = evaluate(expr, row);
    if (typeof expected === 'number' && !Number.isInteger(expected)) expect(r.value).toBeCloseTo(expected, 9);
    else expect(r.value).toEqual(expected);
    expect(r.faults, r.messages.join('; ')).toBe(faults);
  });
}

describe('the table', () => {
  it('has every built-in of analysis/functions.ts, in the table or as a special form', () => {
    for (const name of BUILTIN_FUNCTIONS.keys()) expect(name in BUILTIN_IMPLEMENTATIONS || SPECIAL_FORMS.has(name), name).toBe(true);
  });

  it('NULL in, NULL out for every strict built-in', () => {
    const nulls: Case[] = [
      ['ABS(i)', {}, N], ['ROUND(d)', {}, N], ['ROUND(d, i)', { d: 1.5 }, N], ['FLOOR(d)', {}, N], ['CEIL(d)', {}, N],
      ['SQRT(d)', {}, N], ['POWER(d, 2)', {}, N], ['LN(d)', {}, N], ['EXP(d)', {}, N], ['LOWER(s)', {}, N],
      ['UPPER(s)', {}, N], ['LENGTH(s)', {}, N], ['SUBSTRING(s, 1)', {}, N], ['SUBSTRING(s, 1, i)', { s: 'x' }, N],
      ['TRIM(s)', {}, N], ['GEO_DISTANCE(d, 0, 0, 0)', {}, N], ['HOUR(t)', {}, N], ["HOUR(t, s)", { t: 0 }, N],
      ['DAY_OF_WEEK(t)', {}, N], ["FORMAT_TIMESTAMP(t, 'yyyy')", {}, N], ["PARSE_TIMESTAMP(s, 'yyyy')", {}, N],
      ["FORMAT_TIMESTAMP(t, s)", { t: 0 }, N],
    ];
    for (const [expr, row] of nulls) expect(evaluate(expr, row), expr).toEqual({ value: null, faults: 0, messages: [] });
  });
});

describe('numbers', () => {
  check([
    ['ABS(i)', { i: -3 }, 3],
    ['ABS(d)', { d: -2.5 }, 2.5],
    ['ABS(j)', { j: -1 }, 1],
    ['ABS(j)', { j: '-1' }, N, 1],
    ['ROUND(d)', { d: 2.5 }, 3],
    ['ROUND(d)', { d: -2.5 }, -3],
    ['ROUND(d)', { d: 2.4999 }, 2],
    ['ROUND(d)', { d: -0.4 }, 0],
    ['ROUND(d, 2)', { d: 1.005 }, 1.01],
    ['ROUND(d, 2)', { d: -1.005 }, -1.01],
    ['ROUND(d, 1)', { d: 0.25 }, 0.3],
    ['ROUND(d, 3)', { d: 1e-7 }, 0],
    ['ROUND(d, 2)', { d: 1.23e25 }, 1.23e25],
    ['ROUND(i, -2)', { i: 1250 }, 1300],
    ['ROUND(i, -2)', { i: -1250 }, -1300],
    ['ROUND(i)', { i: 7 }, 7],
    ['ROUND(d, 1000)', { d: 1.5 }, 1.5],
    ['ROUND(d, -1000)', { d: 1.5 }, 0],
    ['FLOOR(d)', { d: -1.5 }, -2],
    ['FLOOR(i)', { i: 4 }, 4],
    ['CEIL(d)', { d: 1.2 }, 2],
    ['CEIL(d)', { d: -0.5 }, 0],
    ['SQRT(d)', { d: 16 }, 4],
    ['SQRT(i)', { i: 2 }, Math.SQRT2],
    ['SQRT(d)', { d: -1 }, N, 1],
    ['POWER(i, i2)', { i: 2, i2: 10 }, 1024],
    ['POWER(d, 0.5)', { d: 9 }, 3],
    ['POWER(d, d2)', { d: -8, d2: 1 / 3 }, N, 1],
    ['POWER(0, -1)', {}, N, 1],
    ['POWER(10, 400)', {}, N, 1],
    ['LN(d)', { d: Math.E }, 1],
    ['LN(0)', {}, N, 1],
    ['LN(d)', { d: -1 }, N, 1],
    ['EXP(0)', {}, 1],
    ['EXP(d)', { d: 1000 }, N, 1],
  ]);

  it('never gives -0', () => {
    expect(Object.is(value('CEIL(d)', { d: -0.5 }), 0)).toBe(true);
    expect(Object.is(value('ROUND(d)', { d: -0.4 }), 0)).toBe(true);
    expect(Object.is(value('ROUND(d, 1)', { d: -0.04 }), 0)).toBe(true);
  });

  it('GEO_DISTANCE is the haversine distance in km on a sphere of 6371 km, as in ksqlDB', () => {
    const london = { d: 51.5074, d2: -0.1278 };
    const km = value('GEO_DISTANCE(d, d2, 48.8566, 2.3522)', london) as number;
    expect(km).toBeCloseTo(343.556, 3);
    expect(value('GEO_DISTANCE(0, 0, 0, 180)')).toBeCloseTo(Math.PI * 6371, 6);
    expect(value('GEO_DISTANCE(-90, 0, 90, 0)')).toBeCloseTo(Math.PI * 6371, 6);
    // Out of range: a fault, so NULL, and counted.
    expect(evaluate('GEO_DISTANCE(91, 0, 0, 0)')).toMatchObject({ value: null, faults: 1 });
    expect(evaluate('GEO_DISTANCE(0, 0, 0, -180.5)')).toMatchObject({ value: null, faults: 1 });
    expect(value('GEO_DISTANCE(d, d2, d, d2)', london)).toBe(0);
    expect(value('GEO_DISTANCE(i, 0, 0, 0)', { i: 1 })).toBeCloseTo(111.195, 2);
  });
});

describe('strings', () => {
  check([
    ['LOWER(s)', { s: 'AbC É' }, 'abc é'],
    ['UPPER(s)', { s: 'straße' }, 'STRASSE'],
    ['UPPER(s)', { s: 'i' }, 'I'],
    ['LENGTH(s)', { s: 'hello' }, 5],
    ['LENGTH(s)', { s: '' }, 0],
    ['LENGTH(s)', { s: 'a\u{1F600}b' }, 3],
    ['LENGTH(j)', { j: 'abc' }, 3],
    ['LENGTH(j)', { j: 12 }, N, 1],
    ['SUBSTRING(s, 2)', { s: 'hello' }, 'ello'],
    ['SUBSTRING(s, 2, 3)', { s: 'hello' }, 'ell'],
    ['SUBSTRING(s, 1, 0)', { s: 'hello' }, ''],
    ['SUBSTRING(s, 0, 3)', { s: 'hello' }, 'he'],
    ['SUBSTRING(s, -1, 3)', { s: 'hello' }, 'h'],
    ['SUBSTRING(s, -5, 3)', { s: 'hello' }, ''],
    ['SUBSTRING(s, 10)', { s: 'hello' }, ''],
    ['SUBSTRING(s, 4, 100)', { s: 'hello' }, 'lo'],
    ['SUBSTRING(s, 2, -1)', { s: 'hello' }, N, 1],
    ['SUBSTRING(s, 2, 2)', { s: '\u{1F600}\u{1F601}\u{1F602}' }, '\u{1F601}\u{1F602}'],
    ['SUBSTRING(s, 1.6, 1)', { s: 'abc' }, 'b'],
    ['TRIM(s)', { s: '  a b  ' }, 'a b'],
    ['TRIM(s)', { s: '\ta\n' }, '\ta\n'],
    ['TRIM(s)', { s: '   ' }, ''],
    // SQL's keyword forms, as PostgreSQL's BTRIM / LTRIM / RTRIM.
    ['SUBSTRING(s FROM 2)', { s: 'hello' }, 'ello'],
    ['SUBSTRING(s FROM 2 FOR 3)', { s: 'hello' }, 'ell'],
    ['SUBSTRING(s FROM 0 FOR 3)', { s: 'hello' }, 'he'],
    ['SUBSTRING(s FROM 2 FOR -1)', { s: 'hello' }, N, 1],
    ["TRIM(BOTH 'x' FROM s)", { s: 'xxaxbxx' }, 'axb'],
    ["TRIM(LEADING 'xy' FROM s)", { s: 'yxaxy' }, 'axy'],
    ["TRIM(TRAILING 'xy' FROM s)", { s: 'yxaxy' }, 'yxa'],
    ["TRIM('x' FROM s)", { s: 'xax' }, 'a'],
    ['TRIM(LEADING FROM s)', { s: '  a  ' }, 'a  '],
    ['TRIM(trailing FROM s)', { s: '  a  ' }, '  a'],
    ['TRIM(BOTH FROM s)', { s: '  a  ' }, 'a'],
    ['TRIM(LEADING s2 FROM s)', { s: 'aab', s2: 'a' }, 'b'],
    ["TRIM(LEADING s2 FROM s)", { s: 'aab' }, N],
    ["TRIM(BOTH '\u{1F600}' FROM s)", { s: '\u{1F600}a\u{1F600}' }, 'a'],
    ["BTRIM(s, 'ab')", { s: 'abcba' }, 'c'],
    ['LTRIM(s)', { s: '  a  ' }, 'a  '],
    ["RTRIM(s, '')", { s: 'a  ' }, 'a  '],
    ["RTRIM(s, 'a')", { s: 'aaa' }, ''],
    ["CONCAT(s, '-', i, '-', d, '-', b)", { s: 'a', i: 1, d: 1.5, b: false }, 'a-1-1.5-false'],
    ["CONCAT(s, NULL, s2, i)", { s: 'a', i: 2 }, 'a2'],
    ['CONCAT(s, s2)', {}, ''],
    ['CONCAT(t)', { t: ms('2026-03-29T01:30:00Z') }, '2026-03-29T01:30:00.000Z'],
    ['CONCAT(j)', { j: { a: 1 } }, '{"a":1}'],
    ["CONCAT('x', t)", { t: 1e17 }, 'x', 1],
  ]);
});

describe('NULL handling functions', () => {
  check([
    ['COALESCE(i, i2, 3)', { i2: 2 }, 2],
    ['COALESCE(i, i2, 3)', {}, 3],
    ['COALESCE(i, i2)', {}, N],
    ['COALESCE(i, d)', { d: 0.5 }, 0.5],
    ['COALESCE(NULL, s)', { s: 'x' }, 'x'],
    ['COALESCE(j, 1)', { j: { a: 1 } }, { a: 1 }],
    ['NULLIF(i, 3)', { i: 3 }, N],
    ['NULLIF(i, 3)', { i: 4 }, 4],
    ['NULLIF(i, i2)', { i: 4 }, 4],
    ['NULLIF(i, i2)', { i2: 4 }, N],
    ['NULLIF(j, 1)', { j: '1' }, '1'],
    ["NULLIF(s, '')", { s: '' }, N],
    // Typed as the comparison is made (PostgreSQL): NULLIF(INT, DOUBLE) is a DOUBLE.
    ['NULLIF(i, d) / 2', { i: 7, d: 2.5 }, 3.5],
    ['NULLIF(i, d) / 2', { i: 7, d: 7 }, N],
    ['GREATEST(i, i2, 3)', { i: 1, i2: 5 }, 5],
    ['GREATEST(i, i2, 3)', { i: 1 }, 3],
    ['GREATEST(i, i2)', {}, N],
    ['GREATEST(i, d)', { i: 1, d: 1.5 }, 1.5],
    ['GREATEST(s, s2)', { s: 'b', s2: 'a' }, 'b'],
    ['GREATEST(t, t2)', { t: 5, t2: 7 }, 7],
    ['GREATEST(j, j2)', { j: 1, j2: 2 }, 2],
    ['GREATEST(j, j2)', { j: 1, j2: 'a' }, N],
    ['GREATEST(j, j2)', { j2: 'a' }, 'a'],
    ['LEAST(i, i2, 3)', { i: 1, i2: 5 }, 1],
    ['LEAST(d, i)', { d: -0.5, i: 0 }, -0.5],
    ['LEAST(i, i2)', {}, N],
    ['LEAST(b, b2)', { b: true, b2: false }, false],
    ['LEAST(j, 5)', { j: 7 }, 5],
    ['LEAST(j, 5)', { j: '7' }, N],
  ]);

  it('COALESCE stops at the first non-NULL argument', () => {
    expect(evaluate('COALESCE(i, i / i2)', { i: 1, i2: 0 })).toEqual({ value: 1, faults: 0, messages: [] });
    expect(evaluate('COALESCE(i2, i / i2, 7)', { i: 1, i2: 0 })).toEqual({ value: 0, faults: 0, messages: [] });
    expect(evaluate('COALESCE(i, 1 / i2, 7)', { i2: 0 })).toMatchObject({ value: 7, faults: 1 });
  });
});

describe('time (luxon)', () => {
  const bst = ms('2026-03-29T01:30:00Z'); // 02:30 in London: British Summer Time began at 01:00 UTC

  check([
    ['HOUR(t)', { t: bst }, 1],
    ["HOUR(t, 'Europe/London')", { t: bst }, 2],
    ["HOUR(t, 'Europe/London')", { t: ms('2026-03-29T00:30:00Z') }, 0],
    ["HOUR(t, 'America/New_York')", { t: bst }, 21],
    ["HOUR(t, 'UTC')", { t: bst }, 1],
    ["HOUR(t, 'UTC+3')", { t: bst }, 4],
    ["HOUR(t, 'Asia/Kolkata')", { t: bst }, 7],
    ['HOUR(t)', { t: -1 }, 23],
    // A zone from data faults when it runs (a literal one is refused at deployment, below).
    ['HOUR(t, s)', { t: bst, s: 'Mars/Olympus' }, N, 1],
    ['HOUR(t, s)', { t: bst, s: 'local' }, N, 1],
    ['HOUR(t)', { t: 1e17 }, N, 1],
    ['HOUR(i)', { i: 3_600_000 }, 1],
    ['DAY_OF_WEEK(t)', { t: bst }, 7],
    ['DAY_OF_WEEK(t)', { t: ms('2026-03-30T00:00:00Z') }, 1],
    ['DAY_OF_WEEK(t)', { t: 0 }, 4],
    ['DAY_OF_WEEK(t)', { t: -1 }, 3],
    ["DAY_OF_WEEK(t, 'Asia/Tokyo')", { t: ms('2026-03-29T20:00:00Z') }, 1],
    ["DAY_OF_WEEK(t, 'America/Los_Angeles')", { t: ms('2026-03-30T03:00:00Z') }, 7],
    ["DAY_OF_WEEK(t, s)", { t: 0, s: 'nowhere' }, N, 1],
    ["FORMAT_TIMESTAMP(t, 'yyyy-MM-dd HH:mm:ss')", { t: bst }, '2026-03-29 01:30:00'],
    ["FORMAT_TIMESTAMP(t, 'yyyy-MM-dd HH:mm ZZ', 'Europe/London')", { t: bst }, '2026-03-29 02:30 +01:00'],
    ["FORMAT_TIMESTAMP(t, 'EEE d MMM', 'Asia/Tokyo')", { t: bst }, 'Sun 29 Mar'],
    ["FORMAT_TIMESTAMP(t, 'x')", { t: bst }, String(bst)],
    ["FORMAT_TIMESTAMP(t, 'yyyy', s)", { t: bst, s: 'Bad/Zone' }, N, 1],
    ["FORMAT_TIMESTAMP(t, 'yyyy')", { t: 1e17 }, N, 1],
    ["PARSE_TIMESTAMP(s, 'dd/MM/yyyy HH:mm')", { s: '29/03/2026 01:30' }, bst],
    ["PARSE_TIMESTAMP(s, 'dd/MM/yyyy HH:mm', 'Europe/London')", { s: '29/03/2026 02:30' }, bst],
    ["PARSE_TIMESTAMP(s, 'dd/MM/yyyy HH:mm', 'America/New_York')", { s: '28/03/2026 21:30' }, bst],
    ["PARSE_TIMESTAMP(s, 'yyyy-MM-dd HH:mm ZZ', 'Asia/Tokyo')", { s: '2026-03-29 02:30 +01:00' }, bst],
    ["PARSE_TIMESTAMP(s, 'dd/MM/yyyy')", { s: '2026-03-29' }, N, 1],
    ["PARSE_TIMESTAMP(s, 'dd/MM/yyyy', s2)", { s: '29/03/2026', s2: 'Bad/Zone' }, N, 1],
    // A format without a year reads the missing date fields from 1970-01-01 (as ksqlDB), never
    // from the machine's clock.
    ["PARSE_TIMESTAMP(s, 'HH:mm')", { s: '10:00' }, ms('1970-01-01T10:00:00Z')],
    ["PARSE_TIMESTAMP(s, 'MM/dd')", { s: '01/02' }, ms('1970-01-02T00:00:00Z')],
    ["PARSE_TIMESTAMP(s, 'dd HH:mm')", { s: '15 10:00' }, ms('1970-01-15T10:00:00Z')],
    ["PARSE_TIMESTAMP(s, 'HH:mm', 'Europe/Paris')", { s: '10:00' }, ms('1970-01-01T09:00:00Z')],
    ["PARSE_TIMESTAMP(s, 'MM/dd HH:mm', 'Europe/Paris')", { s: '07/01 10:00' }, ms('1970-07-01T09:00:00Z')],
  ]);

  it('NOW() is the scope’s event time', () => {
    const fn = compileExpr(bind('NOW() - t'), { services: recorder() });
    expect(fn({ t: 1000 }, { ...emptyScope(), now: 5000 })).toBe(4000);
  });

  it('resolves zones once and rejects unknown names', () => {
    expect(resolveZone('Europe/London')).toBe(resolveZone('Europe/London'));
    expect(resolveZone('Europe/London')?.isValid).toBe(true);
    expect(resolveZone('Nowhere/Land')).toBeNull();
    expect(resolveZone('system')).toBeNull();
    expect(resolveZone('GMT')?.offset(0)).toBe(0);
    expect(resolveZone('UTC-05:30')?.offset(0)).toBe(-330);
    // Many different names (from data, say) do not grow the cache without bound.
    for (let k = 0; k < 1200; k++) expect(resolveZone(`UTC+${k % 12}`)).not.toBeNull();
  });

  it('a zone faults each time, not just once', () => {
    const services = recorder();
    const fn = compileExpr(bind('HOUR(t, s)'), { services });
    expect(fn({ t: 0, s: 'bad' }, emptyScope())).toBeNull();
    expect(fn({ t: 0, s: 'bad' }, emptyScope())).toBeNull();
    expect(fn({ t: 0, s: 'Asia/Tokyo' }, emptyScope())).toBe(9);
    expect(services.faults.map(String)).toEqual([
      'ExpressionError: HOUR: unknown time zone "bad"',
      'ExpressionError: HOUR: unknown time zone "bad"',
    ]);
  });

  it('agrees with luxon across DST transitions, half-hour shifts and odd offsets', () => {
    // Each zone's 2026 transitions (none for Kathmandu, +05:45 all year).
    const transitions: Record<string, string[]> = {
      'Europe/London': ['2026-03-29', '2026-10-25'],
      'America/New_York': ['2026-03-08', '2026-11-01'],
      'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
      'Asia/Kathmandu': ['2026-01-01'],
      'America/St_Johns': ['2026-03-08', '2026-11-01'],
      'Pacific/Chatham': ['2026-04-05', '2026-09-27'],
    };
    const services = recorder();
    const hour = compileExpr(bind('HOUR(t, s)'), { services });
    const day = compileExpr(bind('DAY_OF_WEEK(t, s)'), { services });
    const format = compileExpr(bind("FORMAT_TIMESTAMP(t, 'yyyy-MM-dd HH:mm:ss.SSS ZZ EEE', s)"), { services });
    const named = compileExpr(bind("FORMAT_TIMESTAMP(t, 'HH:mm ZZZZ', s)"), { services });
    for (const [zone, dates] of Object.entries(transitions)) {
      for (const date of dates) {
        const start = ms(`${date}T00:00:00Z`) - 86_400_000;
        for (let t = start, k = 0; t < start + 2 * 86_400_000; t += 11 * 60_000 + 13_000, k++) {
          const dt = DateTime.fromMillis(t, { zone, locale: 'en-US' });
          const row = { t, s: zone };
          expect([hour(row, emptyScope()), day(row, emptyScope()), format(row, emptyScope())]).toEqual([
            dt.hour,
            dt.weekday,
            dt.toFormat('yyyy-MM-dd HH:mm:ss.SSS ZZ EEE'),
          ]);
          // Zone names need luxon's slow path (an Intl formatter per call): sample them.
          if (k % 8 === 0) expect(named(row, emptyScope())).toBe(dt.toFormat('HH:mm ZZZZ'));
        }
      }
    }
    expect(services.faults).toEqual([]);
  });

  it('formats TIMESTAMPs to ISO-8601 exactly as Date.toISOString', () => {
    const never = () => {
      throw new Error('unexpected fault');
    };
    const edge = [0, -1, 0.9, -0.5, 951_782_400_000, 4_107_542_399_999, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15];
    for (const t of edge) expect(timestampToString(t, never), String(t)).toBe(new Date(t).toISOString());
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (t) => timestampToString(t, never) === new Date(t).toISOString()),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -2e12, max: 5e12 }), (t) => timestampToString(t, never) === new Date(t).toISOString()),
      { numRuns: 2000 },
    );
  });
});

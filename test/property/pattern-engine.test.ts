/**
 * Differential property tests of pattern matching (LANGUAGE.md sections 3 and 6): random
 * pattern queries — every element kind (plain, `?`, `+`, `*`, `{n}`, `{n,}`, `{n,m}`, NOT in
 * the middle and trailing, OR and AND groups), iterative Kleene conditions (`LAST`, `FIRST`,
 * `COUNT`, `SUM`, `MIN`, `MAX`, `AVG` of the element itself and of earlier ones), WHERE
 * conjuncts over several aliases and over Kleene aggregates, all three strategies, `AFTER
 * MATCH SKIP PAST LAST EVENT`, `PARTITION BY`, `WITHIN` — over random event streams (one or
 * two streams, ties in time, NULLs), run by the fast engine and by the reference interpreter
 * (test/reference/), which must produce the same outputs, in the same order, at the same times.
 *
 * A second property runs the engine with allowed lateness on the same events arriving out of
 * order (never later than the lateness allows): by section 3 the output must not change.
 *
 * When they disagree, fast-check shrinks the case to a minimal counterexample and the failure
 * prints it readably: the script, the events (`b3:2#p@4500` = kind b, 4th event, v = 2, k = p,
 * ts = 4500; `T.` for stream T), and both outputs.
 *
 * The seed is fixed, so CI is deterministic; `PATTERN_SEED=<n>` replays or explores another
 * one, `PATTERN_SCALE=<k>` multiplies the number of cases (for a longer local hunt).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileScript } from '../../src/index.js';
import { sharedKleeneElement } from '../../src/compile/pattern.js';
import { engineRunner, type ScriptOutput } from '../conformance/runner.js';
import { runReference } from '../reference/engine.js';
import {
  eventNotation,
  patternCaseArb,
  rawEventsArb,
  shuffleWithinLateness,
  toEvents,
  withinLateness,
  type InputEvent,
  type PatternCase,
} from './pattern-generators.js';

const SEED = process.env['PATTERN_SEED'] !== undefined ? Number(process.env['PATTERN_SEED']) : 20_240_611;
const SCALE = Number(process.env['PATTERN_SCALE'] ?? 1);
const RUNS = Math.round(3000 * SCALE);
const LATENESS_RUNS = Math.round(1000 * SCALE);
const EPOCH_RUNS = Math.round(1000 * SCALE);
const EPOCH_START = fc.oneof(
  { arbitrary: fc.integer({ min: 1_767_225_600_000, max: 1_798_761_599_999 }), weight: 6 },
  { arbitrary: fc.integer({ min: -3_000_000_000_000, max: -1 }), weight: 1 },
  { arbitrary: fc.integer({ min: 2 ** 41 - 20_000, max: 2 ** 41 + 20_000 }), weight: 1 },
  { arbitrary: fc.integer({ min: 4_000_000_000_000, max: 8_000_000_000_000_000 }), weight: 1 },
);
const COMPILE_SAMPLES = Math.round(400 * SCALE);
const LATENESS = 3000;
/** Long enough for fast-check to shrink a failure; the passing file runs in about a minute. */
const TIMEOUT = 600_000;

/**
 * The run caps (section 11) drop runs, which the reference never does: lifted, so that a
 * difference is always a difference of semantics. Cases stay small enough for this.
 */
const CAPS = { maxRunsPerPartition: 1_000_000, maxRunsPerQuery: 10_000_000 };
const engine = engineRunner(CAPS);
const lateEngine = engineRunner({ ...CAPS, lateness: LATENESS });

function showOutputs(outputs: readonly ScriptOutput[] | string): string {
  if (typeof outputs === 'string') return `  ${outputs}`;
  if (outputs.length === 0) return '  (none)';
  return outputs.map((o) => `  @${o.time} ${Object.entries(o.data).map(([k, v]) => `${k}=${v === null ? 'NULL' : String(v)}`).join(' ')}`).join('\n');
}

function run(runner: (s: string, e: readonly InputEvent[]) => ScriptOutput[], script: string, events: readonly InputEvent[]): ScriptOutput[] | string {
  try {
    return runner(script, events);
  } catch (e) {
    return `threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
}

function failure(title: string, c: PatternCase, sections: readonly [string, string][]): Error {
  const text = [
    '',
    `==== ${title} (seed ${SEED}) ====`,
    c.script,
    ...sections.flatMap(([head, body]) => [`-- ${head}:`, body]),
    '',
  ].join('\n');
  return new Error(text);
}

describe('pattern engine against the reference interpreter', () => {
  it('every generated script compiles, and the generator covers every construct', () => {
    const sample = fc.sample(fc.tuple(patternCaseArb, rawEventsArb), { seed: SEED, numRuns: COMPILE_SAMPLES * 5 });
    const cases = sample.map(([c]) => c);
    const counts = new Map<string, number>();
    for (const c of cases) for (const f of Object.keys(c.features)) counts.set(f, (counts.get(f) ?? 0) + 1);
    let shared = 0;
    let matching = 0;
    for (const [c, raw] of sample.slice(0, COMPILE_SAMPLES)) {
      const result = compileScript(c.script);
      if (!result.ok) throw new Error(`a generated script does not compile:\n${c.script}\n${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n')}`);
      const last = result.script.statements.at(-1);
      if (last?.kind === 'query' && last.query.kind === 'pattern' && sharedKleeneElement(last.query) !== undefined) shared++;
      if (runReference(c.script, toEvents(raw, c)).length > 0) matching++;
    }
    const table = [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([f, n]) => `${((100 * n) / cases.length).toFixed(1).padStart(5)}%  ${f}`);
    const pct = (n: number) => `${((100 * n) / COMPILE_SAMPLES).toFixed(1).padStart(5)}%`;
    table.push(`${pct(shared)}  (of ${COMPILE_SAMPLES}) section 11 shared Kleene element (compiled)`, `${pct(matching)}  (of ${COMPILE_SAMPLES}) cases whose reference output is not empty`);
    console.log(`coverage over ${cases.length} generated patterns:\n${table.join('\n')}`);
    expect(shared).toBeGreaterThan(0);
    expect(matching).toBeGreaterThan(COMPILE_SAMPLES / 5);
    const required = [
      'plain atom', 'optional ?', 'Kleene +', 'Kleene *', 'Kleene {n}', 'Kleene {n,}', 'Kleene {n,m}', '{1}', 'NOT in the middle', 'trailing NOT', 'OR group', 'AND group',
      'cond: own LAST', 'cond: own FIRST', 'cond: own COUNT', 'cond: own SUM', 'cond: own MIN', 'cond: own MAX', 'cond: earlier Kleene LAST',
      'cond: earlier Kleene COUNT', 'cond: v vs earlier singleton', 'cond: reads an optional (maybe NULL) alias', 'WHERE: two aliases',
      'WHERE: Kleene COUNT', 'WHERE: Kleene SUM', 'WHERE: aggregate of a trailing Kleene (at completion)', 'WHERE: bare partition key',
      'strategy: default', 'strategy: SKIP TILL NEXT MATCH', 'strategy: SKIP TILL ANY MATCH', 'strategy: STRICT CONTIGUITY',
      'AFTER MATCH SKIP PAST LAST EVENT', 'PARTITION BY k', 'PARTITION BY Stream.k', 'two streams', 'atom on stream T', 'atom without alias',
      'elements: 1', 'elements: 5',
    ];
    for (const f of required) expect(counts.get(f) ?? 0, f).toBeGreaterThan(cases.length / 200);
  });

  it(`the engine's outputs equal the reference's: same events, order and times (${RUNS} cases, seed ${SEED})`, { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(patternCaseArb, rawEventsArb, (c, raw) => {
        const events = toEvents(raw, c);
        const expected = run(runReference, c.script, events);
        const actual = run(engine, c.script, events);
        if (typeof expected === 'string' || !isDeepStrictEqual(actual, expected)) {
          throw failure('engine and reference disagree', c, [
            ['events', eventNotation(events)],
            ['events (JSON)', JSON.stringify(events)],
            ['engine', showOutputs(actual)],
            ['reference', showOutputs(expected)],
          ]);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  // Times as a real stream has them (epoch milliseconds, mostly from any millisecond of 2026):
  // the engine rounds deadlines to coarse units to skip expiry checks, and the units' boundaries
  // then fall anywhere within a case, not only at the few small times of the case above. Some
  // cases start before 1970, or around and far beyond the end of the units' range (2039).
  it(`at epoch times, the engine's outputs equal the reference's (${EPOCH_RUNS} cases, seed ${SEED})`, { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(patternCaseArb, rawEventsArb, EPOCH_START, (c, raw, start) => {
        const events = toEvents(raw, c, start);
        const expected = run(runReference, c.script, events);
        const actual = run(engine, c.script, events);
        if (typeof expected === 'string' || !isDeepStrictEqual(actual, expected)) {
          throw failure('engine and reference disagree', c, [
            ['events (JSON)', JSON.stringify(events)],
            ['engine', showOutputs(actual)],
            ['reference', showOutputs(expected)],
          ]);
        }
      }),
      { seed: SEED, numRuns: EPOCH_RUNS },
    );
  });

  it(`allowed lateness and arrival order within it do not change the output (${LATENESS_RUNS} cases, seed ${SEED})`, { timeout: TIMEOUT }, () => {
    const delaysArb = fc.array(
      fc.oneof(fc.integer({ min: 0, max: LATENESS }), fc.constantFrom(0, LATENESS)),
      { minLength: 14, maxLength: 14 },
    );
    fc.assert(
      fc.property(patternCaseArb, rawEventsArb, delaysArb, (c, raw, delays) => {
        const events = toEvents(raw, c);
        const arrival = shuffleWithinLateness(events, delays, LATENESS);
        // By construction no event is late; the check keeps the construction honest.
        if (!withinLateness(arrival, LATENESS)) throw new Error(`the shuffle made an event late: ${eventNotation(arrival)}`);
        const expected = run(engine, c.script, events);
        const actual = run(lateEngine, c.script, arrival);
        if (typeof expected === 'string' || !isDeepStrictEqual(actual, expected)) {
          throw failure(`lateness ${LATENESS} ms changes the output`, c, [
            ['events, in event-time order', eventNotation(events)],
            [`arrival order (lateness ${LATENESS} ms)`, eventNotation(arrival)],
            ['arrival order (JSON)', JSON.stringify(arrival)],
            [`engine with lateness ${LATENESS}, on the arrival order`, showOutputs(actual)],
            ['engine with lateness 0, in event-time order', showOutputs(expected)],
          ]);
        }
      }),
      { seed: SEED, numRuns: LATENESS_RUNS },
    );
  });
});

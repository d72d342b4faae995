/**
 * Checkpoints (Engine.snapshot / restore): for random pattern queries and random window,
 * aggregation, join and table queries, an engine checkpointed at random points — each time
 * replaced by a new engine restored from the checkpoint — gives exactly the outputs of one that
 * ran through: same events, same order, same times. With allowed lateness the checkpoints also
 * hold events waiting for the watermark.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkpointingRunner, engineRunner, type ScriptEvent, type ScriptOutput } from '../conformance/runner.js';
import { patternCaseArb, rawEventsArb, shuffleWithinLateness, toEvents } from './pattern-generators.js';
import { relationalCaseArb, relEventsArb } from './relational-generators.js';

const SEED = process.env['CHECKPOINT_SEED'] !== undefined ? Number(process.env['CHECKPOINT_SEED']) : 20_261_124;
const SCALE = Number(process.env['CHECKPOINT_SCALE'] ?? 1);
const RUNS = Math.round(800 * SCALE);
const TIMEOUT = 600_000;
const CAPS = { maxRunsPerPartition: 1_000_000, maxRunsPerQuery: 10_000_000 };

function outcome(run: () => ScriptOutput[]): ScriptOutput[] | string {
  try {
    return run();
  } catch (e) {
    return `threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
}

const show = (o: ScriptOutput[] | string): string => (typeof o === 'string' ? o : o.map((x) => `  ${x.stream}@${x.time} ${JSON.stringify(x.data)}`).join('\n') || '  (none)');

/** Cut points: event indices, taken modulo the input's length plus one. */
const cutsArb = fc.array(fc.nat(10_000), { minLength: 1, maxLength: 4 });
const indices = (picks: readonly number[], n: number): number[] => picks.map((p) => p % (n + 1));

function agree(script: string, events: readonly ScriptEvent[], fractions: readonly number[], lateness = 0): void {
  const cuts = indices(fractions, events.length);
  const expected = outcome(() => engineRunner({ ...CAPS, lateness })(script, events));
  const actual = outcome(() => checkpointingRunner({ ...CAPS, lateness }, cuts)(script, events));
  if (typeof expected !== 'string' && isDeepStrictEqual(actual, expected)) return;
  throw new Error(
    [`==== checkpointed run differs (seed ${SEED}), cuts before events ${cuts.join(', ')} ====`, script, '-- events:', ...events.map((e) => `  ${e.stream} ${JSON.stringify(e.data)}`), '-- through:', show(expected), '-- checkpointed:', show(actual)].join('\n'),
  );
}

describe('checkpoints: a restored engine goes on as the original would', () => {
  it(`patterns (${RUNS} cases)`, { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(patternCaseArb, rawEventsArb, cutsArb, (c, raw, cuts) => agree(c.script, toEvents(raw, c), cuts)),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`windows, aggregation, joins and tables (${RUNS} cases)`, { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(relationalCaseArb, relEventsArb, cutsArb, (c, input, cuts) => agree(c.script, input, cuts)),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`with allowed lateness, events waiting for the watermark are checkpointed too (${Math.round(RUNS / 2)} cases)`, { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(patternCaseArb, rawEventsArb, cutsArb, fc.array(fc.nat(3000), { maxLength: 20 }), (c, raw, cuts, delays) => agree(c.script, shuffleWithinLateness(toEvents(raw, c), delays, 3000), cuts, 3000)),
      { seed: SEED, numRuns: Math.round(RUNS / 2) },
    );
  });
});

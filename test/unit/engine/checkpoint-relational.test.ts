/**
 * Checkpoints of windows, aggregates and joins: an engine checkpointed between two events and
 * replaced by a new engine restored from the checkpoint gives the outputs of one that ran
 * through (test/property/checkpoint.test.ts checks this on random queries; these are readable
 * examples, and long windows that the random inputs are too short to reach).
 */
import { describe, expect, it } from 'vitest';
import { checkpointingRunner, engineRunner, type ScriptEvent, type ScriptOutput } from '../../conformance/runner.js';

const STREAMS = [
  "CREATE STREAM S (k STRING, v INT, x DOUBLE, s STRING, ts TIMESTAMP) WITH (timestamp = 'ts');",
  "CREATE STREAM T (k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');",
  "CREATE STREAM J (k STRING, j JSON, ts TIMESTAMP) WITH (timestamp = 'ts');",
].join('\n');

const ev = (stream: string, data: Record<string, unknown>): ScriptEvent => ({ stream, data });

/** The outputs of a run that went through, after checking that the checkpointed run (cut before each index of `cuts`) gives the same. */
function throughAndCheckpointed(query: string, events: readonly ScriptEvent[], cuts: readonly number[]): ScriptOutput[] {
  const script = `${STREAMS}\n${query}`;
  const through = engineRunner()(script, events);
  expect(checkpointingRunner({}, cuts)(script, events)).toEqual(through);
  return through;
}

describe('checkpoints of windows, aggregates and joins', () => {
  it('a tumbling window open across a checkpoint closes with the events of both sides of it', () => {
    const events = [
      ev('S', { k: 'a', v: 1, ts: 100 }),
      ev('S', { k: 'b', v: 2, ts: 200 }),
      // checkpoint: both keys' windows [0, 1000) are open, their end timer is pending
      ev('S', { k: 'a', v: 3, ts: 900 }),
      ev('S', { k: 'a', v: 4, ts: 1500 }),
    ];
    const out = throughAndCheckpointed('CREATE STREAM out AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;', events, [2]);
    expect(out).toEqual([
      { stream: 'out', time: 1000, data: { k: 'a', n: 2, total: 4 } },
      { stream: 'out', time: 1000, data: { k: 'b', n: 1, total: 2 } },
      { stream: 'out', time: 2000, data: { k: 'a', n: 1, total: 4 } },
    ]);
  });

  it('a LEFT JOIN left event waits for its partner across a checkpoint; one without a partner comes out with NULLs', () => {
    const events = [
      ev('S', { k: 'a', v: 1, ts: 1000 }),
      ev('S', { k: 'b', v: 2, ts: 1200 }),
      // checkpoint: both left events are waiting, the timer of a.ts + WITHIN is pending
      ev('T', { k: 'a', v: 10, ts: 1400 }),
      ev('T', { k: 'z', v: 0, ts: 5000 }),
    ];
    const out = throughAndCheckpointed(
      'CREATE STREAM out AS SELECT a.k AS k, a.v AS av, b.v AS bv FROM S a LEFT JOIN T b WITHIN 1 SECOND ON a.k = b.k;',
      events,
      [2],
    );
    expect(out).toEqual([
      { stream: 'out', time: 1400, data: { k: 'a', av: 1, bv: 10 } },
      { stream: 'out', time: 2200, data: { k: 'b', av: 2, bv: null } },
    ]);
  });

  it('sessions stay open across checkpoints and close at their last event plus the gap', () => {
    const events = [0, 300, 700, 2000, 2100, 2200, 4500].map((ts, i) => ev('S', { k: i % 2 === 0 ? 'a' : 'b', v: i, ts }));
    const out = throughAndCheckpointed('CREATE STREAM out AS SELECT k, COUNT(*) AS n, WINDOW_START AS ws, WINDOW_END AS we FROM S WINDOW SESSION (500 MILLISECONDS) GROUP BY k;', events, [1, 3, 5]);
    expect(out.length).toBeGreaterThan(3);
  });

  it('MIN and MAX over JSON values that do not compare (NULL until the window closes) survive a checkpoint', () => {
    const events = [ev('J', { k: 'a', j: 1, ts: 0 }), ev('J', { k: 'a', j: 'x', ts: 100 }), ev('J', { k: 'a', j: 2, ts: 2000 })];
    const out = throughAndCheckpointed('CREATE STREAM out AS SELECT MIN(j) AS lo, MAX(j) AS hi FROM J WINDOW TUMBLING (SIZE 1 SECOND);', events, [2]);
    expect(out.map((o) => o.data)).toEqual([
      { lo: null, hi: null },
      { lo: 2, hi: 2 },
    ]);
  });

  // Long windows: queues and join buffers cut their consumed fronts past 1024 entries, before some of the checkpoints.
  const values = (i: number) => ({ v: i % 7 === 0 ? null : (i * 37) % 11, x: i % 5 === 0 ? null : ((i * 13) % 17) / 4 - 1, s: i % 3 === 0 ? null : ['a', 'b', 'c', 'd'][i % 4] });
  const long = Array.from({ length: 3000 }, (_, i) => ev('S', { k: i % 4 === 0 ? 'a' : 'b', ...values(i), ts: i * 10 }));
  const everything = 'COUNT(*) AS n, COUNT(x) AS nx, COUNT(DISTINCT v) AS dv, SUM(v) AS sv, AVG(x) AS ax, STDDEV(x) AS sd, MIN(v) AS lo, MAX(s) AS hi, FIRST(x) AS f, LAST(s) AS l';

  it('long sliding windows by count, every aggregate, checkpointed in the middle', () => {
    const out = throughAndCheckpointed(`CREATE STREAM out AS SELECT k, ${everything} FROM S WINDOW SLIDING (SIZE 500 EVENTS) GROUP BY k;`, long, [1100, 2050, 2600, 2999]);
    expect(out).toHaveLength(3000);
  });

  it('long sliding windows by time, every aggregate, checkpointed in the middle', () => {
    const out = throughAndCheckpointed(`CREATE STREAM out AS SELECT ${everything} FROM S WINDOW SLIDING (SIZE 5 SECONDS);`, long, [1100, 2050, 2600, 2999]);
    expect(out).toHaveLength(3000);
  });

  it('a long join buffer, checkpointed in the middle', () => {
    const events = Array.from({ length: 6000 }, (_, i) => ev(i % 2 === 0 ? 'S' : 'T', { k: i % 4 < 2 ? 'p' : 'q', v: i, ts: i * 10 }));
    const out = throughAndCheckpointed('CREATE STREAM out AS SELECT a.v AS av, b.v AS bv FROM S a LEFT JOIN T b WITHIN 3 SECONDS ON a.k = b.k AND a.v % 5 <> 0;', events, [1500, 4100, 5200]);
    expect(out.length).toBeGreaterThan(6000);
  });
});

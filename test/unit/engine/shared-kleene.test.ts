/** Section 11: under SKIP TILL ANY MATCH an eligible Kleene element is one shared structure. */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/index.js';
import { runReference } from '../../reference/engine.js';
import { engineRunner } from '../../conformance/runner.js';

const SCRIPT = `CREATE STREAM S (name STRING, kind STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM m AS SELECT a.name AS a, COUNT(b) AS n, SUM(b.v) AS total, c.name AS c
FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b' AND v >= a.v]+ -> c=S[kind = 'c']
WITHIN 1 HOUR USING SKIP TILL ANY MATCH;`;

const event = (name: string, ts: number, v = 1) => ({ stream: 'S', data: { name, kind: name[0]!, v, ts } });

describe('the shared Kleene structure (section 11)', () => {
  it('keeps state flat over thousands of B events in one window', () => {
    const engine = new Engine();
    const r = engine.deploy(SCRIPT);
    expect(r.ok).toBe(true);
    engine.push('S', event('a1', 1).data);
    engine.push('S', event('a2', 2).data);
    for (let i = 0; i < 5000; i++) engine.push('S', event(`b${i}`, 10 + i).data);
    // Two prefixes (a1, a2), each with one run holding its choices of B: four runs, not 2^5000.
    expect(engine.stats().runsAlive).toBe(4);
    expect(engine.stats().outputs).toBe(0);
  });

  it('enumerates every choice at completion, as the plain semantics would', () => {
    const events = [event('a1', 1000, 2), event('b1', 2000, 1), event('b2', 3000, 2), event('c1', 4000), event('b3', 5000, 5), event('c2', 6000)];
    const engine = engineRunner()(SCRIPT, events);
    expect(engine).toEqual(runReference(SCRIPT, events));
    // c1 completes {b2}; c2 completes {b2}, {b2, b3}, {b3}: b1 is below a.v.
    expect(engine.map((o) => [o.data['n'], o.data['total'], o.data['c']])).toEqual([
      [1, 2, 'c1'],
      [2, 7, 'c2'],
      [1, 2, 'c2'],
      [1, 5, 'c2'],
    ]);
  });

  it('counts the choices it cannot enumerate beyond the cap as dropped', () => {
    const engine = new Engine();
    engine.deploy(SCRIPT);
    const out: unknown[] = [];
    engine.subscribe('m', (e) => out.push(e));
    engine.push('S', event('a1', 1).data);
    for (let i = 0; i < 18; i++) engine.push('S', event(`b${i}`, 10 + i).data);
    engine.push('S', event('c1', 100).data);
    // 2^18 - 1 choices: the first 100,000 are emitted, the rest dropped and counted.
    expect(out.length).toBe(100_000);
    expect(engine.stats().runsDropped).toBe(2 ** 18 - 1 - 100_000);
  });
});

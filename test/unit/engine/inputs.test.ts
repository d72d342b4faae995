/**
 * Several named inputs (LANGUAGE.md section 3: "the watermark is the minimum, over the active
 * inputs, of the largest event time seen on each"; an idle input stops holding it back): what
 * the Kafka connector gives the engine, one input per partition.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/index.js';

const SCRIPT = "CREATE STREAM S (n INT, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM out AS SELECT n FROM S;\nCREATE STREAM w AS SELECT COUNT(*) AS c FROM S WINDOW TUMBLING (SIZE 100 MILLISECONDS);";

function engine() {
  const e = new Engine();
  const r = e.deploy(SCRIPT);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  const seen: string[] = [];
  e.subscribe('out', (x) => seen.push(`n${String(x.data['n'])}@${x.time}`));
  e.subscribe('w', (x) => seen.push(`w${String(x.data['c'])}@${x.time}`));
  e.subscribe('_rejected', (x) => seen.push(`rejected ${String(x.data['reason'])}`));
  return { e, seen };
}

describe('named inputs', () => {
  it('an input that sent timed events keeps holding the watermark when it sends a row of an untimed table (a WebSocket publisher of both)', () => {
    const e = new Engine();
    const r = e.deploy(`${SCRIPT}\nCREATE TABLE R (k STRING PRIMARY KEY, label STRING);`);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    const rejected: unknown[] = [];
    e.subscribe('_rejected', (x) => rejected.push(x.data['reason']));
    e.push('S', { n: 1, ts: 10 }, undefined, 'behind');
    e.push('S', { n: 2, ts: 1000 }, undefined, 'ahead');
    e.push('R', { k: 'a', label: 'x' }, undefined, 'behind');
    // Still the least of the two: the one behind is not late.
    e.push('S', { n: 3, ts: 50 }, undefined, 'behind');
    expect(rejected).toEqual([]);
    expect(e.stats().watermark).toBe(50);
  });

  it('an input ahead waits for the others: a backlog on one does not make the other late', () => {
    const { e, seen } = engine();
    e.addInput('p0');
    e.addInput('p1');
    e.push('S', { n: 1, ts: 10 }, undefined, 'p0');
    expect(seen).toEqual([]); // p1 has sent nothing yet: it holds the watermark
    e.push('S', { n: 2, ts: 250 }, undefined, 'p0'); // ahead: waits for p1
    e.push('S', { n: 3, ts: 20 }, undefined, 'p1'); // behind, but not late
    e.push('S', { n: 4, ts: 120 }, undefined, 'p1');
    expect(seen).toEqual(['n1@10', 'n3@20', 'w2@100', 'n4@120']);
    e.push('S', { n: 5, ts: 260 }, undefined, 'p1');
    expect(seen.slice(4)).toEqual(['w1@200', 'n2@250']);
    e.end();
    expect(seen.slice(6)).toEqual(['n5@260', 'w2@300']);
  });

  it('an idle input stops holding the watermark back, until it sends again', () => {
    const { e, seen } = engine();
    e.addInput('p0');
    e.addInput('p1');
    e.push('S', { n: 1, ts: 10 }, undefined, 'p0');
    e.push('S', { n: 2, ts: 20 }, undefined, 'p1');
    e.push('S', { n: 3, ts: 500 }, undefined, 'p0');
    expect(seen).toEqual(['n1@10', 'n2@20']);
    e.inputIdle('p1');
    expect(seen).toEqual(['n1@10', 'n2@20', 'w2@100', 'n3@500']);
    // p1 again, behind the watermark: late; ahead of it: accepted.
    e.push('S', { n: 4, ts: 400 }, 'topic t, partition 1, offset 9', 'p1');
    // The reason is `late` alone (section 3), where the input is: queries select on it.
    expect(seen.at(-1)).toBe('rejected late');
    e.push('S', { n: 5, ts: 600 }, undefined, 'p1');
    e.push('S', { n: 6, ts: 700 }, undefined, 'p0');
    expect(seen.slice(5)).toEqual(['w1@600', 'n5@600']);
  });

  it('an idle input announced again is active: it holds the watermark where it is; another advances it (a replica)', () => {
    const { e, seen } = engine();
    e.addInput('p0');
    e.addInput('p1');
    e.push('S', { n: 1, ts: 10 }, undefined, 'p0');
    e.inputIdle('p1');
    e.inputIdle('p0');
    e.addInput('p1'); // given again: it holds the watermark at 10
    e.push('S', { n: 2, ts: 300 }, undefined, 'p0');
    expect(seen).toEqual(['n1@10']);
    e.push('S', { n: 3, ts: 50 }, undefined, 'p1'); // not late
    expect(seen).toEqual(['n1@10', 'n3@50']);
    // p1 sent up to 250 to another engine: here it counts as if it had.
    e.advanceInput('p1', 250);
    expect(seen).toEqual(['n1@10', 'n3@50', 'w2@100']); // the watermark is 250: n2@300 still waits
    expect(e.inputTime('p1')).toBe(250);
    expect(e.inputs().sort()).toEqual(['p0', 'p1']);
  });

  it('a removed input no longer holds the watermark back; a new one cannot move it back', () => {
    const { e, seen } = engine();
    e.addInput('p0');
    e.addInput('p1');
    e.push('S', { n: 1, ts: 300 }, undefined, 'p0');
    e.push('S', { n: 2, ts: 10 }, undefined, 'p1');
    expect(seen).toEqual(['n2@10']);
    e.removeInput('p1');
    expect(seen).toEqual(['n2@10', 'w1@100', 'n1@300']);
    e.push('S', { n: 3, ts: 50 }, undefined, 'p2');
    expect(seen.at(-1)).toBe('rejected late');
    expect(e.stats().watermark).toBe(300);
  });
});

/**
 * Edges of rejection and of tables found by a conformance review: the `late` reason, events
 * too deep to write out, engine options that are no numbers, tables of a key alone.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/index.js';

function rejections(e: Engine): { stream: string; reason: string; event: unknown }[] {
  const seen: { stream: string; reason: string; event: unknown }[] = [];
  e.subscribe('_rejected', (ev) => seen.push(ev.data as { stream: string; reason: string; event: unknown }));
  return seen;
}

describe('rejections', () => {
  it("a late event's reason is `late` whatever its origin (section 3)", () => {
    const e = new Engine();
    e.deploy("CREATE STREAM S (n INT, ts TIMESTAMP) WITH (timestamp = 'ts');");
    const seen = rejections(e);
    e.push('S', { n: 1, ts: 100 });
    e.push('S', { n: 2, ts: 50 }, 'mqtt topic sensors/2');
    expect(seen).toEqual([{ stream: 'S', reason: 'late', event: { n: 2, ts: 50 } }]);
  });

  it('an event rejected for nesting too deep is shown cut at 256 levels, so that it can be written out', () => {
    const e = new Engine();
    e.deploy("CREATE STREAM S (j JSON, ts TIMESTAMP) WITH (timestamp = 'ts');");
    const seen = rejections(e);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5000; i++) deep = [deep];
    e.push('S', { j: deep, ts: 1 });
    expect(seen).toHaveLength(1);
    const text = JSON.stringify(seen[0]!.event);
    expect(text.startsWith('{"j":[[[')).toBe(true);
    expect(text).toContain('"…"');
    expect(text).not.toContain('bottom');
    let depth = 0;
    for (let v = seen[0]!.event; typeof v === 'object' && v !== null; v = Array.isArray(v) ? v[0] : (v as { j: unknown }).j) depth++;
    expect(depth).toBe(256);
  });
});

describe('engine options', () => {
  it('refuses a lateness or a cap that is no number of 0 or more', () => {
    expect(() => new Engine({ lateness: -5 })).toThrow('the engine option lateness must be a finite number of milliseconds of 0 or more, not -5');
    expect(() => new Engine({ lateness: NaN })).toThrow(RangeError);
    expect(() => new Engine({ lateness: Infinity })).toThrow(RangeError);
    expect(() => new Engine({ maxRunsPerQuery: -1 })).toThrow('the engine option maxRunsPerQuery must be a number of 0 or more, not -1');
    expect(() => new Engine({ maxHeapBytes: Infinity, maxGroups: 0, lateness: 0 })).not.toThrow();
  });
});

describe('tables', () => {
  it('a table of a key and an event time alone keeps its rows: it has no column to be NULL, so no row deletes', () => {
    const e = new Engine();
    const r = e.deploy(`CREATE TABLE Blocked (card STRING PRIMARY KEY, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM Txn (card STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM blocked_txn AS SELECT Txn.card FROM Txn JOIN Blocked ON Txn.card = Blocked.card;
CREATE STREAM looked_up AS SELECT card FROM Txn WHERE LOOKUP(Blocked, card) IS NOT NULL;`);
    expect(r.ok).toBe(true);
    const out: string[] = [];
    for (const s of ['blocked_txn', 'looked_up']) e.subscribe(s, (ev) => out.push(`${ev.stream} ${JSON.stringify(ev.data)}`));
    e.push('Blocked', { card: 'c1', ts: 100 });
    e.push('Txn', { card: 'c1', ts: 200 });
    e.push('Txn', { card: 'c2', ts: 300 });
    e.end();
    expect(out).toEqual(['blocked_txn {"card":"c1"}', 'looked_up {"card":"c1"}']);
  });
});

/** Engine.snapshot / restore: what is carried over, and what is refused. */
import { describe, expect, it } from 'vitest';
import { Engine, type OutputEvent } from '../../../src/index.js';
import { SnapshotError } from '../../../src/util/state-codec.js';

const SCRIPT = `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM card_testing AS
  SELECT a.card, a.amount AS probe, b.amount AS charge
  FROM PATTERN a=Txn[amount < 1] -> b=Txn[amount > 500] PARTITION BY card WITHIN 1 MINUTE;`;

function engine(script = SCRIPT, lateness = 0): { engine: Engine; out: OutputEvent[] } {
  const e = new Engine({ lateness });
  const deployed = e.deploy(script);
  if (!deployed.ok) throw new Error(JSON.stringify(deployed.diagnostics));
  const out: OutputEvent[] = [];
  e.subscribe('card_testing', (o) => out.push(o));
  return { engine: e, out };
}

describe('engine checkpoints', () => {
  it('a partial match, an event waiting for the watermark and the clock go over to a new engine', () => {
    const first = engine(SCRIPT, 5000);
    first.engine.push('Txn', { card: 'c1', amount: 0.5, ts: 1000 });
    first.engine.push('Txn', { card: 'c1', amount: 900, ts: 2000 });
    expect(first.engine.stats().runsAlive).toBe(0); // both wait for the watermark (5 s lateness)
    const bytes = first.engine.snapshot();
    const second = engine(SCRIPT, 5000);
    second.engine.restore(bytes);
    expect(second.engine.stats().watermark).toBe(first.engine.stats().watermark);
    // An event older than the restored watermark is late in the new engine too.
    second.engine.push('Txn', { card: 'c2', amount: 1, ts: -5000 });
    expect(second.engine.stats().late).toBe(1);
    second.engine.end();
    expect(second.out.map((o) => o.data)).toEqual([{ card: 'c1', probe: 0.5, charge: 900 }]);
    expect(first.out).toEqual([]);
  });

  it('is refused by an engine with other deployments, or one that has seen events, changing nothing', () => {
    const first = engine();
    first.engine.push('Txn', { card: 'c1', amount: 0.5, ts: 1000 });
    const bytes = first.engine.snapshot();
    const other = engine(SCRIPT.replace('amount > 500', 'amount > 600'));
    expect(() => other.engine.restore(bytes)).toThrow(/other deployments.*amount > 500/s);
    const used = engine();
    used.engine.push('Txn', { card: 'c9', amount: 5, ts: 1 });
    expect(() => used.engine.restore(bytes)).toThrow(SnapshotError);
    expect(() => engine().engine.restore(new Uint8Array([0xff, 0x0f, 1]))).toThrow(SnapshotError);
  });

  it('cannot be taken from a subscriber, in the middle of processing an event', () => {
    const first = engine();
    let error: unknown;
    first.engine.subscribe('Txn', () => {
      try {
        first.engine.snapshot();
      } catch (e) {
        error = e;
      }
    });
    first.engine.push('Txn', { card: 'c1', amount: 0.5, ts: 1000 });
    expect(error).toBeInstanceOf(SnapshotError);
  });
});

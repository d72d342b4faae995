/** Engine.snapshot / restore: what is carried over, and what is refused. */
import { describe, expect, it } from 'vitest';
import { Engine, type OutputEvent } from '../../../src/index.js';
import { decodeState, encodeState, SnapshotError } from '../../../src/util/state-codec.js';

const SCRIPT = `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM card_testing AS
  SELECT a.card, a.amount AS probe, b.amount AS charge
  FROM PATTERN a=Txn[amount < 1] -> b=Txn[amount > 500] PARTITION BY card WITHIN 1 MINUTE;`;

interface OldRun {
  bound: unknown[];
  trail: { seq: number; element: number; atom: number; prev: unknown } | undefined;
  next: OldRun | undefined;
}

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

  it('bytes that decode and name the same deployments but cannot be loaded are refused, leaving the engine as it was', () => {
    const first = engine();
    first.engine.push('Txn', { card: 'c1', amount: 0.5, ts: 1000 });
    const good = first.engine.snapshot();
    // The snapshot of an engine that saw nothing holds no reference to an operator: it decodes
    // without them. Its query's state is replaced by something no pattern operator can load.
    const state = decodeState(engine().engine.snapshot()) as { seq: number; queries: [string, unknown][] };
    state.seq = 1000;
    state.queries = state.queries.map(([name]) => [name, 42]);
    const broken = encodeState(state);
    const target = engine();
    expect(() => target.engine.restore(broken)).toThrow(/could not be loaded/);
    // Nothing of the broken bytes stayed: the engine takes a good snapshot and goes on from it.
    target.engine.restore(good);
    target.engine.push('Txn', { card: 'c1', amount: 900, ts: 2000 });
    expect(target.out.map((o) => o.data)).toEqual([{ card: 'c1', probe: 0.5, charge: 900 }]);
  });

  it('a refused restore leaves no part of the snapshot behind, in any operator', () => {
    // An aggregate, a window and a join deployed before the pattern load their parts of the
    // snapshot; then the pattern's part fails. The engine must be as new, not hold the others.
    const [stream, pattern] = SCRIPT.split(/(?<=;)\n/);
    const script = `${stream}
CREATE STREAM counts AS SELECT card, COUNT(*) AS n FROM Txn GROUP BY card;
CREATE STREAM per_minute AS SELECT card, COUNT(*) AS n FROM Txn WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY card;
CREATE STREAM pairs AS SELECT l.card AS card, r.amount AS later FROM Txn l JOIN Txn r WITHIN 1 MINUTE ON l.card = r.card WHERE r.ts > l.ts;
${pattern}`;
    const first = engine(script);
    first.engine.push('Txn', { card: 'c1', amount: 0.5, ts: 1000 });
    first.engine.push('Txn', { card: 'c1', amount: 3, ts: 1500 });
    const names = ['counts', 'per_minute', 'pairs', 'card_testing'];
    const stand = new Map(names.map((n) => [`query ${n}`, {}]));
    const state = decodeState(first.engine.snapshot(), stand) as { queries: [string, unknown][] };
    state.queries = state.queries.map(([name, saved]) => [name, name === 'card_testing' ? 42 : saved]);
    const target = engine(script);
    const outputs: Record<string, unknown[]> = {};
    for (const n of names.slice(0, 3)) target.engine.subscribe(n, (o) => (outputs[n] ??= []).push(o.data));
    expect(() => target.engine.restore(encodeState(state, new Map([...stand].map(([k, v]) => [v, k]))))).toThrow(/could not be loaded/);
    expect(Object.values(target.engine.stats().perQuery).map((q) => q.state)).toEqual([0, 0, 0, 0]);
    target.engine.push('Txn', { card: 'c1', amount: 7, ts: 2000 });
    target.engine.end();
    expect(outputs).toEqual({ counts: [{ card: 'c1', n: 1 }], per_minute: [{ card: 'c1', n: 1 }] });
  });

  it('takes back runs saved before patterns of single events kept their bindings beside their events', () => {
    const first = engine();
    first.engine.push('Txn', { card: 'c1', amount: 0.5, ts: 1000 });
    first.engine.push('Txn', { card: 'c1', amount: 0.7, ts: 1500 });
    const operator = {};
    const state = decodeState(first.engine.snapshot(), new Map([['query card_testing', operator]])) as {
      queries: [string, { partitions: Map<string, { head?: OldRun }> }][];
    };
    // The earlier layout: a run's slot array holds its events only (a and b), and which event
    // each element bound is a list of bindings, newest first.
    let runs = 0;
    for (const partition of state.queries[0]![1].partitions.values()) {
      for (let run = partition.head; run; run = run.next) {
        const seqs = run.bound.slice(2) as (number | undefined)[];
        run.bound = run.bound.slice(0, 2);
        run.trail = undefined;
        seqs.forEach((seq, element) => seq !== undefined && (run!.trail = { seq, element, atom: 0, prev: run!.trail }));
        expect(run.trail).toBeDefined();
        runs++;
      }
    }
    expect(runs).toBe(2);
    const second = engine();
    second.engine.restore(encodeState(state, new Map([[operator, 'query card_testing']])));
    // The runs are in the present layout again: their events, then the event of each element.
    const again = decodeState(second.engine.snapshot(), new Map([['query card_testing', operator]])) as typeof state;
    const layouts = [...again.queries[0]![1].partitions.values()].flatMap((p) => {
      const out: unknown[][] = [];
      for (let run = p.head; run; run = run.next) out.push([run.trail, ...run.bound.slice(2)]);
      return out;
    });
    expect(layouts).toEqual([
      [undefined, 1, undefined],
      [undefined, 2, undefined],
    ]);
    second.engine.push('Txn', { card: 'c1', amount: 900, ts: 2000 });
    expect(second.out.map((o) => o.data)).toEqual([
      { card: 'c1', probe: 0.5, charge: 900 },
      { card: 'c1', probe: 0.7, charge: 900 },
    ]);
  });

  it('takes back a hopping window saved when it kept panes, before windows of few overlaps kept their own sums', () => {
    const script = `CREATE STREAM S (k STRING, v INT, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM sums AS SELECT k, COUNT(*) AS n, SUM(v) AS total, WINDOW_START AS ws FROM S WINDOW HOPPING (SIZE 2 SECONDS, ADVANCE BY 1 SECOND) GROUP BY k;`;
    const start = (): { engine: Engine; out: OutputEvent[] } => {
      const e = new Engine();
      const deployed = e.deploy(script);
      if (!deployed.ok) throw new Error(JSON.stringify(deployed.diagnostics));
      const out: OutputEvent[] = [];
      e.subscribe('sums', (o) => out.push(o));
      return { engine: e, out };
    };
    const first = start();
    first.engine.push('S', { k: 'a', v: 1, ts: 1100 });
    first.engine.push('S', { k: 'a', v: 2, ts: 1200 });
    const operator = {};
    const state = decodeState(first.engine.snapshot(), new Map([['query sums', operator]])) as {
      queries: [string, { groups: Map<string, { panes: { index: number; state: unknown }[] }>; perWindow?: boolean }][];
    };
    const saved = state.queries[0]![1];
    // Now: windows 0 ([0, 2000)) and 1 ([1000, 3000)), each with both events. Before: one pane
    // of 1 second, [1000, 2000), which holds both, and no perWindow mark.
    const group = saved.groups.get('a')!;
    expect(group.panes.map((p) => p.index)).toEqual([0, 1]);
    group.panes.splice(0, 1);
    delete saved.perWindow;
    const second = start();
    second.engine.restore(encodeState(state, new Map([[operator, 'query sums']])));
    second.engine.push('S', { k: 'a', v: 4, ts: 2500 });
    second.engine.end();
    expect(second.out.map((o) => o.data)).toEqual([
      { k: 'a', n: 2, total: 3, ws: 0 },
      { k: 'a', n: 3, total: 7, ws: 1000 },
      { k: 'a', n: 1, total: 4, ws: 2000 },
    ]);
  });

  it('takes back INT sums saved before they were exact: Kleene runs with two numbers of work each, windows without a high part', () => {
    const script = `CREATE STREAM S (k STRING, v INT, kind STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM kleene AS SELECT SUM(r.v) AS total, COUNT(r) AS n FROM PATTERN r=S[kind = 'r']{3} WITHIN 1 MINUTE;
CREATE STREAM windows AS SELECT SUM(v) AS total FROM S WINDOW TUMBLING (SIZE 1 MINUTE);`;
    const start = (): { engine: Engine; out: OutputEvent[] } => {
      const e = new Engine();
      const deployed = e.deploy(script);
      if (!deployed.ok) throw new Error(JSON.stringify(deployed.diagnostics));
      const out: OutputEvent[] = [];
      for (const stream of ['kleene', 'windows']) e.subscribe(stream, (o) => out.push(o));
      return { engine: e, out };
    };
    const first = start();
    first.engine.push('S', { k: 'a', v: 10, kind: 'r', ts: 1000 });
    first.engine.push('S', { k: 'a', v: 20, kind: 'r', ts: 2000 });
    const kleene = {};
    const windows = {};
    const names = new Map([
      ['query kleene', kleene],
      ['query windows', windows],
    ]);
    const state = decodeState(first.engine.snapshot(), names) as {
      queries: [string, { partitions?: Map<string, { head?: { work: number[]; next?: unknown } }>; groups?: Map<string, { panes: { state: Record<string, unknown> }[] }> }][];
    };
    let runs = 0;
    for (const [name, q] of state.queries) {
      if (name === 'kleene') {
        for (const p of q.partitions!.values()) {
          for (let run = p.head; run; run = run.next as typeof run) {
            expect(run.work).toHaveLength(6);
            run.work.length = 4; // two aggregates, two numbers each
            runs++;
          }
        }
      } else for (const g of q.groups!.values()) for (const pane of g.panes) delete pane.state['h0'];
    }
    expect(runs).toBe(2);
    const second = start();
    second.engine.restore(encodeState(state, new Map([...names].map(([k, v]) => [v, k]))));
    second.engine.push('S', { k: 'a', v: Number.MAX_SAFE_INTEGER, kind: 'r', ts: 3000 });
    second.engine.push('S', { k: 'a', v: -Number.MAX_SAFE_INTEGER, kind: 'r', ts: 4000 });
    second.engine.end();
    expect(second.out.map((o) => [o.stream, o.data])).toEqual([
      // 10 + 20 + (2^53 - 1) is past the safe integers; 20 + (2^53 - 1) - (2^53 - 1) is 20.
      ['kleene', { total: null, n: 3 }],
      ['kleene', { total: 20, n: 3 }],
      ['windows', { total: 30 }],
    ]);
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

import { describe, expect, it } from 'vitest';
import { Engine, type OutputEvent } from '../../../src/index.js';

const S = "CREATE STREAM S (name STRING NOT NULL, kind STRING, v INT, d DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');\n";

function deploy(engine: Engine, script: string): void {
  const r = engine.deploy(script);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
}

function collect(engine: Engine, stream: string): OutputEvent[] {
  const out: OutputEvent[] = [];
  engine.subscribe(stream, (e) => out.push(e));
  return out;
}

const ev = (name: string, ts: number, extra: Record<string, unknown> = {}) => ({ name, kind: name.replace(/\d+$/, ''), ts, ...extra });

describe('rejected events (section 2)', () => {
  it('rejects with a reason, counts, publishes on _rejected, and goes on', () => {
    const engine = new Engine();
    deploy(engine, S + 'CREATE STREAM all_s AS SELECT name FROM S;');
    const rejected = collect(engine, '_rejected');
    const out = collect(engine, 'all_s');
    engine.push('S', 42);
    engine.push('S', { kind: 'x', ts: 1 });
    engine.push('S', { name: 'a', d: '12', ts: 1 });
    engine.push('S', { name: 'a', v: 1.5, ts: 1 });
    engine.push('S', { name: 'a', ts: 'yesterday' });
    engine.push('S', { name: 'a' });
    engine.push('Nope', { name: 'a', ts: 1 });
    engine.push('all_s', { name: 'a' });
    engine.push('S', { name: 'ok', ts: '1970-01-01T00:00:01.500Z', extra: 'ignored' });
    expect(rejected.map((r) => r.data['reason'])).toEqual([
      'an event must be a JSON object, not the number 42',
      "missing NOT NULL column 'name'",
      "column 'd' must be DOUBLE, not the string \"12\"",
      "column 'v' must be INT (a safe integer), not the number 1.5",
      "column 'ts' must be a TIMESTAMP (epoch milliseconds or an ISO-8601 string), not the string \"yesterday\"",
      "missing timestamp 'ts'",
      "unknown stream 'Nope'",
      "'all_s' is a query's output: events cannot be pushed to it",
    ]);
    expect(rejected[2]!.data).toMatchObject({ stream: 'S', event: { name: 'a', d: '12', ts: 1 } });
    expect(out).toEqual([{ stream: 'all_s', time: 1500, data: { name: 'ok' } }]);
    expect(engine.stats()).toMatchObject({ eventsIn: 9, rejected: 8, late: 0, outputs: 1 });
  });

  it('rejects an object whose fields cannot be read, without throwing', () => {
    const engine = new Engine();
    deploy(engine, S);
    const rejected = collect(engine, '_rejected');
    const hostile = Object.defineProperty({ ts: 1 }, 'name', { get: () => { throw new Error('gotcha'); }, enumerable: true });
    expect(() => engine.push('S', hostile)).not.toThrow();
    expect(() => engine.push('S', new Proxy({}, { get: () => { throw new Error('trap'); } }))).not.toThrow();
    expect(rejected.map((r) => r.data['reason'])).toEqual(['the event could not be read: gotcha', 'the event could not be read: trap']);
  });

  it('reads timestamps in the stream\'s timestamp_format and timezone, and ISO-8601 always', () => {
    const engine = new Engine();
    deploy(
      engine,
      "CREATE STREAM L (name STRING, ts TIMESTAMP) WITH (timestamp = 'ts', timestamp_format = 'dd/MM/yyyy HH:mm', timezone = 'Europe/London');\n" +
        'CREATE STREAM out AS SELECT name, ts FROM L;',
    );
    const out = collect(engine, 'out');
    const rejected = collect(engine, '_rejected');
    engine.push('L', { name: 'summer', ts: '01/07/2026 12:00' });
    engine.push('L', { name: 'iso-no-offset', ts: '2026-07-01T12:30:00' });
    engine.push('L', { name: 'iso-utc', ts: '2026-07-01T12:00:00Z' });
    engine.push('L', { name: 'bad', ts: '2026/07/01 13:00' });
    // 12:00 in London in July is 11:00 UTC; an ISO string without an offset is read in the zone too.
    expect(out.map((o) => [o.data['name'], o.time])).toEqual([
      ['summer', Date.UTC(2026, 6, 1, 11, 0)],
      ['iso-no-offset', Date.UTC(2026, 6, 1, 11, 30)],
      ['iso-utc', Date.UTC(2026, 6, 1, 12, 0)],
    ]);
    expect(rejected.map((r) => r.data['reason'])).toEqual([
      `column 'ts' must be a TIMESTAMP (epoch milliseconds or an ISO-8601 string or 'dd/MM/yyyy HH:mm'), not the string "2026/07/01 13:00"`,
    ]);
  });

  it('partitions by a JSON key that cannot be serialised without throwing', () => {
    const engine = new Engine();
    deploy(engine, "CREATE STREAM J (name STRING, k JSON, ts TIMESTAMP) WITH (timestamp = 'ts');\n" + "CREATE STREAM m AS SELECT a.name AS a, b.name AS b FROM PATTERN a=J[name = 'a'] -> b=J[name = 'b'] PARTITION BY k WITHIN 1 MINUTE;");
    const out = collect(engine, 'm');
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => engine.push('J', { name: 'a', k: circular, ts: 1 })).not.toThrow();
    expect(() => engine.push('J', { name: 'b', k: 10n, ts: 2 })).not.toThrow();
    engine.push('J', { name: 'a', k: { id: 1 }, ts: 3 });
    engine.push('J', { name: 'b', k: { id: 1 }, ts: 4 });
    expect(out.map((o) => o.data)).toEqual([{ a: 'a', b: 'b' }]);
  });

  it('rejects an event older than the watermark as late', () => {
    const engine = new Engine();
    deploy(engine, S + 'CREATE STREAM all_s AS SELECT name FROM S;');
    const rejected = collect(engine, '_rejected');
    engine.push('S', ev('a1', 2000));
    engine.push('S', ev('a2', 1999));
    engine.push('S', ev('a3', 2000));
    // Published at the watermark (2000); the event keeps its own time.
    expect(rejected.map((r) => [r.data['reason'], r.time, (r.data['event'] as { ts: number }).ts])).toEqual([['late', 2000, 1999]]);
    expect(engine.stats()).toMatchObject({ late: 1, rejected: 1, outputs: 2 });
  });

  it('publishes late events on _rejected at the watermark, so that a window over _rejected closes once', () => {
    const engine = new Engine();
    deploy(
      engine,
      S +
        'CREATE STREAM per_second AS SELECT COUNT(*) AS n, WINDOW_START AS ws FROM _rejected WINDOW TUMBLING (SIZE 1 SECOND);\n' +
        'CREATE STREAM last_second AS SELECT COUNT(*) AS n FROM _rejected WINDOW SLIDING (SIZE 1 SECOND);',
    );
    const perSecond = collect(engine, 'per_second');
    const lastSecond = collect(engine, 'last_second');
    engine.push('S', ev('a1', 5000));
    engine.push('S', ev('x1', 500));
    engine.push('S', ev('b1', 5100));
    engine.push('S', ev('y1', 600));
    engine.end();
    expect(perSecond.map((o) => [o.time, o.data])).toEqual([[6000, { n: 2, ws: 5000 }]]);
    expect(lastSecond.map((o) => [o.time, o.data['n']])).toEqual([
      [5000, 1],
      [5100, 2],
    ]);
  });

  it('with allowed lateness, reorders events by time and keeps ties in arrival order', () => {
    const engine = new Engine({ lateness: 1000 });
    deploy(engine, S + 'CREATE STREAM all_s AS SELECT name FROM S;');
    const out = collect(engine, 'all_s');
    for (const [name, ts] of [['a', 3000], ['b', 2500], ['c', 3000], ['d', 2000], ['e', 1000]] as const) engine.push('S', ev(name, ts));
    // The watermark is 3000 - 1000: only d (2000) has been reached; e (1000) is late.
    expect(out.map((o) => o.data['name'])).toEqual(['d']);
    expect(engine.stats().rejected).toBe(1);
    engine.end();
    expect(out.map((o) => o.data['name'])).toEqual(['d', 'b', 'a', 'c']);
  });

  it('rejects JSON nested deeper than 256 levels, timestamps beyond a Date, and says what it got in words', () => {
    const engine = new Engine();
    deploy(engine, "CREATE STREAM J (p JSON, s STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM o AS SELECT p FROM J;");
    const rejected = collect(engine, '_rejected');
    const out = collect(engine, 'o');
    const nest = (levels: number): unknown => (levels === 0 ? 1 : [nest(levels - 1)]);
    engine.push('J', { p: nest(256), ts: 1 });
    engine.push('J', { p: nest(257), ts: 2 });
    engine.push('J', { p: nest(5000), ts: 3 });
    engine.push('J', { ts: 8.64e15 + 1 });
    engine.push('J', { ts: -8.64e15 - 1 });
    engine.push('J', undefined);
    engine.push('J', { s: {}, ts: 4 });
    expect(out).toHaveLength(1);
    expect(rejected.map((r) => r.data['reason'])).toEqual([
      "column 'p' nests deeper than 256 levels",
      "column 'p' nests deeper than 256 levels",
      "column 'ts' must be a TIMESTAMP (epoch milliseconds or an ISO-8601 string), not the number 8640000000000001",
      "column 'ts' must be a TIMESTAMP (epoch milliseconds or an ISO-8601 string), not the number -8640000000000001",
      'an event must be a JSON object, not undefined',
      "column 's' must be STRING, not an object",
    ]);
    // The watermark did not move past the rejected times.
    engine.push('J', { p: 2, ts: 5 });
    expect(out.map((o) => o.data['p'])).toEqual([nest(256), 2]);
  });

  it("reads a timestamp without an offset in the stream's timezone, an offset such as 'UTC+3' as the time functions take it", () => {
    const engine = new Engine();
    deploy(engine, "CREATE STREAM Z (ts TIMESTAMP) WITH (timestamp = 'ts', timezone = 'UTC+3');\nCREATE STREAM o AS SELECT HOUR(ts, 'UTC+3') AS h FROM Z;");
    const out = collect(engine, 'o');
    engine.push('Z', { ts: '2026-01-01T03:00:00' });
    expect(out).toEqual([{ stream: 'o', time: Date.parse('2026-01-01T00:00:00Z'), data: { h: 3 } }]);
  });

  it('rejects a time without a date as a timestamp (it would be dated by the clock)', () => {
    const engine = new Engine();
    deploy(engine, S + 'CREATE STREAM all_s AS SELECT name FROM S;');
    const rejected = collect(engine, '_rejected');
    const out = collect(engine, 'all_s');
    for (const ts of ['05:06:07', '12:00Z', '050607+01:00', '2026-12-06T05:06:07Z']) engine.push('S', { name: ts, ts });
    expect(rejected.map((r) => (r.data['event'] as { ts: string }).ts)).toEqual(['05:06:07', '12:00Z', '050607+01:00']);
    expect(out).toEqual([{ stream: 'all_s', time: Date.parse('2026-12-06T05:06:07Z'), data: { name: '2026-12-06T05:06:07Z' } }]);
  });

  it('reads columns named after Object.prototype fields only from the event itself (a missing one is NULL)', () => {
    const engine = new Engine();
    deploy(
      engine,
      "CREATE STREAM P (id INT, `constructor` STRING, `valueOf` JSON, `__proto__` JSON, ts TIMESTAMP) WITH (timestamp = 'ts');\n" +
        'CREATE STREAM o AS SELECT id, `constructor`, `valueOf`, `valueOf` IS NULL AS v_null, `__proto__` FROM P;',
    );
    const out = collect(engine, 'o');
    const rejected = collect(engine, '_rejected');
    engine.push('P', { id: 1, ts: 1 });
    engine.push('P', JSON.parse('{"id": 2, "constructor": "c", "valueOf": [1], "__proto__": {"x": 1}, "ts": 2}'));
    expect(rejected).toEqual([]);
    expect(out.map((o) => o.data)).toEqual([
      { id: 1, constructor: null, valueOf: null, v_null: true, ['__proto__']: null },
      { id: 2, constructor: 'c', valueOf: [1], v_null: false, ['__proto__']: { x: 1 } },
    ]);
    expect(Object.keys(out[1]!.data)).toEqual(['id', 'constructor', 'valueOf', 'v_null', '__proto__']);
  });
});

describe('patterns', () => {
  it('keeps partitions apart', () => {
    const engine = new Engine();
    deploy(engine, S + "CREATE STREAM m AS SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b'] PARTITION BY v WITHIN 1 MINUTE;");
    const out = collect(engine, 'm');
    engine.push('S', ev('a1', 1000, { v: 1 }));
    engine.push('S', ev('a2', 2000, { v: 2 }));
    engine.push('S', ev('b1', 3000, { v: 2 }));
    engine.push('S', ev('b2', 4000, { v: 1 }));
    expect(out.map((o) => [o.data, o.time])).toEqual([
      [{ a: 'a2', b: 'b1' }, 3000],
      [{ a: 'a1', b: 'b2' }, 4000],
    ]);
  });

  it('a trailing NOT completes at first.ts + WITHIN, and its output feeds a derived pattern', () => {
    const engine = new Engine();
    deploy(
      engine,
      S +
        "CREATE STREAM quiet AS SELECT a.name AS a, a.v AS v FROM PATTERN a=S[kind = 'a'] -> NOT S[kind = 'n'] WITHIN 5 SECONDS;\n" +
        'CREATE STREAM twice AS SELECT x.a AS first, y.a AS second FROM PATTERN x=quiet -> y=quiet WITHIN 1 MINUTE;',
    );
    const quiet = collect(engine, 'quiet');
    const twice = collect(engine, 'twice');
    engine.push('S', ev('a1', 1000));
    engine.push('S', ev('a2', 2000));
    engine.push('S', ev('x1', 6000));
    // The timer fires once the watermark passes 6000, not when it reaches it.
    expect(quiet).toEqual([]);
    engine.push('S', ev('x1', 6001));
    expect(quiet.map((o) => [o.data['a'], o.time])).toEqual([['a1', 6000]]);
    engine.push('S', ev('x2', 7001));
    expect(quiet.map((o) => [o.data['a'], o.time])).toEqual([['a1', 6000], ['a2', 7000]]);
    expect(twice.map((o) => [o.data, o.time])).toEqual([[{ first: 'a1', second: 'a2' }, 7000]]);
    engine.push('S', ev('a3', 8000));
    engine.end();
    expect(quiet.map((o) => o.time)).toEqual([6000, 7000, 13000]);
  });

  it('counts runs alive and lets them expire', () => {
    const engine = new Engine();
    deploy(engine, S + "CREATE STREAM m AS SELECT a.name AS a FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b'] WITHIN 1 SECOND;");
    engine.push('S', ev('a1', 1000));
    engine.push('S', ev('a2', 1500));
    expect(engine.stats().runsAlive).toBe(2);
    // An event no atom can use is not even shown to the pattern: expired runs are dropped by the
    // sweep once per WITHIN (the first at the first run's deadline, 2000).
    engine.push('S', ev('x', 2001));
    expect(engine.stats().runsAlive).toBe(1);
    engine.push('S', ev('x', 3000));
    expect(engine.stats().runsAlive).toBe(1);
    engine.push('S', ev('x', 3001));
    expect(engine.stats().runsAlive).toBe(0);
    // An event that could concern a run steps its partition, and drops what expired there.
    engine.push('S', ev('a3', 4000));
    engine.push('S', ev('a4', 4500));
    engine.push('S', ev('b1', 5200));
    expect(engine.stats().runsAlive).toBe(0);
  });

  it('drops runs beyond the cap per partition, and counts them', () => {
    const engine = new Engine({ maxRunsPerPartition: 3 });
    deploy(engine, S + "CREATE STREAM m AS SELECT a.name AS a FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b'] WITHIN 1 MINUTE;");
    const out = collect(engine, 'm');
    for (let i = 1; i <= 5; i++) engine.push('S', ev(`a${i}`, i * 1000));
    engine.push('S', ev('b1', 9000));
    expect(engine.stats()).toMatchObject({ runsDropped: 2 });
    expect(out.map((o) => o.data['a'])).toEqual(['a1', 'a2', 'a3']);
  });

  it('never loses a match to the caps: a fork that completes holds no state', () => {
    const engine = new Engine({ maxRunsPerPartition: 2 });
    deploy(engine, S + "CREATE STREAM m AS SELECT a.name AS a, b.name AS b FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b'] WITHIN 1 MINUTE USING SKIP TILL ANY MATCH;");
    const out = collect(engine, 'm');
    engine.push('S', ev('a1', 1000));
    engine.push('S', ev('a2', 2000));
    engine.push('S', ev('b1', 3000));
    engine.push('S', ev('b2', 4000));
    expect(out.map((o) => `${String(o.data['a'])}${String(o.data['b'])}`)).toEqual(['a1b1', 'a2b1', 'a1b2', 'a2b2']);
    expect(engine.stats().runsDropped).toBe(0);
  });

  it('drops runs beyond the cap per query', () => {
    const engine = new Engine({ maxRunsPerQuery: 2 });
    deploy(engine, S + "CREATE STREAM m AS SELECT a.name AS a FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b'] PARTITION BY v WITHIN 1 MINUTE;");
    for (let i = 1; i <= 4; i++) engine.push('S', ev(`a${i}`, i * 1000, { v: i }));
    expect(engine.stats()).toMatchObject({ runsAlive: 2, runsDropped: 2 });
  });
});

describe('aggregation (section 7)', () => {
  it('groups by expressions and selects them, alone or inside larger expressions, as SQL does', () => {
    const engine = new Engine();
    deploy(
      engine,
      S + "CREATE STREAM by_kind AS SELECT UPPER(kind) AS k, UPPER(kind) || '!' AS shout, v + 1 AS next, COUNT(*) AS n FROM S GROUP BY UPPER(kind), v + 1;",
    );
    const out = collect(engine, 'by_kind');
    engine.push('S', ev('a1', 1000, { v: 1 }));
    engine.push('S', ev('A2', 1001, { kind: 'A', v: 1 }));
    engine.push('S', ev('b1', 1002, { v: 1 }));
    engine.push('S', ev('a3', 1003, { v: 2 }));
    expect(out.map((o) => o.data)).toEqual([
      { k: 'A', shout: 'A!', next: 2, n: 1 },
      { k: 'A', shout: 'A!', next: 2, n: 2 },
      { k: 'B', shout: 'B!', next: 2, n: 1 },
      { k: 'A', shout: 'A!', next: 3, n: 1 },
    ]);
  });

  it('sums a hopping window in event order, as over its events alone (up to 16 windows per event)', () => {
    const engine = new Engine();
    deploy(
      engine,
      S +
        'CREATE STREAM hop AS SELECT SUM(d) AS s, AVG(d) AS m, WINDOW_START AS ws FROM S WINDOW HOPPING (SIZE 2 SECONDS, ADVANCE BY 1 SECOND);\n' +
        'CREATE STREAM fine AS SELECT SUM(d) AS s, WINDOW_START AS ws FROM S WINDOW HOPPING (SIZE 2 SECONDS, ADVANCE BY 100 MILLISECONDS);',
    );
    const hop = collect(engine, 'hop');
    const fine = collect(engine, 'fine');
    const values = [0.1, 0.2, 0.3, 0.6];
    const times = [0, 100, 1000, 1100];
    values.forEach((d, i) => engine.push('S', ev(`a${i}`, times[i]!, { d })));
    engine.end();
    // Window [0, 2000) holds all four: summed one by one, 0.1 + 0.2 + 0.3 + 0.6 is 1.2000000000000002
    // (the sum of the two panes of a second, 0.30000000000000004 + 0.8999999999999999, is 1.2).
    const inOrder = values.reduce((a, b) => a + b, 0);
    expect(inOrder).toBe(1.2000000000000002);
    expect(hop.find((o) => o.data['ws'] === 0)?.data).toEqual({ s: inOrder, m: inOrder / 4, ws: 0 });
    // 20 windows hold each event: panes of 100 ms, merged, so the sum may differ in its last bits.
    expect(fine.find((o) => o.data['ws'] === 0)?.data['s']).toBeCloseTo(1.2, 12);
    expect(fine).toHaveLength(31);
  });

  it('still rejects a column that is grouped only inside an expression', () => {
    const r = new Engine().deploy(S + 'CREATE STREAM bad AS SELECT kind, COUNT(*) AS n FROM S GROUP BY UPPER(kind);');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.code)).toEqual(['CQL3024']);
  });
});

describe('the library API', () => {
  it('deploys atomically: a script with an error deploys nothing', () => {
    const engine = new Engine();
    const r = engine.deploy(S + 'CREATE STREAM big AS SELECT name FROM S WHERE nope > 1;');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.diagnostics.map((d) => d.code)).toEqual(['CQL2002']);
    engine.push('S', ev('a', 1));
    expect(engine.stats().rejected).toBe(1);
    expect(engine.catalog().has('S')).toBe(false);
  });

  it('runs a chain of 100 derived streams, and refuses a 101st with its position (an event runs through the chain at once)', () => {
    const chain = (n: number): string =>
      "CREATE STREAM s0 (v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\n" + Array.from({ length: n }, (_, i) => `CREATE STREAM s${i + 1} AS SELECT v FROM s${i};`).join('\n');
    const engine = new Engine();
    deploy(engine, chain(100));
    const out = collect(engine, 's100');
    engine.push('s0', { v: 7, ts: 1 });
    expect(out).toEqual([{ stream: 's100', time: 1, data: { v: 7 } }]);
    const refused = new Engine().deploy(chain(103));
    expect(!refused.ok && refused.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['CQL3031', 102, 37]]);
  });

  it('gives the plan of each EXPLAIN statement with the deployment, and does not run it', () => {
    const engine = new Engine();
    const r = engine.deploy(S + "EXPLAIN SELECT name FROM S WHERE kind = 'x';\nEXPLAIN SELECT COUNT(*) AS n FROM S;");
    expect(r.ok && r.deployment.queries).toEqual([]);
    expect(r.ok && r.deployment.explained.map((p) => p.split('\n')[0])).toEqual(['query query_1 (filter)', 'query query_1 (aggregate)']);
    expect(engine.queries()).toEqual([]);
  });

  it('streams outputs through an async iterator that ends at end()', async () => {
    const engine = new Engine();
    deploy(engine, S + "CREATE STREAM big AS SELECT name, v * 2 AS v2 FROM S WHERE v > 1;");
    const iterator = engine.events('big');
    engine.pushBatch('S', [ev('a', 1, { v: 1 }), ev('b', 2, { v: 2 }), ev('c', 3, { v: 3 })]);
    engine.end();
    const seen: unknown[] = [];
    for await (const e of iterator) seen.push(e.data);
    expect(seen).toEqual([{ name: 'b', v2: 4 }, { name: 'c', v2: 6 }]);
  });

  it('delivers input streams to subscribers, and survives a subscriber that throws', () => {
    const engine = new Engine();
    deploy(engine, S);
    const seen: string[] = [];
    engine.subscribe('S', () => {
      throw new Error('boom');
    });
    engine.subscribe('S', (e) => seen.push(String(e.data['name'])));
    engine.push('S', ev('a', 1));
    expect(seen).toEqual(['a']);
    expect(engine.stats().subscriberErrors).toBe(1);
  });

  it('sees subscriptions and queries that come and go between events, and inside a delivery', () => {
    const engine = new Engine();
    deploy(engine, S + 'CREATE STREAM all_s AS SELECT name FROM S;');
    engine.push('S', ev('a', 1));
    // Subscribed after outputs have gone out: the next one comes.
    const late: string[] = [];
    const stopLate = engine.subscribe('all_s', (e) => late.push(String(e.data['name'])));
    engine.push('S', ev('b', 2));
    stopLate();
    engine.push('S', ev('c', 3));
    expect(late).toEqual(['b']);
    // A subscriber that removes another one during a delivery: the other gets nothing after.
    const seen: string[] = [];
    let stopOther = (): void => undefined;
    engine.subscribe('all_s', (e) => {
      seen.push(`first ${String(e.data['name'])}`);
      stopOther();
    });
    stopOther = engine.subscribe('all_s', (e) => seen.push(`second ${String(e.data['name'])}`));
    engine.push('S', ev('d', 4));
    engine.push('S', ev('e', 5));
    expect(seen).toEqual(['first d', 'first e']);
    // A query deployed later over the derived stream reads its next events; undeployed, no more.
    const deployed = engine.deploy('CREATE STREAM again AS SELECT name FROM all_s;');
    if (!deployed.ok) throw new Error('deploy');
    const again = collect(engine, 'again');
    engine.push('S', ev('f', 6));
    expect(engine.undeploy(deployed.deployment)).toEqual({ ok: true });
    engine.push('S', ev('g', 7));
    expect(again.map((e) => e.data['name'])).toEqual(['f']);
  });

  it('gives an event to the readers deployed or undeployed by a subscriber of its stream, while it is delivered', () => {
    const engine = new Engine();
    deploy(engine, S);
    let later: number | undefined;
    const stop = engine.subscribe('S', () => {
      const r = engine.deploy('CREATE STREAM again AS SELECT name FROM S;');
      if (r.ok) later = r.deployment.id;
      stop();
    });
    const again = collect(engine, 'again');
    engine.push('S', ev('a', 1));
    engine.push('S', ev('b', 2));
    expect(again.map((e) => e.data['name'])).toEqual(['a', 'b']);
    const stopAgain = engine.subscribe('S', () => {
      expect(engine.undeploy(later!)).toEqual({ ok: true });
      stopAgain();
    });
    engine.push('S', ev('c', 3));
    expect(again.map((e) => e.data['name'])).toEqual(['a', 'b']);
    expect(engine.stats().outputs).toBe(2);
  });

  it('calls user-defined functions; one that throws gives NULL and counts a fault', () => {
    const engine = new Engine();
    engine.registerFunction('risky', (x) => {
      if (x === 'bad') throw new Error('no');
      return `${String(x)}!`;
    }, { returns: 'STRING', params: ['STRING'] });
    deploy(engine, S + 'CREATE STREAM r AS SELECT RISKY(name) AS r FROM S;');
    const out = collect(engine, 'r');
    engine.push('S', ev('ok', 1));
    engine.push('S', ev('bad', 2));
    expect(out.map((o) => o.data['r'])).toEqual(['ok!', null]);
    expect(engine.stats().faults).toBe(1);
  });

  it("calls a user-defined function registered under a percentile's name (the user's own, not section 12's aggregate)", () => {
    const engine = new Engine();
    engine.registerFunction('median', (x) => `m:${String(x)}`, { returns: 'STRING', params: ['STRING'] });
    deploy(engine, S + 'CREATE STREAM r AS SELECT MEDIAN(name) AS r FROM S;');
    const out = collect(engine, 'r');
    engine.push('S', ev('ok', 1));
    expect(out.map((o) => o.data['r'])).toEqual(['m:ok']);
  });

  it('undeploys, and refuses while another deployment reads its streams', () => {
    const engine = new Engine();
    const first = engine.deploy(S);
    const second = engine.deploy('CREATE STREAM big AS SELECT name FROM S WHERE v > 1;');
    if (!first.ok || !second.ok) throw new Error('deploy failed');
    expect(engine.undeploy(first.deployment)).toEqual({ ok: false, reason: "'big' (another deployment) reads 'S'" });
    expect(engine.undeploy(second.deployment)).toEqual({ ok: true });
    expect(engine.catalog().has('big')).toBe(false);
    expect(engine.undeploy(first.deployment)).toEqual({ ok: true });
    expect(engine.deploy(S).ok).toBe(true);
  });

  it('keeps a table of the latest row per key for LOOKUP', () => {
    const engine = new Engine();
    deploy(
      engine,
      S +
        "CREATE TABLE Risk (card STRING PRIMARY KEY, score DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');\n" +
        "CREATE STREAM risky AS SELECT a.name AS a FROM PATTERN a=S[LOOKUP(Risk, name).score > 0.5] -> b=S WITHIN 1 MINUTE;",
    );
    const out = collect(engine, 'risky');
    engine.push('Risk', { card: 'x', score: 0.9, ts: 1 });
    engine.push('Risk', { card: 'y', score: 0.9, ts: 2 });
    engine.push('Risk', { card: 'y', score: null, ts: 3 });
    engine.push('S', ev('x', 10));
    engine.push('S', ev('y', 11));
    engine.push('S', ev('z', 12));
    expect(out.map((o) => o.data['a'])).toEqual(['x']);
  });
});

describe('output names (section 5)', () => {
  it('names a column written without AS by the last name of its path, however it is qualified', () => {
    const engine = new Engine();
    deploy(engine, "CREATE STREAM L (id STRING, p JSON, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM o AS SELECT id, L.id AS again, p.n, L.p.m, L.p.x.y FROM L;");
    const out = collect(engine, 'o');
    engine.push('L', { id: 'a', p: { n: 1, m: 2, x: { y: 3 } }, ts: 1 });
    expect(out.map((o) => o.data)).toEqual([{ id: 'a', again: 'a', n: 1, m: 2, y: 3 }]);
  });
});

describe('tables without a timestamp column (section 8)', () => {
  const SCRIPT =
    "CREATE STREAM Txn (card STRING, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');\n" +
    'CREATE TABLE Risk (card STRING PRIMARY KEY, score DOUBLE);\n' +
    'CREATE STREAM risky AS SELECT t.card, t.amount, r.score FROM Txn t JOIN Risk r ON t.card = r.card WHERE r.score > 0.8;';
  const input: [string, Record<string, unknown>][] = [
    ['Risk', { card: 'c1', score: 0.9 }],
    ['Txn', { card: 'c1', amount: 10, ts: 1000 }],
    ['Risk', { card: 'c1', score: 0.5 }],
    ['Txn', { card: 'c1', amount: 20, ts: 2000 }],
    ['Risk', { card: 'c1', score: 0.95 }],
    ['Txn', { card: 'c1', amount: 30, ts: 2000 }],
    ['Txn', { card: 'c1', amount: 40, ts: 2500 }],
  ];
  const run = (lateness: number, events = input): { data: unknown[]; stats: ReturnType<Engine['stats']> } => {
    const engine = new Engine({ lateness });
    deploy(engine, SCRIPT);
    const out = collect(engine, 'risky');
    for (const [stream, data] of events) engine.push(stream, data);
    engine.end();
    return { data: out.map((o) => [o.time, o.data['amount'], o.data['score']]), stats: engine.stats() };
  };

  it('applies its rows at the latest event time, in arrival order, without moving the clock', () => {
    const { data, stats } = run(0);
    // A wall-clock stamp would move the watermark past every Txn: all of them would be late.
    expect(stats.late).toBe(0);
    expect(data).toEqual([
      [1000, 10, 0.9],
      [2000, 30, 0.95],
      [2500, 40, 0.95],
    ]);
  });

  it('gives the same output under allowed lateness, with events reordered within it', () => {
    expect(run(5000).data).toEqual(run(0).data);
    // Txn at 2500 arrives before the Risk updates: they happen at 2500, after it and after the
    // Txn events at 2000 that arrive later but come earlier in event time.
    const reordered: [string, Record<string, unknown>][] = [input[0]!, input[1]!, input[6]!, input[2]!, input[3]!, input[4]!, input[5]!];
    expect(run(5000, reordered).data).toEqual([
      [1000, 10, 0.9],
      [2000, 20, 0.9],
      [2000, 30, 0.9],
      [2500, 40, 0.9],
    ]);
  });
});

describe('routing many rules by their equalities with constants (section 5)', () => {
  type Event = { name: string; kind: string | null; v: number | null; ts: number };
  const RULES: [where: string, holds: (e: Event) => boolean][] = [
    ["kind = 'a'", (e) => e.kind === 'a'],
    ["kind IN ('a', 'b')", (e) => e.kind === 'a' || e.kind === 'b'],
    ["kind = 'b' AND v > 1", (e) => e.kind === 'b' && e.v !== null && e.v > 1],
    ["kind = 'a' OR v = 3", (e) => e.kind === 'a' || e.v === 3],
    ['v = 2', (e) => e.v === 2],
    ['TRUE', () => true],
    ["kind = 'c' AND kind = 'a'", () => false],
    ["'c' = kind", (e) => e.kind === 'c'],
  ];

  it('gives every rule the events it can satisfy, in deployment order, as rules come and go', () => {
    const engine = new Engine();
    deploy(engine, S);
    const out: string[] = [];
    const deployments: number[] = [];
    const live: { name: string; holds: (e: Event) => boolean; deployment: number }[] = [];
    const add = (n: number) => {
      const [where, holds] = RULES[n % RULES.length]!;
      const name = `r${n}`;
      const r = engine.deploy(`CREATE STREAM ${name} AS SELECT name FROM S WHERE ${where};`);
      if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
      engine.subscribe(name, (e) => out.push(`${e.data['name']}:${name}`));
      deployments.push(r.deployment.id);
      live.push({ name, holds, deployment: r.deployment.id });
    };
    const expected: string[] = [];
    let ts = 0;
    const push = () => {
      for (const kind of ['a', 'b', 'c', 'd', null]) {
        for (const v of [1, 2, 3, null]) {
          const e: Event = { name: `e${ts}`, kind, v, ts: ts++ };
          engine.push('S', e);
          for (const rule of live) if (rule.holds(e)) expected.push(`${e.name}:${rule.name}`);
        }
      }
    };
    for (let n = 0; n < 40; n++) add(n);
    push();
    for (let n = 40; n < 44; n++) add(n);
    push();
    for (const k of [3, 8, 16, 17]) {
      const i = live.findIndex((r) => r.name === `r${k}`);
      expect(engine.undeploy(live[i]!.deployment)).toEqual({ ok: true });
      live.splice(i, 1);
    }
    push();
    expect(out).toEqual(expected);
    expect(out.length).toBeGreaterThan(500);
  });
});

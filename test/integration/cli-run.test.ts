/** `cepheus run` and `cepheus explain`, as users run them: the built binary in a child process. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/cepheus.js');
const dir = mkdtempSync(join(tmpdir(), 'cepheus-run-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function cepheus(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SCRIPT = file(
  'card.cql',
  `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM Verified (card STRING NOT NULL, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM card_testing AS
SELECT a.card, a.amount AS probe, b.amount AS charge, b.ts - a.ts AS gap_ms
FROM PATTERN a=Txn[amount < 1.00] -> NOT Verified -> b=Txn[amount > 500]
PARTITION BY card WITHIN 10 MINUTES;
`,
);

const lines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);

describe('cepheus run', () => {
  it('reads envelopes from standard input and prints each output as a JSON line', () => {
    const input = [
      { stream: 'Txn', data: { card: 'c1', amount: 0.5, ts: 1000 } },
      { stream: 'Txn', data: { card: 'c2', amount: 0.5, ts: 2000 } },
      { stream: 'Verified', data: { card: 'c2', ts: 3000 } },
      { stream: 'Txn', data: { card: 'c1', amount: 900, ts: 4000 } },
      { stream: 'Txn', data: { card: 'c2', amount: 900, ts: 5000 } },
    ].map((e) => JSON.stringify(e)).join('\n');
    const r = cepheus(['run', SCRIPT], input);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([{ stream: 'card_testing', time: 4000, data: { card: 'c1', probe: 0.5, charge: 900, gap_ms: 3000 } }]);
    expect(r.stderr).toMatch(/^events: 5, outputs: 1, matches: 1, rejected: 0, time: [\d.]+ s, events\/s: \d+\n$/);
  });

  it('prints the plan of an EXPLAIN statement on standard error, and does not run it (section 9)', () => {
    const script = file(
      'explain.cql',
      `CREATE STREAM S (i INT, ts TIMESTAMP) WITH (timestamp = 'ts');
EXPLAIN SELECT i FROM S WHERE i > 1;
CREATE STREAM o AS SELECT i FROM S;
`,
    );
    const r = cepheus(['run', script], JSON.stringify({ stream: 'S', data: { i: 5, ts: 1 } }));
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([{ stream: 'o', time: 1, data: { i: 5 } }]);
    expect(r.stderr).toMatch(/^query query_1 \(filter\)\n {2}reads: S\n {2}operators: read S -> filter \[i > 1\] -> project\n/);
    expect(r.stderr).toMatch(/\nevents: 1, outputs: 1, /);
  });

  it('writes out matches as they come, in bounded memory (447,580 from 140 events, in a 40 MB heap)', () => {
    // SKIP TILL ANY MATCH over 140 events of one key: C(140, 3) = 447,580 matches (9,870 runs,
    // under the cap). Held until the end of the input, as they once were, they need more than
    // the 40 MB heap the run is given, and it runs out of memory.
    const script = file(
      'any.cql',
      `CREATE STREAM T (k STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM m AS SELECT a.ts AS a, b.ts AS b, c.ts AS c FROM PATTERN a=T -> b=T -> c=T WITHIN 1 DAY USING SKIP TILL ANY MATCH;
`,
    );
    const input = file('any.ndjson', Array.from({ length: 140 }, (_, i) => JSON.stringify({ stream: 'T', data: { k: 'x', ts: i + 1 } })).join('\n') + '\n');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" --max-old-space-size=40 "${BIN}" run "${script}" --input "${input}" | wc -l`], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/^events: 140, outputs: 447580, matches: 447580, rejected: 0, time/);
    expect(Number(r.stdout.trim())).toBe(447580);
  }, 120_000);

  it('says in the summary how many runs the caps dropped, when some were', () => {
    const script = file(
      'caps.cql',
      `CREATE STREAM S (kind STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM pairs AS SELECT a.ts AS at FROM PATTERN a=S[kind = 'a'] -> b=S[kind = 'b'] WITHIN 1 HOUR;
`,
    );
    // The default cap is 10,000 runs per partition: five of these 10,005 runs are dropped.
    const input = Array.from({ length: 10_005 }, (_, i) => JSON.stringify({ stream: 'S', data: { kind: 'a', ts: 1000 + i } })).join('\n');
    const r = cepheus(['run', script], input);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^events: 10005, outputs: 0, matches: 0, rejected: 0, dropped: 5, time: /);
  });

  it('says in the summary how many run-time faults there were, when some were', () => {
    const script = file('faults.cql', "CREATE STREAM S (k STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM n AS SELECT CAST(k AS INT) AS n FROM S;\n");
    const input = ['12', 'twelve', '7', 'x'].map((k, i) => JSON.stringify({ stream: 'S', data: { k, ts: i } })).join('\n');
    const r = cepheus(['run', script], input);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { data: { n: unknown } }).data.n)).toEqual([12, null, 7, null]);
    expect(r.stderr).toMatch(/^events: 4, outputs: 4, matches: 0, rejected: 0, faults: 2, time: /);
    // None: not said.
    expect(cepheus(['run', script], JSON.stringify({ stream: 'S', data: { k: '1', ts: 1 } })).stderr).toMatch(/rejected: 0, time: /);
  });

  it('reports a bad line with its number, skips it, and goes on', () => {
    const input = [
      '{"stream":"Txn","data":{"card":"c1","amount":0.5,"ts":1000}}',
      'not json',
      '{"stream":"Txn","data":{"card":"c1","amount":"900","ts":2000}}',
      '{"data":{}}',
      '{"stream":"Txn","data":{"card":"c1","amount":900,"ts":3000}}',
    ].join('\n');
    const r = cepheus(['run', SCRIPT], input);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('<stdin>:2: skipped: not JSON');
    expect(r.stderr).toContain(`<stdin>:3: rejected: column 'amount' must be DOUBLE, not the string "900"`);
    expect(r.stderr).toContain('<stdin>:4: skipped: expected {"stream": "<name>", "data": {...}}');
    expect(lines(r.stdout)).toHaveLength(1);
    expect(r.stderr).toMatch(/rejected: 3,/);
  });

  it("rejects a line of a stream's own input that is no JSON onto _rejected, as section 2 says of every rejected event", () => {
    const script = file(
      'rejected.cql',
      "CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM bad AS SELECT stream, reason, event FROM _rejected;\n",
    );
    const input = file('bare.ndjson', ['{"card":"c1","amount":1,"ts":1000}', 'garbage', '5'].join('\n'));
    const r = cepheus(['run', script, '--input', `Txn=${input}`]);
    expect(r.code).toBe(0);
    const rows = lines(r.stdout) as { data: { stream: string; reason: string; event: unknown } }[];
    expect(rows.map((o) => [o.data.stream, o.data.reason.split(':')[0], o.data.event])).toEqual([
      ['Txn', 'not JSON', 'garbage'],
      ['Txn', 'an event must be a JSON object, not the number 5', 5],
    ]);
    expect(r.stderr).toContain('bare.ndjson:2: rejected: not JSON');
    expect(r.stderr).toMatch(/rejected: 2,/);
  });

  it('reads past a byte-order mark before the first line', () => {
    const input = '\ufeff' + JSON.stringify({ stream: 'Txn', data: { card: 'c1', amount: 0.5, ts: 1000 } }) + '\n' + JSON.stringify({ stream: 'Txn', data: { card: 'c1', amount: 900, ts: 2000 } });
    const r = cepheus(['run', SCRIPT], input);
    expect(r.stderr).toMatch(/^events: 2, outputs: 1, matches: 1, rejected: 0,/);
  });

  it('skips a line longer than 16 MiB with its number, in time and memory of its length, and goes on', () => {
    const ok = (ts: number) => JSON.stringify({ stream: 'Txn', data: { card: 'c1', amount: 0.5, ts } });
    const long = JSON.stringify({ stream: 'Txn', data: { card: 'x'.repeat(17 * (1 << 20)), amount: 0.5, ts: 2000 } });
    const input = file('long.ndjson', [ok(1000), long, 'not json', ok(3000)].join('\n') + '\n');
    const script = file('all.cql', "CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM o AS SELECT ts FROM Txn;\n");
    const r = cepheus(['run', script, '--input', input]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      { stream: 'o', time: 1000, data: { ts: 1000 } },
      { stream: 'o', time: 3000, data: { ts: 3000 } },
    ]);
    expect(r.stderr).toContain('long.ndjson:2: skipped: longer than 16 MiB\n');
    expect(r.stderr).toMatch(/long\.ndjson:3: skipped: not JSON/);
  });

  it('merges several inputs by event time', () => {
    const txns = file('txns.ndjson', [{ card: 'c1', amount: 0.5, ts: 1000 }, { card: 'c1', amount: 900, ts: 5000 }].map((e) => JSON.stringify(e)).join('\n'));
    const checks = file('checks.ndjson', JSON.stringify({ card: 'c1', ts: 3000 }));
    // Read in order, Verified (3000) would come after both Txn events; merged by time it comes between.
    const r = cepheus(['run', SCRIPT, '--input', `Txn=${txns}`, '--input', `Verified=${checks}`]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([]);
    const r2 = cepheus(['run', SCRIPT, '--input', `Txn=${txns}`]);
    expect(lines(r2.stdout)).toHaveLength(1);
  });

  it('accepts allowed lateness, and refuses a bad one as a usage error', () => {
    const input = ['{"stream":"Txn","data":{"card":"c1","amount":900,"ts":4000}}', '{"stream":"Txn","data":{"card":"c1","amount":0.5,"ts":1000}}'].join('\n');
    expect(lines(cepheus(['run', SCRIPT], input).stdout)).toEqual([]);
    const late = cepheus(['run', SCRIPT, '--lateness', '5s'], input);
    expect(lines(late.stdout)).toHaveLength(1);
    expect(cepheus(['run', SCRIPT, '--lateness', 'soon']).code).toBe(2);
  });

  it('does not run a script with errors, and says why', () => {
    const bad = file('bad.cql', 'CREATE STREAM S (x INT, ts TIMESTAMP) WITH (timestamp = \'ts\');\nSELECT y FROM S;');
    const r = cepheus(['run', bad], '');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("2:8: error[CQL2002]: unknown column 'y'");
    expect(r.stderr).toContain('nothing was run');
  });
});

describe('cepheus explain', () => {
  it("prints a pattern's automaton, partition key, strategy and compiled conditions", () => {
    const r = cepheus(['explain', SCRIPT]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('query card_testing (pattern)');
    expect(r.stdout).toContain('partition by: Txn.card; Verified.card');
    expect(r.stdout).toContain('s0 --take a=Txn--> s1   when [amount < 1.00]');
    expect(r.stdout).toContain('s1 --kill on NOT Verified-->');
    expect(r.stdout).toContain('function cql_predicate(input, scope)');
  });
});

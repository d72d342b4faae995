/**
 * Throughput of windows, aggregation, joins and filters (LANGUAGE.md sections 5, 7, 8; the
 * issue's targets): events/s through `engine.push` per scenario, wall clock and per CPU-second
 * of the process, after a warm-up; and the cost per event of a sliding MAX as its window grows
 * from 1,000 to 100,000 events (it must stay flat).
 *
 *     npm run bench:relational                       # every scenario, 5 s each
 *     node dist/bench/relational.js --only vwap --seconds 10
 *
 * Every input is generated before anything is timed (seeded PRNG), 1 event per millisecond of
 * event time; outputs are subscribed (and counted), as an application would.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import type { Engine } from 'cepheus';
import { deployed, Feeder, mulberry32, repoRoot, rules, subscribeAll, T0, tradePool, type BenchEvent, type Pool, type Scenario } from './scenarios.js';

const TRADE = "CREATE STREAM Trade (symbol STRING NOT NULL, price DOUBLE NOT NULL, volume INT NOT NULL, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');\n";

/** Trades with prices walking by up to ±0.5% and volumes from 0 to 999 (some filtered by `volume > 0`). */
const trades = (symbols: number, poolSize: number, seed: number): Pool => tradePool(symbols, poolSize, seed, 0.01, 0);

const SCENARIOS: Record<string, () => Scenario> = {
  filter: () => ({
    id: 'filter',
    title: 'a filter and projection: SELECT symbol, price, volume FROM Trade WHERE volume > 900 (~10% pass)',
    stream: 'Trade',
    options: {},
    script: `${TRADE}CREATE STREAM big AS SELECT symbol, price, volume FROM Trade WHERE volume > 900;\n`,
    pool: () => trades(1_000, 200_000, 11),
  }),
  running: () => ({
    id: 'running',
    title: 'grouped running aggregate: COUNT, SUM, AVG per symbol (1,000 symbols), a row per event',
    stream: 'Trade',
    options: {},
    script: `${TRADE}CREATE STREAM totals AS SELECT symbol, COUNT(*) AS trades, SUM(volume) AS volume, AVG(price) AS avg_price FROM Trade GROUP BY symbol;\n`,
    pool: () => trades(1_000, 200_000, 12),
  }),
  vwap: () => ({
    id: 'vwap',
    title: 'VWAP per symbol, HOPPING 5 minutes every minute, 1,000 symbols (queries/trading-vwap.cql)',
    stream: 'Trade',
    options: {},
    script: `${TRADE}CREATE STREAM vwap_5m AS
SELECT symbol, SUM(price * volume) / SUM(volume) AS vwap, SUM(volume) AS volume, COUNT(*) AS trades,
       MIN(price) AS low, MAX(price) AS high, WINDOW_START AS window_from, WINDOW_END AS window_to
FROM Trade WINDOW HOPPING (SIZE 5 MINUTES, ADVANCE BY 1 MINUTE) WHERE volume > 0 GROUP BY symbol HAVING COUNT(*) >= 10;\n`,
    pool: () => trades(1_000, 600_000, 13),
  }),
  join: () => ({
    id: 'join',
    title: 'stream-stream join: Orders JOIN Fills WITHIN 5 MINUTES ON order_id (each order filled once, ~2 s later)',
    stream: 'Orders',
    options: {},
    script: `CREATE STREAM Orders (order_id STRING NOT NULL, side STRING, qty INT, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');
CREATE STREAM Fills (order_id STRING NOT NULL, qty INT, price DOUBLE, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');
CREATE STREAM order_fills AS SELECT o.order_id, o.side, f.qty, f.price, f.ts - o.ts AS latency_ms
FROM Orders o JOIN Fills f WITHIN 5 MINUTES ON o.order_id = f.order_id;\n`,
    // Half orders, half fills: order j at event 2j, its fill 4,001 events (ms) later. A pass
    // spans 10 minutes, more than WITHIN, so replayed order ids never meet their previous pass.
    pool: () => {
      const rnd = mulberry32(14);
      const n = 600_000;
      const events: BenchEvent[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const filled = (i - 1) / 2 - 2_000;
        events[i] =
          i % 2 === 0
            ? { stream: 'Orders', order_id: `o${i / 2}`, side: rnd() < 0.5 ? 'BUY' : 'SELL', qty: 100, ts: T0 + i }
            : filled >= 0
              ? { stream: 'Fills', order_id: `o${filled}`, qty: 100, price: 100 + rnd(), ts: T0 + i }
              : { stream: 'Orders', order_id: `x${i}`, side: 'BUY', qty: 1, ts: T0 + i };
      }
      return { events, span: n };
    },
  }),
  'rules-filter': () => rules('filter'),
};

/** Scenario `sliding-max-N`: MAX over the last N events of one stream (count window). */
function slidingMax(window: number): Scenario {
  return {
    id: `sliding-max-${window}`,
    title: `sliding MAX over ${window.toLocaleString('en-US')} events`,
    stream: 'Trade',
    options: {},
    script: `${TRADE}CREATE STREAM peak AS SELECT MAX(price) AS high, MIN(price) AS low, AVG(price) AS mean FROM Trade WINDOW SLIDING (SIZE ${window} EVENTS);\n`,
    pool: () => trades(1_000, 400_000, 15),
  };
}

interface Args {
  seconds: number;
  warmup: number;
  only: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seconds: 5, warmup: 2, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => argv[++i] ?? '';
    if (a === '--seconds') args.seconds = Number(next());
    else if (a === '--warmup') args.warmup = Number(next());
    else if (a === '--only') args.only = next();
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** Pushes events (by their own `stream` when they have one) for about `seconds`. */
function pushFor(engine: Engine, feeder: Feeder, seconds: number, mixed: boolean): number {
  const end = performance.now() + seconds * 1000;
  let pushed = 0;
  while (performance.now() < end) {
    if (mixed) {
      for (let i = 0; i < 1000 && feeder.left > 0; i++, pushed++) {
        const e = feeder.next();
        engine.push(e['stream'] as string, e);
      }
    } else pushed += feeder.push(1000);
    feeder.rewindIfDone();
  }
  return pushed;
}

interface Result {
  readonly id: string;
  readonly title: string;
  readonly eventsPerSecond: number;
  readonly eventsPerCpuSecond: number;
  readonly outputsPerEvent: number;
  readonly state: number;
}

function run(s: Scenario, args: Args): Result {
  const engine = deployed(s);
  let outputs = 0;
  subscribeAll(engine, () => outputs++);
  const pool = s.pool();
  const mixed = pool.events[0]!['stream'] !== undefined;
  const feeder = new Feeder(engine, s.stream, pool);
  pushFor(engine, feeder, args.warmup, mixed);
  outputs = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const pushed = pushFor(engine, feeder, args.seconds, mixed);
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const state = Object.values(engine.stats().perQuery).reduce((n, q) => n + q.state, 0);
  return { id: s.id, title: s.title, eventsPerSecond: pushed / wall, eventsPerCpuSecond: pushed / cpuSeconds, outputsPerEvent: outputs / pushed, state };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const scenarios = [...Object.values(SCENARIOS).map((f) => f()), ...[1_000, 10_000, 100_000].map(slidingMax)];
  const chosen = scenarios.filter((s) => args.only === undefined || s.id.startsWith(args.only));
  console.log(`cepheus relational bench: node ${process.version}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const results: Result[] = [];
  for (const s of chosen) {
    const r = run(s, args);
    results.push(r);
    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`${s.id.padEnd(18)} ${f(r.eventsPerSecond).padStart(11)} events/s  ${f(r.eventsPerCpuSecond).padStart(11)} per CPU-s  ${r.outputsPerEvent.toFixed(3)} outputs/event  state ${r.state}   ${s.title}`);
  }
  const dir = join(repoRoot(), 'bench', 'data');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `relational-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, loadavg: loadavg(), args, results }, null, 2));
  console.log(`results written to ${file}`);
}

main();

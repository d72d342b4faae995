/**
 * The benchmark scenarios (bench/README.md, LANGUAGE.md section 11): each is a CQL script and a
 * deterministic pool of input events (seeded PRNG), generated before anything is timed. A pool
 * is replayed as often as a run needs: after a pass, every event's `ts` moves forward by the
 * pass's event-time span (outside the timed region), so time never goes backwards and nothing
 * is late. The engine copies an event's columns into its own row when it validates it, so the
 * pool's objects may be changed once pushed.
 *
 *     const s = SCENARIOS.seq3;
 *     const engine = s.engine();          // deployed, outputs not subscribed yet
 *     const feeder = new Feeder(engine, s.stream, s.pool());
 *     feeder.push(10_000);                 // timed
 *     feeder.rewindIfDone();               // not timed
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, type EngineOptions } from 'cepheus';

/** The repository's root: the nearest folder above this file with cepheus's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'cepheus') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the cepheus repository above the bench files');
    dir = up;
  }
}

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same events. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An input event: a JSON object with its event time in `ts` (epoch milliseconds). */
export type BenchEvent = { ts: number } & Record<string, unknown>;

export interface Pool {
  readonly events: BenchEvent[];
  /** The event-time span of one pass: adding it to every `ts` replays the pool after itself. */
  readonly span: number;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** The stream every event of the pool is pushed to. */
  readonly stream: string;
  readonly script: string;
  readonly options: EngineOptions;
  pool(): Pool;
}

/** Event times start here (2024-01-01T00:00:00Z) and advance 1 ms per event. */
export const T0 = Date.UTC(2024, 0, 1);

/** A new engine with the scenario's script deployed; throws with the diagnostics otherwise. */
export function deployed(s: Pick<Scenario, 'script' | 'options'>): Engine {
  const engine = new Engine(s.options);
  const result = engine.deploy(s.script, { file: 'bench.cql' });
  if (!result.ok) throw new Error(`bench script does not deploy:\n${result.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  return engine;
}

/** Pushes a pool again and again, never across the end of a pass. */
export class Feeder {
  readonly engine: Engine;
  readonly stream: string;
  readonly pool: Pool;
  #pos = 0;
  passes = 0;

  constructor(engine: Engine, stream: string, pool: Pool) {
    this.engine = engine;
    this.stream = stream;
    this.pool = pool;
  }

  /** Events left in the current pass. */
  get left(): number {
    return this.pool.events.length - this.#pos;
  }

  /** The next event to push (the pass must not be done: call rewindIfDone first). */
  next(): BenchEvent {
    return this.pool.events[this.#pos++]!;
  }

  /** Pushes up to `n` events of the current pass; returns how many it pushed. */
  push(n: number): number {
    const events = this.pool.events;
    const end = Math.min(this.#pos + n, events.length);
    const engine = this.engine;
    const stream = this.stream;
    for (let i = this.#pos; i < end; i++) engine.push(stream, events[i]);
    const pushed = end - this.#pos;
    this.#pos = end;
    return pushed;
  }

  /** At the end of a pass, moves the pool's times past it; returns true when it did. Not timed. */
  rewindIfDone(): boolean {
    if (this.#pos < this.pool.events.length) return false;
    const span = this.pool.span;
    for (const e of this.pool.events) e.ts += span;
    this.#pos = 0;
    this.passes++;
    return true;
  }
}

// ------------------------------------------------------------------------------ (1) seq3

const EV = "CREATE STREAM Ev (key STRING NOT NULL, kind STRING NOT NULL, v DOUBLE NOT NULL, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');\n";

/**
 * (1) A 3-element partitioned SKIP TILL NEXT MATCH pattern over 10,000 keys. Kinds A/B/C are
 * equally likely, keys uniform, 1 ms per event: about 6 events per key per WITHIN window,
 * about 20,000 runs alive, about 0.09 matches per event.
 */
export function seq3(keys = 10_000, poolSize = 200_000, seed = 1): Scenario {
  return {
    id: 'seq3',
    title: `(1) a -> b -> c, SKIP TILL NEXT MATCH, PARTITION BY key, ${keys.toLocaleString('en-US')} keys`,
    stream: 'Ev',
    options: {},
    script:
      EV +
      `CREATE STREAM seq3 AS
SELECT a.key AS key, a.v AS av, b.v AS bv, c.v AS cv, c.ts - a.ts AS span_ms
FROM PATTERN a=Ev[kind = 'A'] -> b=Ev[kind = 'B' AND v > a.v] -> c=Ev[kind = 'C']
PARTITION BY key
WITHIN 1 MINUTE;
`,
    pool: () => {
      const rnd = mulberry32(seed);
      const names = Array.from({ length: keys }, (_, i) => `k${i}`);
      const kinds = ['A', 'B', 'C'];
      const events: BenchEvent[] = new Array(poolSize);
      for (let i = 0; i < poolSize; i++) {
        events[i] = { key: names[Math.floor(rnd() * keys)]!, kind: kinds[Math.floor(rnd() * 3)]!, v: Math.round(rnd() * 10_000) / 100, ts: T0 + i };
      }
      return { events, span: poolSize };
    },
  };
}

// ---------------------------------------------------------------------------- (2) kleene

/**
 * (2) A Kleene element with an iterative condition (LAST of itself): three or more rising
 * trades of a symbol, then a drop of more than 2% below the last rise, SKIP TILL NEXT MATCH.
 * Every trade starts a run; 1,000 symbols, prices a random walk of ±1.5% steps, 1 ms per event:
 * about 10 trades per symbol per WITHIN window.
 */
export function kleene(symbols = 1_000, poolSize = 200_000, seed = 2): Scenario {
  return {
    id: 'kleene',
    title: `(2) a -> r[price > COALESCE(LAST(r.price), a.price)]{3,} -> d, ${symbols.toLocaleString('en-US')} symbols`,
    stream: 'Trade',
    options: {},
    script: `CREATE STREAM Trade (symbol STRING NOT NULL, price DOUBLE NOT NULL, volume INT NOT NULL, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');
CREATE STREAM momentum AS
SELECT a.symbol AS symbol, a.price AS start_price, LAST(r.price) AS peak, d.price AS drop_price,
       COUNT(r) AS rises, AVG(r.volume) AS avg_volume
FROM PATTERN a=Trade
          -> r=Trade[price > COALESCE(LAST(r.price), a.price)]{3,}
          -> d=Trade[price < LAST(r.price) * 0.98]
PARTITION BY symbol
WITHIN 10 SECONDS;
`,
    pool: () => tradePool(symbols, poolSize, seed, 0.03, 1),
  };
}

/**
 * Trades of `symbols` symbols whose prices walk at random by up to ±step/2 per trade within
 * [10, 1000], volumes uniform from `minVolume` to `minVolume + 999`, 1 ms apart.
 */
export function tradePool(symbols: number, poolSize: number, seed: number, step: number, minVolume: number): Pool {
  const rnd = mulberry32(seed);
  const names = Array.from({ length: symbols }, (_, i) => `S${i}`);
  const prices = Array.from({ length: symbols }, () => 50 + rnd() * 100);
  const events: BenchEvent[] = new Array(poolSize);
  for (let i = 0; i < poolSize; i++) {
    const s = Math.floor(rnd() * symbols);
    const p = Math.min(1000, Math.max(10, prices[s]! * (1 + (rnd() - 0.5) * step)));
    prices[s] = p;
    events[i] = { symbol: names[s]!, price: Math.round(p * 100) / 100, volume: minVolume + Math.floor(rnd() * 1000), ts: T0 + i };
  }
  return { events, span: poolSize };
}

// ------------------------------------------------------------------------------- (3) any

/**
 * (3) SKIP TILL ANY MATCH `a -> b+ -> c`, unpartitioned, as the window grows: each window is one
 * A, `window` B events (all qualifying) and one C that does not qualify, 1 ms apart, and WITHIN
 * covers exactly one window. So the measure is the cost of keeping a window's runs, not of
 * enumerating matches (one qualifying C would complete 2^window - 1 of them, which the
 * spec allows to cost as much as the output). The B condition compares the event only with a
 * constant and an earlier singleton, and nothing reads b afterwards: LANGUAGE.md section 11
 * requires a shared structure for exactly this shape. With `readsB`, c's condition also reads
 * COUNT(b), which puts the query outside that shape: a run per choice of B events.
 */
export function skipAny(window: number, windows = Math.max(1, Math.floor(100_000 / window)), options: EngineOptions = {}, readsB = false): Scenario {
  const per = window + 2;
  // `COUNT(b) > 0` in c's condition reads an aggregate of b after it: the shape section 11
  // does not cover, where every choice of B events is a run of its own.
  const c = readsB ? "c=S[kind = 'C' AND v > a.v AND COUNT(b) > 0]" : "c=S[kind = 'C' AND v > a.v]";
  return {
    id: `any-${window}${readsB ? '-counted' : ''}`,
    title: `(3) a -> b+ -> c${readsB ? '[… COUNT(b) > 0]' : ''}, SKIP TILL ANY MATCH, ${window.toLocaleString('en-US')} B events per window`,
    stream: 'S',
    options,
    script: `CREATE STREAM S (kind STRING NOT NULL, v DOUBLE NOT NULL, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');
CREATE STREAM any_abc AS
SELECT a.v AS av, c.v AS cv, c.ts - a.ts AS span_ms
FROM PATTERN a=S[kind = 'A'] -> b=S[kind = 'B' AND v > a.v]+ -> ${c}
WITHIN ${window + 1} MILLISECONDS
USING SKIP TILL ANY MATCH;
`,
    pool: () => {
      const rnd = mulberry32(3);
      const events: BenchEvent[] = [];
      for (let w = 0; w < windows; w++) {
        const t = T0 + w * per;
        events.push({ kind: 'A', v: 50, ts: t });
        for (let i = 1; i <= window; i++) events.push({ kind: 'B', v: 51 + Math.round(rnd() * 4900) / 100, ts: t + i });
        events.push({ kind: 'C', v: 10, ts: t + window + 1 });
      }
      return { events, span: windows * per };
    },
  };
}

// ----------------------------------------------------------------------------- (4) rules

const TXN = "CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE NOT NULL, mcc STRING NOT NULL, country STRING NOT NULL, ts TIMESTAMP NOT NULL) WITH (timestamp = 'ts');\n";
const COUNTRIES = ['US', 'GB', 'FR', 'DE', 'ES', 'IT', 'NL', 'BE', 'PL', 'SE', 'NO', 'DK', 'FI', 'IE', 'PT', 'AT', 'CH', 'CZ', 'HU', 'RO'];
const MCCS = ['5411', '5812', '5732', '5944', '5947', '6010', '6011', '4829', '6051', '7995'];

/** The rule statements of scenario (4), without the stream: `kind` filter or pattern. */
export function ruleStatements(kind: 'filter' | 'pattern', rules: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < rules; i++) {
    const country = COUNTRIES[i % COUNTRIES.length]!;
    const mcc = MCCS[Math.floor(i / COUNTRIES.length) % MCCS.length]!;
    const threshold = 500 + (i % 50) * 10;
    out.push(
      kind === 'filter'
        ? `CREATE STREAM rule_${i} AS SELECT card, amount, mcc, country FROM Txn WHERE amount > ${threshold} AND country = '${country}' AND mcc = '${mcc}';\n`
        : `CREATE STREAM rule_${i} AS SELECT a.card AS card, a.amount AS probe, b.amount AS charge
FROM PATTERN a=Txn[amount < 2 AND mcc = '${mcc}'] -> b=Txn[amount > ${threshold} AND country = '${country}']
PARTITION BY card WITHIN 10 MINUTES;\n`,
    );
  }
  return out;
}

/**
 * (4) 1,000 rules on one stream, deployed as one script: filters (`WHERE amount > t AND
 * country = c AND mcc = m`, each passing about 1 event in 800, so about 1.25 outputs per event)
 * or two-element patterns partitioned by card (a probe under 2 with the rule's mcc, then an
 * amount over the rule's threshold in its country). 100,000 cards, amounts uniform in
 * [0, 1000), 1 ms per event.
 */
export function rules(kind: 'filter' | 'pattern', count = 1_000, poolSize = 200_000, seed = 4): Scenario {
  return {
    id: `rules-${kind}`,
    title: `(4) ${count.toLocaleString('en-US')} ${kind} rules on one stream`,
    stream: 'Txn',
    options: {},
    script: TXN + ruleStatements(kind, count).join(''),
    pool: () => txnPool(poolSize, seed),
  };
}

export function txnPool(poolSize: number, seed: number): Pool {
  const rnd = mulberry32(seed);
  const cards = Array.from({ length: 100_000 }, (_, i) => `c${i}`);
  const events: BenchEvent[] = new Array(poolSize);
  for (let i = 0; i < poolSize; i++) {
    events[i] = {
      card: cards[Math.floor(rnd() * cards.length)]!,
      amount: Math.round(rnd() * 100_000) / 100,
      mcc: MCCS[Math.floor(rnd() * MCCS.length)]!,
      country: COUNTRIES[Math.floor(rnd() * COUNTRIES.length)]!,
      ts: T0 + i,
    };
  }
  return { events, span: poolSize };
}

/** The output streams of a deployed engine, each subscribed with `onOutput`. */
export function subscribeAll(engine: Engine, onOutput: () => void): void {
  for (const stream of engine.outputStreams()) engine.subscribe(stream, onOutput);
}

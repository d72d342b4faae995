/**
 * The throughput and latency harness (bench/README.md). One process, one engine per scenario,
 * pools generated before anything is timed. Per scenario:
 *
 * - warm-up: the pool is pushed for `--warmup` seconds (state reaches its steady size);
 * - throughput: pushed in chunks of 1,000 for `--seconds` seconds of timed pushing;
 * - latency at full speed: each push is timed with `process.hrtime.bigint()`; a subscriber reads
 *   the clock again on every emission (emissions happen inside the push that completes the
 *   match), so one sample per output event, push to emission;
 * - latency at 10% of the measured rate: open loop, pushes scheduled at fixed intervals (busy
 *   wait on `performance.now()`), each sample both from the push call (service) and from the scheduled arrival time
 *   (which also counts any wait behind a slow earlier push).
 *
 * Scenario (3) instead runs each window size for a time budget and reports events/s, runs alive
 * and runs dropped by the caps.
 *
 *     npm run bench:throughput -- --only seq3 --seconds 10
 *     node dist/bench/throughput.js --only any --sizes 100,1000
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { EngineOptions } from 'cepheus';
import { deployed, Feeder, kleene, repoRoot, rules, ruleStatements, seq3, skipAny, subscribeAll, type Scenario } from './scenarios.js';

// ------------------------------------------------------------------------------- options

interface Options {
  warmup: number;
  seconds: number;
  latencySeconds: number;
  load: number;
  only: readonly string[] | undefined;
  sizes: readonly number[];
  anySeconds: number;
  hiccupSeconds: number;
  json: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { warmup: 3, seconds: 5, latencySeconds: 5, load: 0.1, only: undefined, sizes: [10, 100, 1_000, 10_000], anySeconds: 20, hiccupSeconds: 2, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--warmup':
        o.warmup = Number(value);
        break;
      case '--seconds':
        o.seconds = Number(value);
        break;
      case '--latency-seconds':
        o.latencySeconds = Number(value);
        break;
      case '--load':
        o.load = Number(value);
        break;
      case '--only':
        o.only = value.split(',');
        break;
      case '--sizes':
        o.sizes = value.split(',').map(Number);
        break;
      case '--any-seconds':
        o.anySeconds = Number(value);
        break;
      case '--hiccup-seconds':
        o.hiccupSeconds = Number(value);
        break;
      case '--json':
        o.json = value;
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return o;
}

// ---------------------------------------------------------------------------------- clock

const origin = process.hrtime.bigint();
/** Nanoseconds since the harness started, as a number (exact for years). */
const nowNs = (): number => Number(process.hrtime.bigint() - origin);
/**
 * `performance.now()` reads the same monotonic clock in milliseconds from another origin:
 * `nowNs()` at `performance.now() === 0`, for busy waits.
 */
const origin0Ns = ((): number => {
  // The first calls of either clock are slow (lazy set-up): warm both, then keep the pair read
  // closest together.
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 1_000; i++) {
    const a = nowNs();
    const p = performance.now();
    const b = nowNs();
    if (b - a < best) {
      best = b - a;
      offset = (a + b) / 2 - p * 1e6;
    }
  }
  return offset;
})();

/**
 * How much of a busy loop's time the process was not running (the machine's other load, the
 * GC): spins for `seconds` and sums the gaps of more than 0.1 ms between two clock reads.
 */
function hiccups(seconds: number): { seconds: number; stolenPercent: number; gapsOver1ms: number; maxGapMs: number; cpuShare: number } {
  if (!(seconds > 0)) return { seconds: 0, stolenPercent: 0, gapsOver1ms: 0, maxGapMs: 0, cpuShare: 1 };
  const c0 = cpuUs();
  const start = performance.now();
  const end = start + seconds * 1000;
  let last = start;
  let stolen = 0;
  let over1 = 0;
  let max = 0;
  for (;;) {
    const now = performance.now();
    if (now >= end) break;
    const gap = now - last;
    if (gap > 0.1) {
      stolen += gap;
      if (gap > 1) over1++;
      if (gap > max) max = gap;
    }
    last = now;
  }
  const wall = performance.now() - start;
  return { seconds, stolenPercent: (100 * stolen) / wall, gapsOver1ms: over1, maxGapMs: max, cpuShare: (cpuUs() - c0) / 1000 / wall };
}

// ------------------------------------------------------------------------------ latencies

/** Latency samples in nanoseconds, in a preallocated array (samples past its size are counted, not kept). */
class Samples {
  readonly #values: Float64Array;
  length = 0;
  overflow = 0;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  add(ns: number): void {
    if (this.length < this.#values.length) this.#values[this.length++] = ns;
    else this.overflow++;
  }

  /** p50, p99, p99.9 and max in microseconds (nearest rank). */
  percentiles(): Percentiles | undefined {
    if (this.length === 0) return undefined;
    const sorted = this.#values.slice(0, this.length).sort();
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! / 1000;
    return { samples: this.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1]! / 1000 };
  }
}

interface Percentiles {
  readonly samples: number;
  /** Microseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

// ------------------------------------------------------------------------------ scenarios

interface Probe {
  /** When the current push started, and when it was due (open loop), in ns since the origin. */
  pushAt: number;
  dueAt: number;
  service: Samples | undefined;
  arrival: Samples | undefined;
  outputs: number;
}

interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly setup: { readonly poolMs: number; readonly deployMs: number; readonly poolEvents: number };
  readonly throughput: {
    readonly events: number;
    readonly seconds: number;
    readonly eventsPerSecond: number;
    /** Events per second of this process's CPU time (all its threads). */
    readonly eventsPerCpuSecond: number;
    readonly outputsPerEvent: number;
  };
  /** The machine's 1-minute load average before and after the scenario. */
  readonly loadavg: readonly [number, number];
  readonly state: {
    readonly runsAlive: number;
    readonly runsDropped: number;
    /** After the throughput phase: garbage included. */
    readonly heapUsedMB: number;
    readonly rssMB: number;
    /**
     * With --expose-gc: the heap after a forced full GC at the end, minus the same before the
     * first push (the pool and the compiled script): the engine's state.
     */
    readonly liveHeapMB: number | undefined;
  };
  readonly fullSpeed: { readonly eventsPerSecond: number; readonly latency: Percentiles | undefined };
  readonly atLoad: {
    readonly load: number;
    readonly targetRate: number;
    readonly achievedRate: number;
    readonly service: Percentiles | undefined;
    readonly arrival: Percentiles | undefined;
    /** CPU time over wall time while pacing (busy waiting): below 1, the OS ran something else. */
    readonly cpuShare: number;
  };
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

function mb(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

/** The heap in use after a full GC, when node runs with --expose-gc (never inside a timed region). */
function liveHeap(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return mb(process.memoryUsage().heapUsed);
}

/** CPU time of this process (every thread: the main one, GC helpers) in microseconds. */
function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Pushes for `seconds` of timed pushing, in chunks of `chunk`; rewinds the pool untimed. Also
 * counts the process's CPU time in the timed chunks: on a busy machine, events per CPU-second
 * is what one core would do alone, more or less (less: caches and GC threads are shared too).
 */
function pushFor(feeder: Feeder, seconds: number, chunk = 1_000): { events: number; ns: number; cpuUs: number } {
  const budget = seconds * 1e9;
  let events = 0;
  let ns = 0;
  let cpu = 0;
  while (ns < budget) {
    feeder.rewindIfDone();
    const c = cpuUs();
    const t = nowNs();
    events += feeder.push(chunk);
    ns += nowNs() - t;
    cpu += cpuUs() - c;
  }
  return { events, ns, cpuUs: cpu };
}

function runScenario(s: Scenario, o: Options): ScenarioResult {
  const loadBefore = loadavg()[0]!;
  log(`\n${s.title} (load average ${loadBefore.toFixed(2)} on ${cpus().length} CPUs)`);
  let t = nowNs();
  const pool = s.pool();
  const poolMs = (nowNs() - t) / 1e6;
  t = nowNs();
  const engine = deployed(s);
  const deployMs = (nowNs() - t) / 1e6;
  const probe: Probe = { pushAt: 0, dueAt: 0, service: undefined, arrival: undefined, outputs: 0 };
  subscribeAll(engine, () => {
    probe.outputs++;
    if (probe.service === undefined) return;
    const now = nowNs();
    probe.service.add(now - probe.pushAt);
    probe.arrival?.add(now - probe.dueAt);
  });
  const feeder = new Feeder(engine, s.stream, pool);
  const baseHeap = liveHeap();
  log(`  pool ${pool.events.length.toLocaleString('en-US')} events in ${poolMs.toFixed(0)} ms, deployed in ${deployMs.toFixed(0)} ms; warming up ${o.warmup} s`);
  pushFor(feeder, o.warmup);

  // Throughput.
  const outputsBefore = probe.outputs;
  const droppedBefore = engine.stats().runsDropped;
  const run = pushFor(feeder, o.seconds);
  const rate = run.events / (run.ns / 1e9);
  const cpuRate = run.events / (run.cpuUs / 1e6);
  const outputsPerEvent = (probe.outputs - outputsBefore) / run.events;
  const stats = engine.stats();
  const memory = process.memoryUsage();
  log(`  throughput: ${Math.round(rate).toLocaleString('en-US')} events/s, ${Math.round(cpuRate).toLocaleString('en-US')} per CPU-second (${run.events.toLocaleString('en-US')} events), ${outputsPerEvent.toFixed(3)} outputs/event, ${stats.runsAlive} runs alive, heap ${mb(memory.heapUsed)} MB`);

  // Latency at full speed: every push timed.
  probe.service = new Samples(4_000_000);
  const full = { events: 0, ns: 0 };
  const fullBudget = o.latencySeconds * 1e9;
  while (full.ns < fullBudget) {
    feeder.rewindIfDone();
    const t0 = nowNs();
    for (let i = 0; i < 1_000 && feeder.left > 0; i++) {
      const event = feeder.next();
      probe.pushAt = nowNs();
      engine.push(feeder.stream, event);
      full.events++;
    }
    full.ns += nowNs() - t0;
  }
  const fullLatency = probe.service.percentiles();
  log(`  full speed: ${Math.round(full.events / (full.ns / 1e9)).toLocaleString('en-US')} events/s, push-to-emission ${fmt(fullLatency)}`);

  // Latency at a fraction of the measured rate, open loop.
  const target = rate * o.load;
  const interval = 1e9 / target;
  probe.service = new Samples(4_000_000);
  probe.arrival = new Samples(4_000_000);
  const loadBudget = o.latencySeconds * 1e9;
  const loadCpu0 = cpuUs();
  const loadWall0 = nowNs();
  let start = nowNs();
  let scheduled = 0;
  let pushed = 0;
  let elapsed = 0;
  for (;;) {
    if (feeder.rewindIfDone()) {
      // The rewind is not part of the load: restart the schedule after it.
      elapsed += nowNs() - start;
      start = nowNs();
      scheduled = 0;
    }
    const due = start + scheduled * interval;
    if (due - start + elapsed >= loadBudget) break;
    // Busy wait on performance.now() (lighter than a BigInt per turn), then read the clock the
    // samples use.
    const dueMs = (due - origin0Ns) / 1e6;
    while (performance.now() < dueMs);
    const now = nowNs();
    probe.dueAt = due;
    probe.pushAt = now;
    engine.push(feeder.stream, feeder.next());
    scheduled++;
    pushed++;
  }
  elapsed += nowNs() - start;
  const service = probe.service.percentiles();
  const arrival = probe.arrival.percentiles();
  probe.service = undefined;
  probe.arrival = undefined;
  const achieved = pushed / (elapsed / 1e9);
  // A busy-waiting process should have had one CPU all along: less means the OS ran others.
  const cpuShare = (cpuUs() - loadCpu0) / 1000 / ((nowNs() - loadWall0) / 1e6);
  log(`  at ${Math.round(o.load * 100)}% (${Math.round(target).toLocaleString('en-US')} events/s target, ${Math.round(achieved).toLocaleString('en-US')} achieved): push ${fmt(service)}; from scheduled arrival ${fmt(arrival)}; CPU share ${cpuShare.toFixed(2)}`);

  const end = engine.stats();
  const endHeap = liveHeap();
  const liveHeapMB = endHeap === undefined || baseHeap === undefined ? undefined : Math.round((endHeap - baseHeap) * 10) / 10;
  if (liveHeapMB !== undefined) log(`  engine state after a full GC: ${liveHeapMB} MB more than before the first push (${end.runsAlive.toLocaleString('en-US')} runs alive)`);
  return {
    id: s.id,
    title: s.title,
    setup: { poolMs, deployMs, poolEvents: pool.events.length },
    throughput: { events: run.events, seconds: run.ns / 1e9, eventsPerSecond: rate, eventsPerCpuSecond: cpuRate, outputsPerEvent },
    loadavg: [loadBefore, loadavg()[0]!],
    state: { runsAlive: stats.runsAlive, runsDropped: end.runsDropped - droppedBefore, heapUsedMB: mb(memory.heapUsed), rssMB: mb(memory.rss), liveHeapMB },
    fullSpeed: { eventsPerSecond: full.events / (full.ns / 1e9), latency: fullLatency },
    atLoad: { load: o.load, targetRate: target, achievedRate: achieved, service, arrival, cpuShare },
  };
}

function fmt(p: Percentiles | undefined): string {
  if (!p) return 'no emissions';
  return `p50 ${p.p50.toFixed(1)} µs, p99 ${p.p99.toFixed(1)} µs, p99.9 ${p.p999.toFixed(1)} µs, max ${p.max.toFixed(0)} µs (${p.samples.toLocaleString('en-US')} samples)`;
}

// ---------------------------------------------------------------------- (3) window sizes

interface WindowResult {
  readonly window: number;
  /** The variant: which caps, and whether c reads COUNT(b). */
  readonly caps: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly eventsPerCpuSecond: number;
  readonly loadavg: number;
  readonly windowsDone: number;
  readonly complete: boolean;
  readonly maxRunsAlive: number;
  readonly runsDropped: number;
  readonly matches: number;
  readonly maxHeapMB: number;
  readonly maxRssMB: number;
  readonly liveHeapMB: number | undefined;
  /** Per B position in the first measured window (capped list): ms per event, runs alive after it. */
  readonly growth: readonly { readonly b: number; readonly ms: number; readonly runs: number }[];
}

/**
 * Pushes whole windows (one A, `window` B events, one C) for a time budget, from the first A;
 * stops mid-window when the budget is spent. Warm-up: 2 s of pushing into a throw-away engine.
 */
function runWindow(window: number, budgetSeconds: number, options: EngineOptions, caps: string, readsB = false): WindowResult {
  const s = skipAny(window, Math.max(1, Math.floor(20_000 / (window + 2))), options, readsB);
  log(`\n${s.title} (${caps})`);
  const per = window + 2;
  {
    const warm = deployed(s);
    subscribeAll(warm, () => undefined);
    const feeder = new Feeder(warm, s.stream, s.pool());
    const warmEnd = nowNs() + 2e9;
    while (nowNs() < warmEnd) {
      feeder.rewindIfDone();
      warm.push(s.stream, feeder.next());
    }
  }
  const engine = deployed(s);
  subscribeAll(engine, () => undefined);
  const feeder = new Feeder(engine, s.stream, s.pool());
  const baseHeap = liveHeap();
  const before = engine.stats();
  const budget = budgetSeconds * 1e9;
  const load = loadavg()[0]!;
  let ns = 0;
  let cpu = 0;
  let events = 0;
  let maxRuns = 0;
  let maxHeap = 0;
  let maxRss = 0;
  const growth: { b: number; ms: number; runs: number }[] = [];
  let lastMemorySample = -Infinity;
  const length = feeder.pool.events.length;
  while (ns < budget) {
    feeder.rewindIfDone();
    const position = (length - feeder.left) % per;
    // The first window one event at a time (for the growth table), then chunks of up to 256
    // that end at the window's last B, so that the runs alive are read at their peak.
    const first = events < per;
    const n = first ? 1 : Math.min(256, position < per - 1 ? per - 1 - position : 1);
    const c0 = cpuUs();
    const t0 = nowNs();
    const pushed = feeder.push(n);
    const dt = nowNs() - t0;
    cpu += cpuUs() - c0;
    ns += dt;
    events += pushed;
    const runs = engine.stats().runsAlive;
    if (runs > maxRuns) maxRuns = runs;
    if (first && position >= 1 && position <= window && (position <= 32 || position % Math.max(1, Math.floor(window / 10)) === 0)) {
      growth.push({ b: position, ms: dt / 1e6, runs });
    }
    if (nowNs() - lastMemorySample > 50e6) {
      const m = process.memoryUsage();
      if (m.heapUsed > maxHeap) maxHeap = m.heapUsed;
      if (m.rss > maxRss) maxRss = m.rss;
      lastMemorySample = nowNs();
    }
  }
  const after = engine.stats();
  const endHeap = liveHeap();
  const liveHeapMB = endHeap === undefined || baseHeap === undefined ? undefined : Math.round((endHeap - baseHeap) * 10) / 10;
  const result: WindowResult = {
    window,
    caps,
    events,
    seconds: ns / 1e9,
    eventsPerSecond: events / (ns / 1e9),
    eventsPerCpuSecond: events / (cpu / 1e6),
    loadavg: load,
    windowsDone: Math.floor(events / per),
    complete: events >= per,
    maxRunsAlive: maxRuns,
    runsDropped: after.runsDropped - before.runsDropped,
    matches: after.matches - before.matches,
    maxHeapMB: mb(maxHeap),
    maxRssMB: mb(maxRss),
    liveHeapMB,
    growth,
  };
  log(
    `  ${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s (${Math.round(result.eventsPerCpuSecond).toLocaleString('en-US')} per CPU-second, load average ${load.toFixed(1)}) over ${events.toLocaleString('en-US')} events (${result.windowsDone} whole windows) in ${result.seconds.toFixed(1)} s; ` +
      `runs alive max ${maxRuns.toLocaleString('en-US')}, dropped ${result.runsDropped.toLocaleString('en-US')}, matches ${result.matches}, heap max ${result.maxHeapMB} MB, rss max ${result.maxRssMB} MB` +
      (liveHeapMB === undefined ? '' : `, state at the end ${liveHeapMB} MB`),
  );
  return result;
}

// ------------------------------------------------------------------------- (4) deploying

interface DeployResult {
  readonly kind: string;
  readonly oneScriptMs: number;
  readonly manyDeploys: { readonly deployed: number; readonly ms: number; readonly lastDeployMs: number };
}

/** Deploy time of 1,000 rules: as one script, and as 1,000 deploys (stopped after `budget` s). */
function deployTimes(kind: 'filter' | 'pattern', budget: number): DeployResult {
  const s = rules(kind);
  let t = nowNs();
  deployed(s);
  const oneScriptMs = (nowNs() - t) / 1e6;
  const engine = deployed({ script: s.script.split('\n')[0]!, options: {} });
  const statements = ruleStatements(kind, 1_000);
  t = nowNs();
  let done = 0;
  let last = 0;
  for (const statement of statements) {
    const t1 = nowNs();
    const r = engine.deploy(statement);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    last = (nowNs() - t1) / 1e6;
    done++;
    if (nowNs() - t > budget * 1e9) break;
  }
  const result = { kind, oneScriptMs, manyDeploys: { deployed: done, ms: (nowNs() - t) / 1e6, lastDeployMs: last } };
  log(`  deploy 1,000 ${kind} rules: one script ${oneScriptMs.toFixed(0)} ms; one deploy each: ${done} in ${result.manyDeploys.ms.toFixed(0)} ms (the last took ${last.toFixed(1)} ms)`);
  return result;
}

// ------------------------------------------------------------------------------------ main

function main(): void {
  const o = parseOptions(process.argv.slice(2));
  const wanted = (id: string): boolean => !o.only || o.only.some((w) => id === w || id.startsWith(`${w}-`));
  const results: ScenarioResult[] = [];
  const windows: WindowResult[] = [];
  const deploys: DeployResult[] = [];
  const quiet = hiccups(o.hiccupSeconds);
  const machine = { node: process.version, platform: `${process.platform} ${process.arch}`, cpu: `${cpus()[0]?.model ?? '?'} × ${cpus().length}`, date: new Date().toISOString(), loadavg: loadavg(), hiccups: quiet };
  log(`cepheus bench: node ${machine.node}, ${machine.platform}, ${machine.cpu}, ${machine.date}, load average ${machine.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
  if (o.hiccupSeconds > 0) {
    log(
      `a busy loop alone for ${o.hiccupSeconds} s: not running ${quiet.stolenPercent.toFixed(1)}% of the time, ${quiet.gapsOver1ms} gaps over 1 ms, ` +
        `the longest ${quiet.maxGapMs.toFixed(1)} ms (CPU share ${quiet.cpuShare.toFixed(2)})`,
    );
  }
  log(`warm-up ${o.warmup} s, throughput ${o.seconds} s, latency ${o.latencySeconds} s per phase, load ${o.load * 100}%`);

  for (const s of [seq3(), kleene(), rules('filter'), rules('pattern')]) if (wanted(s.id)) results.push(runScenario(s, o));
  if (wanted('rules')) for (const kind of ['filter', 'pattern'] as const) deploys.push(deployTimes(kind, 60));
  if (wanted('any')) {
    for (const w of o.sizes) windows.push(runWindow(w, o.anySeconds, {}, 'default caps: 10,000 runs per partition'));
    // Outside section 11's shape (c reads COUNT(b)): one run per choice, up to the cap, and
    // the same with the cap raised: what the cap hides.
    windows.push(runWindow(100, o.anySeconds, {}, 'c reads COUNT(b); default caps', true));
    windows.push(runWindow(100, o.anySeconds, { maxRunsPerPartition: 1_000_000, maxRunsPerQuery: 1_000_000 }, 'c reads COUNT(b); caps raised to 1,000,000 runs', true));
  }

  const report = { machine, options: o, results, windows, deploys };
  const file = o.json ?? join(repoRoot(), 'bench', 'data', `throughput-${machine.date.replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(markdown(report));
  log(`\nresults written to ${file}`);
}

function markdown(r: { results: ScenarioResult[]; windows: WindowResult[]; deploys: DeployResult[] }): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const us = (p: Percentiles | undefined, k: 'p50' | 'p99' | 'p999'): string => (p ? p[k].toFixed(1) : '–');
  const lines: string[] = [];
  if (r.results.length > 0) {
    lines.push('| scenario | events/s | events per CPU-s | load avg | outputs/event | runs alive | state MB | full speed p50 / p99 / p99.9 µs | 10% load: push p50 / p99 / p99.9 µs | 10% load: from arrival p99 / p99.9 µs | CPU share while pacing |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|');
    for (const x of r.results) {
      lines.push(
        `| ${x.title} | ${n(x.throughput.eventsPerSecond)} | ${n(x.throughput.eventsPerCpuSecond)} | ${x.loadavg[0].toFixed(1)}–${x.loadavg[1].toFixed(1)} | ${x.throughput.outputsPerEvent.toFixed(3)} | ${n(x.state.runsAlive)} | ${x.state.liveHeapMB ?? '–'} | ` +
          `${us(x.fullSpeed.latency, 'p50')} / ${us(x.fullSpeed.latency, 'p99')} / ${us(x.fullSpeed.latency, 'p999')} | ` +
          `${us(x.atLoad.service, 'p50')} / ${us(x.atLoad.service, 'p99')} / ${us(x.atLoad.service, 'p999')} | ${us(x.atLoad.arrival, 'p99')} / ${us(x.atLoad.arrival, 'p999')} | ${x.atLoad.cpuShare.toFixed(2)} |`,
      );
    }
    lines.push('');
  }
  if (r.windows.length > 0) {
    lines.push('| B events per window | variant | events/s | events per CPU-s | events (whole windows) | runs alive max | runs dropped | heap max MB | rss max MB | state at end MB |');
    lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const w of r.windows) {
      lines.push(`| ${n(w.window)} | ${w.caps} | ${n(w.eventsPerSecond)} | ${n(w.eventsPerCpuSecond)} | ${n(w.events)} (${w.windowsDone}) | ${n(w.maxRunsAlive)} | ${n(w.runsDropped)} | ${w.maxHeapMB} | ${w.maxRssMB} | ${w.liveHeapMB ?? '–'} |`);
    }
    lines.push('');
  }
  if (r.deploys.length > 0) {
    lines.push('| 1,000 rules | one script, ms | one deploy per rule |');
    lines.push('|---|---:|---|');
    for (const d of r.deploys) lines.push(`| ${d.kind} | ${n(d.oneScriptMs)} | ${d.manyDeploys.deployed} deploys in ${n(d.manyDeploys.ms)} ms (last ${d.manyDeploys.lastDeployMs.toFixed(1)} ms) |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

main();

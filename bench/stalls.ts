/**
 * Where the latency tail comes from (bench/README.md): times every push of a scenario, lists the
 * slow ones with their position in the input, and the GC pauses seen meanwhile (a
 * `PerformanceObserver` on `gc` entries), so that stalls can be told apart: a GC pause, or
 * periodic work of the engine (a pushed event's index that repeats with a period, such as the
 * pattern operator's sweep once per WITHIN: 60,000 events in scenario (1)).
 *
 *     node dist/bench/stalls.js --only seq3 --events 1000000 --threshold-ms 0.3
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { deployed, Feeder, kleene, rules, seq3, skipAny, subscribeAll, type Scenario } from './scenarios.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const scenarios: Record<string, () => Scenario> = {
  seq3: () => seq3(),
  kleene: () => kleene(),
  'rules-filter': () => rules('filter'),
  'any-100': () => skipAny(100),
};
const id = option('--only', 'seq3');
const make = scenarios[id];
if (!make) throw new Error(`unknown scenario ${id}; one of ${Object.keys(scenarios).join(', ')}`);
const total = Number(option('--events', '1000000'));
const threshold = Number(option('--threshold-ms', '0.3'));

const gcs: { start: number; duration: number; kind: number }[] = [];
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
    gcs.push({ start: e.startTime, duration: e.duration, kind });
  }
});
observer.observe({ entryTypes: ['gc'] });

const s = make();
const engine = deployed(s);
subscribeAll(engine, () => undefined);
const feeder = new Feeder(engine, s.stream, s.pool());
const slow: { index: number; ms: number; at: number }[] = [];
const started = performance.now();
for (let i = 1; i <= total; i++) {
  feeder.rewindIfDone();
  const event = feeder.next();
  const at = performance.now();
  engine.push(s.stream, event);
  const ms = performance.now() - at;
  if (ms > threshold) slow.push({ index: i, ms, at });
}
const wall = (performance.now() - started) / 1000;
// GC entries arrive asynchronously.
await new Promise((resolve) => setTimeout(resolve, 100));
observer.disconnect();

const duringGc = (x: { ms: number; at: number }): boolean => gcs.some((g) => g.start < x.at + x.ms && x.at < g.start + g.duration);
const KINDS: Record<number, string> = { 1: 'scavenge', 2: 'minor mark-compact', 4: 'full (mark-compact)', 8: 'incremental marking', 16: 'weak callbacks' };
console.log(`${s.title}: ${total.toLocaleString('en-US')} pushes in ${wall.toFixed(1)} s; ${slow.length} over ${threshold} ms`);
const byKind = new Map<number, number[]>();
for (const g of gcs) byKind.set(g.kind, [...(byKind.get(g.kind) ?? []), g.duration]);
for (const [kind, durations] of byKind) {
  durations.sort((a, b) => a - b);
  const sum = durations.reduce((a, b) => a + b, 0);
  console.log(
    `  GC ${KINDS[kind] ?? kind}: ${durations.length}, median ${durations[durations.length >> 1]!.toFixed(1)} ms, max ${durations[durations.length - 1]!.toFixed(1)} ms, total ${sum.toFixed(0)} ms`,
  );
}
const list = (xs: typeof slow): string => xs.map((x) => `${x.index}: ${x.ms.toFixed(1)}`).join(', ');
const worst = [...slow].sort((a, b) => b.ms - a.ms);
console.log(`  the slowest pushes overlapping a GC pause (index: ms): ${list(worst.filter(duringGc).slice(0, 15))}`);
console.log(`  the slowest pushes without a GC pause (index: ms): ${list(worst.filter((x) => !duringGc(x)).slice(0, 15))}`);

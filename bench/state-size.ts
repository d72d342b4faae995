/**
 * seq3's speed against the size of its state: the same pattern and the same events per key and
 * `WITHIN` window (about six), with 10,000, 5,000, 2,500 and 1,000 keys and a `WITHIN` scaled
 * down with them, so that only the number of runs and partitions alive changes. Each engine is
 * fed in one process, one after the other: 1.5 s of warm-up, then a timed burst.
 *
 *     taskset -c 1 node dist/bench/state-size.js [--seconds 3]
 */
import { Feeder, deployed, seq3, subscribeAll } from './scenarios.js';

const SIZES: readonly [number, string][] = [
  [10_000, '1 MINUTE'],
  [5_000, '30 SECONDS'],
  [2_500, '15 SECONDS'],
  [1_000, '6 SECONDS'],
];

const at = process.argv.indexOf('--seconds');
const seconds = at > 0 ? Number(process.argv[at + 1]) : 3;

console.log(`seq3 by state size: node ${process.version}, ${new Date().toISOString()}, ${seconds} s a size`);
for (const [keys, within] of SIZES) {
  const base = seq3(keys);
  const s = { ...base, script: base.script.replace('WITHIN 1 MINUTE', `WITHIN ${within}`) };
  const engine = deployed(s);
  subscribeAll(engine, () => {});
  const feed = new Feeder(engine, s.stream, s.pool());
  const burst = (ms: number): number => {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < ms) {
      n += feed.push(1000);
      feed.rewindIfDone();
    }
    return (n / (performance.now() - t0)) * 1000;
  };
  burst(1500);
  const rate = burst(seconds * 1000);
  console.log(`  ${keys.toLocaleString('en-US').padStart(6)} keys, WITHIN ${within.padEnd(10)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} events/s, ${engine.stats().runsAlive.toLocaleString('en-US')} runs alive`);
}

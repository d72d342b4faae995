/**
 * Two builds of Cepheus compared in one process: each build's engine is fed a scenario in short
 * bursts, alternating, and the ratio of their rates is taken burst pair by burst pair. On a VM
 * whose speed drifts by 2× within minutes, this tells a 10% change from noise where separate
 * runs cannot: one build against a copy of itself (seq3, 20 rounds) gave 0.972, 1.017 and
 * 0.996 on the VM of bench/RESULTS.md's 2026-12-06 section. Run it both ways (A B, then B A),
 * since the two engines share one heap and one JIT: a real change shows in both.
 *
 *     node dist/bench/ab.js seq3 /path/to/build-A /path/to/build-B [rounds]
 *     node dist/bench/ab.js seq3 /path/to/build-B /path/to/build-A [rounds]
 *
 * A build is a checkout with `dist/` built (`npm run build && npm run bench:build`); scenarios:
 * seq3, kleene, rules (the 1,000 filter rules), pattern-rules (the 1,000 pattern rules).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Scenarios = typeof import('./scenarios.js');
type Burst = (ms: number) => number;

async function feeder(root: string, scenario: string): Promise<Burst> {
  const m = (await import(pathToFileURL(join(root, 'dist/bench/scenarios.js')).href)) as Scenarios;
  const s = scenario === 'seq3' ? m.seq3() : scenario === 'kleene' ? m.kleene() : scenario === 'rules' ? m.rules('filter') : scenario === 'pattern-rules' ? m.rules('pattern') : undefined;
  if (!s) throw new Error(`unknown scenario ${scenario}: seq3, kleene, rules or pattern-rules`);
  const engine = m.deployed(s);
  m.subscribeAll(engine, () => {});
  const feed = new m.Feeder(engine, s.stream, s.pool());
  return (ms) => {
    const t0 = performance.now();
    const end = t0 + ms;
    let n = 0;
    while (performance.now() < end) {
      n += feed.push(1000);
      feed.rewindIfDone();
    }
    return (n / (performance.now() - t0)) * 1000;
  };
}

const median = (v: readonly number[]): number => [...v].sort((x, y) => x - y)[v.length >> 1]!;

async function main(): Promise<void> {
  const [scenario, rootA, rootB, roundsText] = process.argv.slice(2);
  if (!scenario || !rootA || !rootB) throw new Error('usage: node dist/bench/ab.js SCENARIO BUILD_A BUILD_B [ROUNDS]');
  const rounds = Number(roundsText ?? 20);
  const a = await feeder(rootA, scenario);
  const b = await feeder(rootB, scenario);
  a(1500);
  b(1500);
  const ra: number[] = [];
  const rb: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Which goes first alternates, so that neither always follows the other's garbage.
    if (i % 2 === 0) {
      ra.push(a(400));
      rb.push(b(400));
    } else {
      rb.push(b(400));
      ra.push(a(400));
    }
    ratios.push(ra[i]! / rb[i]!);
  }
  const f = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log(`${scenario}: A ${f(median(ra))} events/s, B ${f(median(rb))} events/s (medians of ${rounds} bursts of 400 ms); A/B median ${median(ratios).toFixed(3)}`);
  console.log(`  A = ${rootA}\n  B = ${rootB}`);
}

await main();

/**
 * tinybench suites for the scenarios of bench/scenarios.ts (bench/README.md). One task
 * iteration pushes a batch of pre-generated events into an engine that lives for the whole
 * task (so its state is at its steady size); events/s is the batch size over the mean time of
 * an iteration. Rewinding the pool happens in `beforeEach`, outside the timed function.
 *
 *     npm run bench                       # every suite
 *     node dist/bench/patterns.bench.js --time 5000 seq3 kleene
 */
import { Bench } from 'tinybench';
import { deployed, Feeder, kleene, rules, seq3, skipAny, subscribeAll, type Scenario } from './scenarios.js';

interface Suite {
  readonly scenario: Scenario;
  /** Events pushed per iteration. */
  readonly batch: number;
}

const args = process.argv.slice(2);
const timeAt = args.indexOf('--time');
const time = timeAt >= 0 ? Number(args[timeAt + 1]) : 3_000;
const filters = args.filter((a, i) => !a.startsWith('--') && (timeAt < 0 || i !== timeAt + 1));

const suites: Suite[] = [
  { scenario: seq3(), batch: 10_000 },
  { scenario: kleene(), batch: 10_000 },
  // One window per iteration: A, the B events, C.
  { scenario: skipAny(10, 1_000), batch: 12 },
  { scenario: skipAny(100, 10), batch: 102 },
  { scenario: rules('filter'), batch: 1_000 },
  { scenario: rules('pattern'), batch: 1_000 },
].filter((s) => filters.length === 0 || filters.some((f) => s.scenario.id === f || s.scenario.id.startsWith(`${f}-`)));

const bench = new Bench({ name: 'cepheus patterns', time, warmupTime: Math.min(2_000, time), iterations: 5, warmupIterations: 2 });
let outputs = 0;

for (const { scenario, batch } of suites) {
  let feeder: Feeder | undefined;
  bench.add(
    `${scenario.id} (${batch.toLocaleString('en-US')} events per iteration)`,
    () => {
      feeder!.push(batch);
    },
    {
      beforeAll: () => {
        if (feeder) return; // the warm-up's engine stays: its state is warm too
        const engine = deployed(scenario);
        subscribeAll(engine, () => outputs++);
        feeder = new Feeder(engine, scenario.stream, scenario.pool());
      },
      beforeEach: () => {
        // Every batch is a whole number of windows / fits the pool: rewind when it is used up.
        if (feeder!.left < batch) {
          feeder!.push(feeder!.left);
          feeder!.rewindIfDone();
        }
      },
    },
  );
}

await bench.run();

const rows = bench.tasks.map((task) => {
  const suite = suites.find((s) => task.name.startsWith(`${s.scenario.id} `))!;
  const r = task.result;
  if (r.state !== 'completed') return { task: task.name, state: r.state, error: r.state === 'errored' ? r.error.message : '' };
  return {
    task: task.name,
    'events/s': Math.round(suite.batch / (r.latency.mean / 1000)).toLocaleString('en-US'),
    'ms/iteration (mean)': r.latency.mean.toFixed(2),
    'p99 ms/iteration': r.latency.p99.toFixed(2),
    'rme %': r.latency.rme.toFixed(1),
    iterations: r.latency.samplesCount,
  };
});
console.log(`tinybench ${bench.name}: node ${process.version}, ${new Date().toISOString()}, time ${time} ms per task`);
console.table(rows);
console.log(`(outputs delivered to subscribers: ${outputs.toLocaleString('en-US')})`);

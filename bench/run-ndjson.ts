/**
 * `cepheus run` end to end from an NDJSON file (bench/README.md). Writes a scenario's script
 * and a large NDJSON input (envelopes `{"stream": …, "data": {…}}`) under bench/data/ (git
 * ignored; reused when it is already there), then runs `node bin/cepheus.js run SCRIPT --input
 * FILE > /dev/null` a few times, under `/usr/bin/time -v` when it exists, and reports the
 * events/s of the summary line, the wall and CPU time and the peak resident memory. For
 * comparison it also times reading and parsing the same file with readline and JSON.parse and
 * nothing else: the ceiling any engine behind that input path has.
 *
 *     npm run bench:ndjson                                 # seq3, 2,000,000 events, 3 runs
 *     node dist/bench/run-ndjson.js --events 5000000 --scenario kleene --repeat 1
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { kleene, repoRoot, rules, seq3, type Scenario } from './scenarios.js';

interface Options {
  events: number;
  scenario: string;
  repeat: number;
}

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { events: 2_000_000, scenario: 'seq3', repeat: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i]} needs a value`);
    if (argv[i] === '--events') o.events = Number(value);
    else if (argv[i] === '--scenario') o.scenario = value;
    else if (argv[i] === '--repeat') o.repeat = Number(value);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return o;
}

const SCENARIOS: Record<string, () => Scenario> = { seq3: () => seq3(), kleene: () => kleene(), 'rules-filter': () => rules('filter') };

/** Writes `events` envelopes, replaying the scenario's pool with shifted times as often as needed. */
function writeInput(s: Scenario, file: string, events: number): void {
  const pool = s.pool();
  const fd = openSync(file, 'w');
  try {
    let written = 0;
    let shift = 0;
    const prefix = `{"stream":${JSON.stringify(s.stream)},"data":`;
    while (written < events) {
      let chunk: string[] = [];
      for (const e of pool.events) {
        if (written >= events) break;
        chunk.push(`${prefix}${JSON.stringify({ ...e, ts: e.ts + shift })}}`);
        written++;
        if (chunk.length === 10_000) {
          writeSync(fd, `${chunk.join('\n')}\n`);
          chunk = [];
        }
      }
      if (chunk.length > 0) writeSync(fd, `${chunk.join('\n')}\n`);
      shift += pool.span;
    }
  } finally {
    closeSync(fd);
  }
}

interface RunResult {
  readonly summary: string;
  readonly eventsPerSecond: number;
  readonly wallSeconds: number | undefined;
  readonly cpuSeconds: number | undefined;
  readonly maxRssMB: number | undefined;
  readonly loadavg: number;
}

function runCli(root: string, script: string, input: string): RunResult {
  const timeV = existsSync('/usr/bin/time');
  const node = process.execPath;
  const cli = join(root, 'bin', 'cepheus.js');
  const command = timeV ? '/usr/bin/time' : node;
  const args = timeV ? ['-v', node, cli, 'run', script, '--input', input] : [cli, 'run', script, '--input', input];
  const load = loadavg()[0]!;
  const child = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  if (child.status !== 0) throw new Error(`cepheus run failed (${child.status}):\n${child.stderr}`);
  const stderr = child.stderr;
  const summary = stderr.split('\n').find((l) => l.startsWith('events: ')) ?? '';
  const rate = /events\/s: (\d+)/.exec(summary);
  const field = (name: string): string | undefined => new RegExp(`^\\s*${name}: (.*)$`, 'm').exec(stderr)?.[1];
  const user = Number(field('User time \\(seconds\\)'));
  const sys = Number(field('System time \\(seconds\\)'));
  const rss = Number(field('Maximum resident set size \\(kbytes\\)'));
  const wall = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)');
  const wallSeconds = wall === undefined ? undefined : wall.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  return {
    summary,
    eventsPerSecond: rate ? Number(rate[1]) : Number.NaN,
    wallSeconds,
    cpuSeconds: timeV ? user + sys : undefined,
    maxRssMB: timeV ? Math.round(rss / 1024) : undefined,
    loadavg: load,
  };
}

/** Reads and parses the file the way `cepheus run` does (readline, JSON.parse), and nothing else. */
async function parseOnly(input: string): Promise<{ events: number; seconds: number }> {
  const started = performance.now();
  const lines = createInterface({ input: createReadStream(input, { encoding: 'utf8' }), crlfDelay: Infinity });
  let events = 0;
  for await (const line of lines) {
    const value = JSON.parse(line) as { stream?: unknown };
    if (typeof value.stream === 'string') events++;
  }
  return { events, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const make = SCENARIOS[o.scenario];
  if (!make) throw new Error(`unknown scenario ${o.scenario}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  const s = make();
  const root = repoRoot();
  const data = join(root, 'bench', 'data');
  mkdirSync(data, { recursive: true });
  const script = join(data, `${s.id}.cql`);
  writeFileSync(script, s.script);
  const input = join(data, `${s.id}-${o.events}.ndjson`);
  if (!existsSync(input)) {
    const t = performance.now();
    process.stderr.write(`writing ${relative(root, input)} (${o.events.toLocaleString('en-US')} events)…\n`);
    writeInput(s, input, o.events);
    process.stderr.write(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const size = statSync(input).size;
  process.stderr.write(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}\n`);
  process.stderr.write(`input ${relative(root, input)}: ${(size / 1e6).toFixed(0)} MB\n`);
  process.stderr.write(`command: ${existsSync('/usr/bin/time') ? '/usr/bin/time -v ' : ''}node bin/cepheus.js run ${relative(root, script)} --input ${relative(root, input)} > /dev/null\n`);

  const runs: RunResult[] = [];
  for (let i = 0; i < o.repeat; i++) {
    const r = runCli(root, script, input);
    runs.push(r);
    process.stderr.write(
      `  run ${i + 1}: ${r.summary}` +
        (r.cpuSeconds !== undefined ? ` | wall ${r.wallSeconds?.toFixed(2)} s, CPU ${r.cpuSeconds.toFixed(2)} s, max RSS ${r.maxRssMB} MB` : '') +
        ` | load average ${r.loadavg.toFixed(1)}\n`,
    );
  }
  const parsed = await parseOnly(input);
  const parseRate = parsed.events / parsed.seconds;
  process.stderr.write(`  readline + JSON.parse alone: ${Math.round(parseRate).toLocaleString('en-US')} events/s (${parsed.seconds.toFixed(2)} s)\n`);

  const sorted = [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const best = sorted[sorted.length - 1]!;
  const n = (x: number | undefined): string => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
  const perCpu = (r: RunResult): number | undefined => (r.cpuSeconds ? o.events / r.cpuSeconds : undefined);
  const report = { scenario: s.id, events: o.events, bytes: size, node: process.version, date: new Date().toISOString(), runs, parseOnly: { eventsPerSecond: parseRate, seconds: parsed.seconds } };
  writeFileSync(join(data, `ndjson-${s.id}-${report.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    [
      '| cepheus run, NDJSON | events | events/s (median) | events/s (best) | events per CPU-s (best run, whole process) | max RSS MB | readline + JSON.parse alone, events/s |',
      '|---|---:|---:|---:|---:|---:|---:|',
      `| ${s.id} | ${n(o.events)} | ${n(median.eventsPerSecond)} | ${n(best.eventsPerSecond)} | ${n(perCpu(best))} | ${best.maxRssMB ?? '–'} | ${n(parseRate)} |`,
      '',
    ].join('\n'),
  );
}

await main();

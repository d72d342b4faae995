/**
 * `cepheus run SCRIPT [--input FILE]... [--lateness DURATION]`: deploys a script, feeds it NDJSON
 * events, prints every output event as one JSON line `{"stream", "time", "data"}` to standard
 * output and a one-line summary to standard error (LANGUAGE.md section 10).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Engine, renderDiagnostic } from '../index.js';
import { mergeByTime, parseInputSpec, readInput, Unreadable, type BadLine } from './inputs.js';
import type { Io } from './io.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WORDS: Record<string, string> = { millisecond: 'ms', second: 's', minute: 'm', hour: 'h', day: 'd' };

/** `500ms`, `5s`, `2m`, `1h`, `1d`, `5 SECONDS`, or a number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const word = m[2]!.toLowerCase().replace(/s$/, '');
  const unit = m[2] === '' ? 'ms' : (WORDS[word] ?? m[2]!.toLowerCase());
  const factor = UNITS[unit];
  if (factor === undefined) return undefined;
  const ms = Number(m[1]) * factor;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * Writes lines in large chunks, waiting when the pipe is full. One event may complete millions
 * of matches (SKIP TILL ANY MATCH) inside one push, where nothing can be awaited: past
 * WRITE_AT bytes the lines are written at once (standard output is synchronous for files and
 * pipes on Linux), so that they never pile up in memory; the next flush waits for a full pipe.
 */
class LineWriter {
  #chunk: string[] = [];
  #size = 0;
  /** A write was refused (an asynchronous stream, full): the next flush waits for it to drain. */
  #full = false;
  readonly #write: (text: string) => boolean | void;
  readonly #drain: () => Promise<void>;

  constructor(write: (text: string) => boolean | void, drain: () => Promise<void>) {
    this.#write = write;
    this.#drain = drain;
  }

  line(text: string): void {
    this.#chunk.push(text);
    this.#size += text.length + 1;
    if (this.#size >= WRITE_AT) this.#writeNow();
  }

  get pending(): number {
    return this.#size;
  }

  async flush(): Promise<void> {
    if (this.#chunk.length > 0) this.#writeNow();
    if (this.#full) {
      this.#full = false;
      await this.#drain();
    }
  }

  #writeNow(): void {
    const text = this.#chunk.join('\n') + '\n';
    this.#chunk = [];
    this.#size = 0;
    if (this.#write(text) === false) this.#full = true;
  }
}

/** Bytes of output lines kept before they are written, even in the middle of an event. */
const WRITE_AT = 1 << 20;

export async function run(args: readonly string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { input: { type: 'string', short: 'i', multiple: true }, lateness: { type: 'string' } },
    });
  } catch (e) {
    io.err(`cepheus run: ${(e as Error).message}\n`);
    return 2;
  }
  const [scriptPath, ...extra] = parsed.positionals;
  if (!scriptPath || extra.length > 0) {
    io.err('usage: cepheus run SCRIPT [--input FILE | --input STREAM=FILE]... [--lateness DURATION]\n');
    return 2;
  }
  const lateness = parsed.values.lateness === undefined ? 0 : parseDuration(parsed.values.lateness);
  if (lateness === undefined) {
    io.err(`cepheus run: --lateness takes a duration such as 500ms, 5s or 2m, not '${parsed.values.lateness}'\n`);
    return 2;
  }
  let source: string;
  try {
    source = readFileSync(scriptPath, 'utf8');
  } catch (e) {
    io.err(`cepheus run: cannot read ${scriptPath}: ${(e as Error).message}\n`);
    return 2;
  }
  const engine = new Engine({ lateness });
  const deployed = engine.deploy(source, { file: scriptPath });
  if (!deployed.ok) {
    for (const d of deployed.diagnostics) io.err(`${renderDiagnostic(d, source)}\n\n`);
    io.err(`${deployed.diagnostics.length} error${deployed.diagnostics.length === 1 ? '' : 's'}: nothing was run\n`);
    return 1;
  }

  // EXPLAIN statements are printed, not run (section 9); standard output is the events'.
  for (const plan of deployed.deployment.explained) io.err(`${plan}\n\n`);
  const out = new LineWriter(io.outRaw, io.drain);
  for (const stream of engine.outputStreams()) {
    engine.subscribe(stream, (e) => out.line(JSON.stringify({ stream: e.stream, time: e.time, data: e.data })));
  }
  /** Where the event being pushed comes from, for rejections. */
  let currentSource: string | undefined;
  let currentLine = 0;
  let badLines = 0;
  const reportBad = (b: BadLine): void => {
    badLines++;
    io.err(`${b.source}:${b.line}: skipped: ${b.reason}\n`);
  };
  engine.subscribe('_rejected', (e) => {
    const where = currentSource !== undefined ? `${currentSource}:${currentLine}` : '<input>';
    io.err(`${where}: rejected: ${String(e.data['reason'])}\n`);
  });

  const specs = (parsed.values.input ?? ['-']).map(parseInputSpec);
  const started = performance.now();
  let events = 0;
  try {
    const inputs = specs.map((spec) => readInput(spec, reportBad, io.stdin));
    for await (const batch of mergeByTime(inputs, (stream, data) => engine.eventTime(stream, data))) {
      const { streams, data, sources, lines } = batch;
      for (let i = 0; i < streams.length; i++) {
        currentSource = sources[i];
        currentLine = lines[i]!;
        const event = data[i];
        if (event instanceof Unreadable) engine.reject(streams[i]!, event.reason, event.text);
        else engine.push(streams[i]!, event);
        if (out.pending > 1 << 16) await out.flush();
      }
      events += streams.length;
      if (out.pending > 1 << 16) await out.flush();
    }
  } catch (e) {
    io.err(`cepheus run: ${(e as Error).message}\n`);
    return 2;
  }
  currentSource = undefined;
  engine.end();
  await out.flush();
  const seconds = (performance.now() - started) / 1000;
  const stats = engine.stats();
  const rate = seconds > 0 ? Math.round(events / seconds) : events;
  // Runs, rows or matches a cap dropped (engine options): said only when there were some.
  const forMemory = stats.memoryDrops > 0 ? ` (${stats.memoryDrops} for want of memory)` : '';
  const dropped = stats.runsDropped > 0 ? `dropped: ${stats.runsDropped}${forMemory}, ` : '';
  // Run-time faults in expressions (each made its expression NULL): said only when there were some.
  const faults = stats.faults > 0 ? `faults: ${stats.faults}, ` : '';
  io.err(
    `events: ${events}, outputs: ${stats.outputs}, matches: ${stats.matches}, rejected: ${stats.rejected + badLines}, ${dropped}${faults}` +
      `time: ${seconds.toFixed(3)} s, events/s: ${rate}\n`,
  );
  return 0;
}

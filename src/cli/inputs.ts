/**
 * Inputs of `cepheus run`: NDJSON files or standard input, read in chunks. A line is either an envelope
 * `{"stream": "S", "data": {...}}` or, for `--input S=FILE`, a bare event of stream S. Several
 * inputs are merged by event time into one input (LANGUAGE.md section 3); a bad line is reported
 * with its line number and skipped.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

export interface InputSpec {
  /** The file's path, or '-' for standard input. */
  readonly path: string;
  /** For bare events: the stream they belong to. */
  readonly stream: string | undefined;
}

/** Events in file order, as parallel arrays: reading makes no object per line. */
export class InputBatch {
  readonly streams: string[] = [];
  readonly data: unknown[] = [];
  readonly sources: string[] = [];
  readonly lines: number[] = [];

  get size(): number {
    return this.streams.length;
  }

  add(stream: string, data: unknown, source: string, line: number): void {
    this.streams.push(stream);
    this.data.push(data);
    this.sources.push(source);
    this.lines.push(line);
  }

  /** Adds event `i` of `other`. */
  addFrom(other: InputBatch, i: number): void {
    this.add(other.streams[i]!, other.data[i], other.sources[i]!, other.lines[i]!);
  }
}

/** A line of a stream's input that is no JSON: the engine is told to reject it (Engine.reject). */
export class Unreadable {
  constructor(
    readonly text: string,
    readonly reason: string,
  ) {}
}

export interface BadLine {
  readonly source: string;
  readonly line: number;
  readonly reason: string;
}

/** `S=FILE` → stream S; `FILE` or `-` → envelopes. */
export function parseInputSpec(text: string): InputSpec {
  const eq = text.indexOf('=');
  if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(text.slice(0, eq))) return { stream: text.slice(0, eq), path: text.slice(eq + 1) };
  return { stream: undefined, path: text };
}

/**
 * The events of one input, in file order, in batches (one per chunk read, so that parsing and
 * pushing stay synchronous and cost no promise per line); bad lines go to `bad`.
 */
export async function* readInput(spec: InputSpec, bad: (b: BadLine) => void, stdin: Readable = process.stdin): AsyncGenerator<InputBatch> {
  const source = spec.path === '-' ? '<stdin>' : spec.path;
  const stream = spec.path === '-' ? stdin : createReadStream(spec.path, { highWaterMark: 1 << 20 });
  stream.setEncoding('utf8');
  let line = 0;
  let rest = '';
  const parse = (line1: string, out: InputBatch): void => {
    line++;
    // A byte-order mark before the first line (some editors write one) is no part of the JSON.
    const text = line === 1 && line1.charCodeAt(0) === 0xfeff ? line1.slice(1) : line1;
    // JSON.parse allows white space around a value: only a line that starts with some can be blank.
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const reason = `not JSON: ${(e as Error).message}`;
      // A line of a stream's own file is that stream's event: rejected onto _rejected (section 2),
      // as a Kafka message that is not JSON is. In envelopes, the stream is not known.
      if (spec.stream !== undefined) out.add(spec.stream, new Unreadable(text, reason), source, line);
      else bad({ source, line, reason });
      return;
    }
    if (spec.stream !== undefined) {
      out.add(spec.stream, value, source, line);
      return;
    }
    const envelope = value as { stream?: unknown; data?: unknown } | null;
    if (typeof envelope !== 'object' || envelope === null || typeof envelope.stream !== 'string' || !('data' in envelope)) {
      bad({ source, line, reason: 'expected {"stream": "<name>", "data": {...}}' });
      return;
    }
    out.add(envelope.stream, envelope.data, source, line);
  };
  const withoutCr = (text: string): string => (text.endsWith('\r') ? text.slice(0, -1) : text);
  // A line longer than MAX_LINE is reported as soon as it is known to be; one whose end has not
  // come yet is read on to its newline and dropped (`skipping`).
  let skipping = false;
  const tooLong = (untilNewline: boolean): void => {
    line++;
    bad({ source, line, reason: `longer than ${MAX_LINE / (1 << 20)} MiB` });
    skipping = untilNewline;
    rest = '';
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    // Newlines are looked for in the new chunk only: a long line costs its length, once.
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      if (!skipping) {
        rest += chunk;
        if (rest.length > MAX_LINE) tooLong(true);
      }
      continue;
    }
    const batch = new InputBatch();
    if (skipping) skipping = false;
    else if (rest.length + nl > MAX_LINE) tooLong(false);
    else parse(withoutCr(rest + chunk.slice(0, nl)), batch);
    let start = nl + 1;
    for (nl = chunk.indexOf('\n', start); nl !== -1; nl = chunk.indexOf('\n', start)) {
      if (nl - start > MAX_LINE) tooLong(false);
      else parse(withoutCr(chunk.slice(start, nl)), batch);
      start = nl + 1;
    }
    rest = chunk.slice(start);
    if (rest.length > MAX_LINE) tooLong(true);
    if (batch.size > 0) yield batch;
  }
  if (rest.length > 0 && !skipping) {
    const batch = new InputBatch();
    parse(withoutCr(rest), batch);
    if (batch.size > 0) yield batch;
  }
}

/** The longest input line read, in UTF-16 code units (an event is a line: 16 MiB is far past any). */
export const MAX_LINE = 16 * (1 << 20);

/**
 * Merges inputs by event time (ties: the input given first, then file order), in batches.
 * Events whose time is unknown (rejected ones, streams stamped with arrival time) go at once,
 * in file order.
 */
export async function* mergeByTime(
  inputs: readonly AsyncGenerator<InputBatch>[],
  timeOf: (stream: string, data: unknown) => number | undefined,
): AsyncGenerator<InputBatch> {
  if (inputs.length === 1) {
    yield* inputs[0]!;
    return;
  }
  const buffers: InputBatch[] = inputs.map(() => new InputBatch());
  const positions = inputs.map(() => 0);
  const done = inputs.map(() => false);
  /** Makes sure input i has an event to offer, unless it has ended. */
  const fill = async (i: number): Promise<void> => {
    while (!done[i] && positions[i]! >= buffers[i]!.size) {
      const next = await inputs[i]!.next();
      if (next.done) done[i] = true;
      else {
        buffers[i] = next.value;
        positions[i] = 0;
      }
    }
  };
  await Promise.all(inputs.map((_, i) => fill(i)));
  for (;;) {
    const out = new InputBatch();
    let needs = -1;
    while (needs < 0 && out.size < 4096) {
      let best = -1;
      let bestTime = Infinity;
      for (let i = 0; i < inputs.length; i++) {
        const buffer = buffers[i]!;
        const at = positions[i]!;
        if (at >= buffer.size) continue;
        const time = timeOf(buffer.streams[at]!, buffer.data[at]) ?? -Infinity;
        if (best < 0 || time < bestTime) {
          best = i;
          bestTime = time;
        }
      }
      if (best < 0) break;
      out.addFrom(buffers[best]!, positions[best]!++);
      if (positions[best]! >= buffers[best]!.size && !done[best]) needs = best;
    }
    if (out.size > 0) yield out;
    if (needs >= 0) await fill(needs);
    else if (out.size === 0) return;
  }
}

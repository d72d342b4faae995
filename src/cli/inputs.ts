/**
 * Inputs of `cepheus run`: NDJSON files or standard input. A line is either an envelope
 * `{"stream": "S", "data": {...}}` or, for `--input S=FILE`, a bare event of stream S. Several
 * inputs are merged by event time into one input (LANGUAGE.md section 3); a bad line is reported
 * with its line number and skipped.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface InputSpec {
  /** The file's path, or '-' for standard input. */
  readonly path: string;
  /** For bare events: the stream they belong to. */
  readonly stream: string | undefined;
}

export interface InputEvent {
  readonly stream: string;
  readonly data: unknown;
  readonly source: string;
  readonly line: number;
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

/** The events of one input, in file order; bad lines go to `bad`. */
export async function* readInput(spec: InputSpec, bad: (b: BadLine) => void, stdin: Readable = process.stdin): AsyncGenerator<InputEvent> {
  const source = spec.path === '-' ? '<stdin>' : spec.path;
  const stream = spec.path === '-' ? stdin : createReadStream(spec.path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      bad({ source, line, reason: `not JSON: ${(e as Error).message}` });
      continue;
    }
    if (spec.stream !== undefined) {
      yield { stream: spec.stream, data: value, source, line };
      continue;
    }
    const envelope = value as { stream?: unknown; data?: unknown } | null;
    if (typeof envelope !== 'object' || envelope === null || typeof envelope.stream !== 'string' || !('data' in envelope)) {
      bad({ source, line, reason: 'expected {"stream": "<name>", "data": {...}}' });
      continue;
    }
    yield { stream: envelope.stream, data: envelope.data, source, line };
  }
}

/**
 * Merges inputs by event time (ties: the input given first, then file order). Events whose time
 * is unknown (rejected ones, streams stamped with arrival time) go at once, in file order.
 */
export async function* mergeByTime(
  inputs: readonly AsyncGenerator<InputEvent>[],
  timeOf: (e: InputEvent) => number | undefined,
): AsyncGenerator<InputEvent> {
  if (inputs.length === 1) {
    yield* inputs[0]!;
    return;
  }
  const heads: ({ event: InputEvent; time: number } | undefined)[] = [];
  const advance = async (i: number): Promise<void> => {
    for (;;) {
      const next = await inputs[i]!.next();
      if (next.done) {
        heads[i] = undefined;
        return;
      }
      const time = timeOf(next.value);
      if (time === undefined) {
        pendingUntimed.push(next.value);
        continue;
      }
      heads[i] = { event: next.value, time };
      return;
    }
  };
  const pendingUntimed: InputEvent[] = [];
  await Promise.all(inputs.map((_, i) => advance(i)));
  for (;;) {
    while (pendingUntimed.length > 0) yield pendingUntimed.shift()!;
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && (best < 0 || h.time < heads[best]!.time)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!.event;
    await advance(best);
  }
}

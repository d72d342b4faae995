/** The command line's streams, injectable for tests. */
import type { Readable } from 'node:stream';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Writes without waiting; false when the pipe is full (then wait for `drain`). */
  readonly outRaw: (text: string) => boolean;
  readonly drain: () => Promise<void>;
  readonly stdin: Readable;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  outRaw: (text) => process.stdout.write(text),
  drain: () => new Promise((resolve) => process.stdout.once('drain', () => resolve())),
  stdin: process.stdin,
};

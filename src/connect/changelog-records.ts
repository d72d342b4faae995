/**
 * The records of the Kafka connector's changelog (docs/connectors.md, "Checkpoints, recovery and
 * delivery"): a checkpoint is a manifest — the offsets and output ranks its state reflects — with
 * the snapshot in the same record or, when the snapshot is larger than a chunk, in chunk records of
 * their own, written before it. Records and sends stay well below the broker's limit.
 */
import type { OutboundMessage } from '../io/kafka.js';
import type { Task } from './kafka-task.js';

/** A checkpoint as the changelog holds it (one record per partition, or a manifest and chunks). */
export interface Manifest {
  /**
   * 2: the manifest's JSON, a newline and the snapshot's bytes, in one record (`chunks` 0); or,
   * for a snapshot larger than a chunk, the JSON alone and `chunks` binary records under keys of
   * their own checkpoint (`KEY#ID#I`), each the checkpoint's id and a newline, then its bytes.
   * 1 (still read): in base64, whole in `state` or in `chunks` JSON records `{id, data}` under `KEY#I`.
   */
  readonly v: 1 | 2;
  readonly id: string;
  /** Per source topic, the offset of the next message the state does not reflect. */
  readonly offsets: Readonly<Record<string, string>>;
  /** Per query, the last output's event time and how many outputs it had at that time (for ids). */
  readonly ranks: readonly (readonly [string, number, number])[];
  readonly state?: string;
  readonly chunks?: number;
  /** Version 2, `chunks` 0: the snapshot that came in the manifest's record (not part of its JSON). */
  inline?: Uint8Array;
}

/** A chunk of a checkpoint: the id of the checkpoint it belongs to, and its part of the snapshot (bytes, or base64 in format 1). */
export interface Chunk {
  readonly id: string;
  readonly data: Uint8Array | string;
}

const NEWLINE = 10;

/** Reads a changelog record that is not a barrier: a manifest (JSON), a binary chunk, or a format-1 chunk (JSON). */
export function changelogRecord(bytes: Uint8Array): Manifest | Chunk | undefined {
  if (bytes[0] === 123 /* { */) {
    // JSON never holds a raw newline: one ends the manifest, and the snapshot follows.
    const end = bytes.indexOf(NEWLINE);
    const record = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, end < 0 ? bytes.byteLength : end).toString()) as Manifest | { id: string; data: string };
    if (typeof record !== 'object' || record === null) return undefined;
    if (end >= 0 && 'v' in record) record.inline = Uint8Array.prototype.slice.call(bytes, end + 1);
    return record;
  }
  const newline = bytes.indexOf(NEWLINE);
  if (newline <= 0 || newline > 100) return undefined;
  // A copy: a fetched value is a view of the whole fetch response, which it would keep alive.
  return { id: Buffer.from(bytes.buffer, bytes.byteOffset, newline).toString(), data: Uint8Array.prototype.slice.call(bytes, newline + 1) };
}

/** The key of chunk `i` of checkpoint `id` of a partition's key. */
export function chunkKey(key: string, id: string, i: number): string {
  return `${key}#${id}#${i}`;
}

/** Changelog records stay well below Kafka's default limit of 1 MiB per message. */
export const CHUNK = 512 * 1024;

/**
 * Messages in sends of at most about 512 KiB each: one send to a partition is one record batch,
 * which the broker refuses above its limit (1 MiB by default).
 */
export function* bySize(messages: readonly OutboundMessage[]): Generator<OutboundMessage[]> {
  let part: OutboundMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = (m.value?.length ?? 0) + (m.key?.length ?? 0) + 100;
    if (part.length > 0 && bytes + size > CHUNK) {
      yield part;
      part = [];
      bytes = 0;
    }
    part.push(m);
    bytes += size;
  }
  if (part.length > 0) yield part;
}

/** The records of a checkpoint of `task` under `key` (its state now, and the offsets it reflects). */
export function checkpointRecords(task: Task, key: string, state: Uint8Array): OutboundMessage[] {
  const id = `${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  // A state that fits in one record goes with its manifest, written at once: no crash can
  // separate them. A larger one goes first, in chunks under keys of this checkpoint's own, so
  // that a crash before the manifest leaves the last complete checkpoint as it was.
  const chunks = state.byteLength <= CHUNK ? 0 : Math.ceil(state.byteLength / CHUNK);
  const manifest: Manifest = { v: 2, id, offsets: Object.fromEntries(task.next), ranks: [...task.ranks].map(([q, r]) => [q, r.time, r.n] as const), chunks };
  const records: OutboundMessage[] = [];
  const head = Buffer.from(`${id}\n`);
  const written = new Set<string>();
  for (let i = 0; i < chunks; i++) {
    written.add(chunkKey(key, id, i));
    records.push({ key: chunkKey(key, id, i), value: Buffer.concat([head, state.subarray(i * CHUNK, (i + 1) * CHUNK)]) });
  }
  // The manifest after its chunks: a reader that has it has them.
  records.push({ key, value: chunks === 0 ? Buffer.concat([Buffer.from(`${JSON.stringify(manifest)}\n`), state]) : JSON.stringify(manifest) });
  // Then the chunks of earlier checkpoints are deleted (tombstones).
  for (const k of task.oldChunks) if (!written.has(k)) records.push({ key: k, value: null });
  task.oldChunks = written;
  return records;
}

/**
 * A faster encoder for kafkajs 2.2.4's produced records, loaded before kafkajs itself.
 *
 * kafkajs encodes each record with a fresh zero-filled 512-byte buffer, another for each
 * header, and 64-bit arithmetic on `Long` objects for the timestamp. A record of a hundred bytes
 * thus cost about 6.5 µs and a kilobyte of garbage, which made writing outputs a large part of
 * a Kafka task's time. This encoder measures the record first and writes it once, into a buffer
 * of exactly its size from Node's pool. Its bytes are kafkajs's bytes (checked by
 * test/unit/io/record-encoder.test.ts against kafkajs's own encoder); anything it does not handle
 * the same way for sure (header values given as arrays, timestamps beyond 2^52, keys or values
 * that are neither strings nor buffers) goes to kafkajs's encoder.
 *
 * Like the read_committed fix (kafkajs-read-committed.ts), it goes into Node's CommonJS module
 * cache under the path of kafkajs's own module, so it must be loaded before kafkajs.
 */
import { createRequire } from 'node:module';

interface RecordInput {
  readonly offsetDelta?: number;
  readonly timestampDelta?: unknown;
  readonly key?: unknown;
  readonly value?: unknown;
  readonly headers?: unknown;
}

/** What kafkajs's record batch takes from an encoded record: `buf` to check, `buffer` to copy. */
export interface EncodedRecord {
  readonly buf: Buffer;
  readonly buffer: Buffer;
}

/** Size of a signed number as a zigzag varint (exact for |value| < 2^52). */
function sizeOfVarLong(value: number): number {
  let z = value >= 0 ? value * 2 : -value * 2 - 1;
  let bytes = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    bytes++;
  }
  return bytes;
}

/** Writes a signed number as a zigzag varint at `at`; returns the offset after it. */
function writeVarLong(buf: Buffer, at: number, value: number): number {
  let z = value >= 0 ? value * 2 : -value * 2 - 1;
  while (z >= 128) {
    buf[at++] = (z % 128) | 128;
    z = Math.floor(z / 128);
  }
  buf[at++] = z;
  return at;
}

/** A key, value or header value: its bytes, or null; undefined when it is of a kind left to kafkajs. */
function bytesOf(value: unknown): Buffer | string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  return undefined;
}

function byteLength(value: Buffer | string): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
}

/** Writes a length-prefixed value (a null as length -1); returns the offset after it. */
function writeBytes(buf: Buffer, at: number, value: Buffer | string | null, length: number): number {
  if (value === null) return writeVarLong(buf, at, -1);
  at = writeVarLong(buf, at, length);
  if (typeof value === 'string') buf.write(value, at, length, 'utf8');
  else value.copy(buf, at);
  return at + length;
}

/**
 * Encodes one record as kafkajs's `recordBatch/record/v0` does, or returns undefined for a
 * record it leaves to kafkajs.
 */
export function encodeRecord({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }: RecordInput): EncodedRecord | undefined {
  if (typeof timestampDelta !== 'number' || !Number.isInteger(timestampDelta) || Math.abs(timestampDelta) >= 2 ** 52 || !Number.isInteger(offsetDelta) || offsetDelta < 0 || offsetDelta >= 2 ** 30) return undefined;
  const k = bytesOf(key);
  const v = bytesOf(value);
  if (k === undefined || v === undefined || headers === null || typeof headers !== 'object') return undefined;
  const names = Object.keys(headers);
  const values: (Buffer | string)[] = [];
  let size = 1 + sizeOfVarLong(timestampDelta) + sizeOfVarLong(offsetDelta);
  const keyLength = k === null ? -1 : byteLength(k);
  const valueLength = v === null ? -1 : byteLength(v);
  size += k === null ? 1 : sizeOfVarLong(keyLength) + keyLength;
  size += v === null ? 1 : sizeOfVarLong(valueLength) + valueLength;
  size += sizeOfVarLong(names.length);
  for (const name of names) {
    const h = (headers as Record<string, unknown>)[name];
    // kafkajs measures a header value with Buffer.byteLength, which takes strings and buffers only.
    if (typeof h !== 'string' && !Buffer.isBuffer(h)) return undefined;
    values.push(h);
    const nameLength = Buffer.byteLength(name, 'utf8');
    const hLength = byteLength(h);
    size += sizeOfVarLong(nameLength) + nameLength + sizeOfVarLong(hLength) + hLength;
  }
  const buf = Buffer.allocUnsafe(sizeOfVarLong(size) + size);
  let at = writeVarLong(buf, 0, size);
  buf[at++] = 0; // attributes: none
  at = writeVarLong(buf, at, timestampDelta);
  at = writeVarLong(buf, at, offsetDelta);
  at = writeBytes(buf, at, k, keyLength);
  at = writeBytes(buf, at, v, valueLength);
  at = writeVarLong(buf, at, names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const nameLength = Buffer.byteLength(name, 'utf8');
    at = writeVarLong(buf, at, nameLength);
    buf.write(name, at, nameLength, 'utf8');
    at += nameLength;
    at = writeBytes(buf, at, values[i]!, byteLength(values[i]!));
  }
  if (at !== buf.length) throw new Error(`record encoder: wrote ${at} bytes of ${buf.length}`);
  return { buf, buffer: buf };
}

const require = createRequire(import.meta.url);
const recordPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const requestPath = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');

/** Whether kafkajs uses this encoder (false when kafkajs's produce request was loaded before this module). */
export const patched = require.cache[requestPath] === undefined;
/** kafkajs's own encoder: for what this one leaves to it, and for the test that compares the two. */
export const kafkajsRecord = (require.cache[recordPath]?.exports ?? require(recordPath)) as (input: RecordInput) => EncodedRecord;
if (patched && require.cache[recordPath]?.exports === kafkajsRecord) {
  const original = kafkajsRecord;
  const record = (input: RecordInput): EncodedRecord => encodeRecord(input) ?? original(input);
  require.cache[recordPath] = { id: recordPath, filename: recordPath, loaded: true, exports: record } as unknown as NodeJS.Module;
}
